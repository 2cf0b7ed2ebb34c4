"""The tours plan (`symbiosis-tours-plan/1`): tours, totals, the trucked-alone baseline, JSON.

Every figure is recomputed from the problem's road km and the tours' stops, never taken
from the solver's objective (which is in whole metres).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from matching.tours.problem import ToursProblem

__all__ = ["FORMAT", "Baseline", "Stop", "Totals", "Tour", "ToursPlan", "baseline", "totals"]

FORMAT = "symbiosis-tours-plan/1"


@dataclass(frozen=True)
class Stop:
    site: str
    action: str  # start, pickup, delivery or end
    loads: tuple[str, ...]  # load ids picked up or delivered here
    tonnes: float  # picked up or delivered here (>= 0)
    load_after_t: float  # on board when leaving
    arrival_min: int  # minutes after the shift start when the work here starts
    arrival: str  # the same as "HH:MM" on the clock


@dataclass(frozen=True)
class Tour:
    id: int
    vehicle: str
    truck: int
    day: int  # working day of the month, 1..options.shifts_per_month
    depot: str
    stops: tuple[Stop, ...]
    km: float
    loaded_km: float
    empty_km: float
    kg_co2e: float
    tonnes: float


@dataclass(frozen=True)
class Totals:
    tours: int = 0
    km: float = 0.0
    loaded_km: float = 0.0
    empty_km: float = 0.0
    kg_co2e: float = 0.0
    tonnes: float = 0.0


@dataclass(frozen=True)
class Baseline:
    """Each load trucked alone: supplier to receiver loaded, back empty."""

    trips: int = 0
    km: float = 0.0
    loaded_km: float = 0.0
    empty_km: float = 0.0
    kg_co2e: float = 0.0


@dataclass(frozen=True)
class LoadInfo:
    id: str
    exchange: str
    pickup: int
    part: int
    tonnes: float
    supplier: str
    receiver: str
    hazardous: bool


@dataclass(frozen=True)
class SolverInfo:
    name: str = "ortools-routing"
    solve_s: float = 0.0
    time_limit_s: float | None = None
    solution_limit: int | None = None
    objective_m: int | None = None
    routing_vehicles: int = 0


@dataclass(frozen=True)
class ToursPlan:
    """A month's collection tours and what they save against trucking each load alone."""

    status: str  # feasible, partial (see `unserved`) or infeasible
    tours: tuple[Tour, ...] = ()
    totals: Totals = Totals()
    baseline: Baseline = Baseline()
    saved_km: float = 0.0
    saved_kg_co2e: float = 0.0
    loads: tuple[LoadInfo, ...] = ()
    solver: SolverInfo = field(default_factory=SolverInfo)
    unserved: tuple[str, ...] = ()  # ids of loads no tour could take under the rules
    message: str | None = None  # why, when status is partial or infeasible

    def to_dict(self) -> dict[str, Any]:
        """The plan as `symbiosis-tours-plan/1` JSON data."""
        data = {"format": FORMAT, **asdict(self)}
        if self.message is None:
            del data["message"]
        return data

    def to_json(self, indent: int | None = None) -> str:
        """The plan as text.

        >>> ToursPlan("feasible").to_json()[:51]
        '{"format": "symbiosis-tours-plan/1", "status": "fea'
        """
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, data: str | dict[str, Any]) -> ToursPlan:
        """Read a plan written by `to_json` (for instance one the web app stored)."""
        data = json.loads(data) if isinstance(data, str) else dict(data)
        data.pop("format", None)
        tours = tuple(
            Tour(
                **{k: v for k, v in t.items() if k != "stops"},
                stops=tuple(Stop(**{**s, "loads": tuple(s["loads"])}) for s in t["stops"]),
            )
            for t in data.pop("tours", [])
        )
        return cls(
            **{
                k: v
                for k, v in data.items()
                if k not in ("totals", "baseline", "loads", "solver", "unserved")
            },
            tours=tours,
            totals=Totals(**data.get("totals", {})),
            baseline=Baseline(**data.get("baseline", {})),
            loads=tuple(LoadInfo(**x) for x in data.get("loads", [])),
            solver=SolverInfo(**data.get("solver", {})),
            unserved=tuple(data.get("unserved", ())),
        )

    def summary(self) -> str:
        """Two lines for people: tours against trucking alone."""
        if self.status == "infeasible":
            return f"infeasible: {self.message}"
        t, b = self.totals, self.baseline
        lines = f"{self.status}: {self.message}\n" if self.status == "partial" else ""
        return lines + (
            f"{self.status}: {t.tours:,} tours, {t.km:,.1f} km ({t.empty_km:,.1f} empty), "
            f"{t.kg_co2e:,.1f} kg CO2e, {t.tonnes:,.1f} t\n"
            f"trucked alone: {b.trips:,} trips, {b.km:,.1f} km, {b.kg_co2e:,.1f} kg CO2e; "
            f"saved {self.saved_km:,.1f} km, {self.saved_kg_co2e:,.1f} kg CO2e"
        )


def load_infos(problem: ToursProblem) -> tuple[LoadInfo, ...]:
    ex = problem.exchange_by_id
    return tuple(
        LoadInfo(x.id, x.exchange, x.pickup, x.part, rounded(x.tonnes), ex[x.exchange].supplier,
                 ex[x.exchange].receiver, ex[x.exchange].hazardous)
        for x in problem.loads
    )  # fmt: skip


def baseline(problem: ToursProblem, km: np.ndarray, served: set[str] | None = None) -> Baseline:
    """Every load its own trip: out loaded, back empty, on the vehicle that set its split.

    Only the loads in `served` (all when None), so a partial plan is compared like with like.
    """
    trips, loaded, kg = 0, [], []
    for load in problem.loads:
        if served is not None and load.id not in served:
            continue
        e = problem.exchange_by_id[load.exchange]
        v = problem.split_vehicle(e)
        d = float(km[problem.site_index[e.supplier], problem.site_index[e.receiver]])
        trips += 1
        loaded.append(d)
        kg.append(d * (v.kg_co2e_per_km_loaded + v.kg_co2e_per_km_empty))
    one_way = math.fsum(loaded)
    return Baseline(
        trips, rounded(2 * one_way), rounded(one_way), rounded(one_way), rounded(math.fsum(kg))
    )


def totals(tours: tuple[Tour, ...]) -> Totals:
    return Totals(
        len(tours),
        *(rounded(math.fsum(getattr(t, k) for t in tours))
          for k in ("km", "loaded_km", "empty_km", "kg_co2e", "tonnes")),
    )  # fmt: skip


def clock(shift_start: str, minutes: int) -> str:
    """The wall-clock time `minutes` after `shift_start`.

    >>> clock("08:00", 95)
    '09:35'
    """
    hours, mins = (int(x) for x in shift_start.split(":"))
    total = (hours * 60 + mins + minutes) % (24 * 60)
    return f"{total // 60:02d}:{total % 60:02d}"


def rounded(value: float) -> float:
    # three decimals: metres and kilograms, and no 0.30000000000000004 in the JSON
    return round(value, 3) + 0.0
