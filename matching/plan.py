"""The `symbiosis-plan/1` output: a Plan built from tonnes per arc, and its JSON.

Every figure is recomputed here from the problem and the tonnes, never taken from a
solver's own objective, so a plan is exactly as good as the flows it lists.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from matching.arcs import Arcs
from matching.problem import Problem
from matching.sites import Sites
from matching.unmatched import MIN_TONNES, unmatched_reasons

__all__ = ["FORMAT", "MIN_TONNES", "Exchange", "Plan", "SinkUse", "SolverInfo", "Unmatched"]

FORMAT = "symbiosis-plan/1"


@dataclass(frozen=True)
class Exchange:
    source: str
    sink: str
    material: str
    tonnes: float
    mode: str
    km: float
    transport_kg_co2e: float
    disposal_avoided_kg_co2e: float
    virgin_avoided_kg_co2e: float
    net_saved_kg_co2e: float


@dataclass(frozen=True)
class Unmatched:
    source: str
    tonnes: float
    reason: str
    # the facts that decided `reason` (keys in matching.unmatched); None in a plan written
    # before the matcher gave them
    detail: dict[str, Any] | None = None


@dataclass(frozen=True)
class SinkUse:
    sink: str
    received_t: float
    spare_t: float


@dataclass(frozen=True)
class SolverInfo:
    name: str
    build_s: float
    solve_s: float
    arcs: int
    rows: int


@dataclass(frozen=True)
class Plan:
    """A proposal: which source ships how much to which sink, and what that saves."""

    status: str  # optimal, feasible or infeasible
    objective_kg_co2e: float | None
    baseline_kg_co2e: float
    saved_kg_co2e: float | None
    exchanges: tuple[Exchange, ...] = ()
    unmatched: tuple[Unmatched, ...] = ()
    sinks: tuple[SinkUse, ...] = ()
    solver: SolverInfo = field(default_factory=lambda: SolverInfo("", 0.0, 0.0, 0, 0))
    message: str | None = None  # why, when status is infeasible

    def to_dict(self) -> dict[str, Any]:
        """The plan as `symbiosis-plan/1` JSON data."""
        data = {"format": FORMAT, **asdict(self)}
        if self.message is None:
            del data["message"]
        return data

    def to_json(self, indent: int | None = None) -> str:
        """The plan as `symbiosis-plan/1` text.

        >>> Plan("optimal", 0.0, 0.0, 0.0).to_json()[:46]
        '{"format": "symbiosis-plan/1", "status": "opti'
        """
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, data: str | dict[str, Any]) -> Plan:
        """Read a plan written by `to_json` (for instance one stored by the web app)."""
        data = json.loads(data) if isinstance(data, str) else dict(data)
        data.pop("format", None)
        return cls(
            **{
                k: v
                for k, v in data.items()
                if k not in ("exchanges", "unmatched", "sinks", "solver")
            },
            exchanges=tuple(Exchange(**e) for e in data.get("exchanges", [])),
            unmatched=tuple(Unmatched(**u) for u in data.get("unmatched", [])),
            sinks=tuple(SinkUse(**s) for s in data.get("sinks", [])),
            solver=SolverInfo(**data["solver"]) if "solver" in data else SolverInfo("", 0, 0, 0, 0),
        )

    def summary(self) -> str:
        """A few lines for people: baseline, objective, saved, exchanges, unmatched by reason."""
        if self.status == "infeasible":
            return f"infeasible: {self.message}"
        by_reason: dict[str, float] = {}
        for u in self.unmatched:
            by_reason[u.reason] = by_reason.get(u.reason, 0.0) + u.tonnes
        leftovers = ", ".join(f"{r} {t:,.1f} t" for r, t in by_reason.items()) or "none"
        shipped = sum(e.tonnes for e in self.exchanges)
        return (
            f"{self.status}: baseline {self.baseline_kg_co2e:,.1f} kg CO2e, "
            f"objective {self.objective_kg_co2e:,.1f}, saved {self.saved_kg_co2e:,.1f}\n"
            f"exchanges: {len(self.exchanges):,} ({shipped:,.1f} t); unmatched: {leftovers}"
        )


def build_plan(
    problem: Problem, sites: Sites, arcs: Arcs, tonnes: np.ndarray, status: str, solver: SolverInfo
) -> Plan:
    """The plan that ships `tonnes[k]` on arc k (kept only above MIN_TONNES)."""
    used = np.flatnonzero(tonnes >= MIN_TONNES)
    used = used[np.lexsort((arcs.sink[used], arcs.source[used]))]  # by source, then sink
    t = tonnes[used]
    arc = arcs.take(used)
    transport = t * arc.transport
    disposal = t * sites.disposal[arc.source]
    virgin = t * arc.avoided
    saved = disposal + virgin - transport
    baseline = problem.baseline_kg_co2e
    objective = baseline - float(np.sum(saved))
    modes, src, snk = list(problem.modes), problem.sources, problem.sinks
    columns = (arc.source, arc.sink, arc.mode, t, arc.km, transport, disposal, virgin, saved)
    exchanges = tuple(
        Exchange(src[i].id, snk[j].id, src[i].material, tt, modes[m], km, tr, dis, vir, net)
        for i, j, m, tt, km, tr, dis, vir, net in zip(*(c.tolist() for c in columns), strict=True)
    )
    return Plan(
        status, objective, baseline, baseline - objective, exchanges,
        _unmatched(problem, sites, arcs, tonnes),
        _sinks(problem, np.bincount(arc.sink, t, len(problem.sinks))), solver,
    )  # fmt: skip


def _unmatched(problem: Problem, sites: Sites, arcs: Arcs, tonnes: np.ndarray):
    # tonnes under MIN_TONNES are left off the exchanges, so they count as not shipped
    shipped = np.where(tonnes >= MIN_TONNES, tonnes, 0.0)
    supply = np.array([s.tonnes for s in problem.sources], dtype=float)
    left = supply - np.bincount(arcs.source, shipped, len(problem.sources))
    sources = np.flatnonzero(left >= MIN_TONNES)
    reasons = unmatched_reasons(problem, sites, arcs, shipped, sources)
    return tuple(
        Unmatched(problem.sources[i].id, float(left[i]), *reasons[i]) for i in sources.tolist()
    )


def _sinks(problem: Problem, received: np.ndarray) -> tuple[SinkUse, ...]:
    return tuple(
        SinkUse(s.id, float(r), max(s.capacity_t - float(r), 0.0))
        for s, r in zip(problem.sinks, received.tolist(), strict=True)
    )


def infeasible_plan(problem: Problem, message: str, solver: SolverInfo) -> Plan:
    """The plan for a problem whose locked exchanges cannot all be honoured."""
    return Plan("infeasible", None, problem.baseline_kg_co2e, None, solver=solver, message=message)
