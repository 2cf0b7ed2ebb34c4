"""Why a source keeps tonnes: the first reason of the contract's list that applies, and its facts.

A source without any arc failed a rule with every sink (`matching.no_arc` finds which).
A source with arcs passed the rules, so its reason is about worth and the plan: no arc
lowers emissions (`not-worth-transport`); the worthwhile arcs with room left would carry
less than `min_lot_t` (`below-min-lot`); those that would not need a partner the source or
the sink has no more of (`partner-limit`); or no worthwhile sink has room (`sinks-full`).

Each reason comes with `detail`, the facts that decided it (keys of the contract):

- `no-sink-accepts`: {}
- `no-hazardous-permit`, `no-common-mode`: {"sink"} the nearest sink that passed the checks
  before (great-circle km)
- `quality-mismatch`: {"sink", "property", "value", "min", "max"} (value, min, max: null
  where the source does not state it or the sink sets no bound)
- `beyond-distance`: {"sink", "km", "limit_km"} (the nearest by the shortest shared mode)
- `forbidden`: {"pairs"} the sinks that pass every rule, nearest first
- `not-worth-transport`: {"sink", "km", "net_kg_co2e_per_t"} the best arc: its net saving
  a tonne (disposal and virgin material avoided less transport; <= 0 here)
- `below-min-lot`: {"min_lot_t"} when the tonnes left over are under it, else
  {"min_lot_t", "sink", "spare_t"} the worthwhile sink with the most room left
- `partner-limit`: {"limit"} when the source has all its partners, else {"limit", "sink"}
  the nearest worthwhile sink with room, which has all of its own
- `sinks-full`: {"sink"} the best worthwhile sink, whose capacity went to better uses
"""

from __future__ import annotations

from typing import Any

import numpy as np

from matching.arcs import Arcs
from matching.no_arc import RULE_REASONS, rule_reasons
from matching.problem import Problem
from matching.sites import Sites

__all__ = ["MIN_TONNES", "REASONS", "unmatched_reasons"]

REASONS = (*RULE_REASONS, "not-worth-transport", "below-min-lot", "partner-limit", "sinks-full")
MIN_TONNES = 1e-6  # tonnes and room below this are solver noise, not tonnes
_SLACK = 1e-9  # a lot of 10 t is met by 9.999999999 t that float sums left


def unmatched_reasons(
    problem: Problem, sites: Sites, arcs: Arcs, tonnes: np.ndarray, sources: np.ndarray
) -> dict[int, tuple[str, dict[str, Any]]]:
    """(reason, detail) for each source index in `sources` (those with tonnes left over).

    `tonnes[k]` is what the plan ships on arc k.

    >>> from matching.problem import load_problem
    >>> p = load_problem({"format": "symbiosis-problem/1", "sinks": [],
    ...     "sources": [{"id": "S", "lat": 0, "lon": 0, "material": "ash", "tonnes": 5,
    ...                  "disposal_kg_co2e_per_t": 10}]})
    >>> s = Sites.from_problem(p)
    >>> from matching.arcs import build_arcs
    >>> unmatched_reasons(p, s, build_arcs(p, s), np.zeros(0), np.array([0]))
    {0: ('no-sink-accepts', {})}
    """
    sources = np.asarray(sources, dtype=np.int64)
    n = len(problem.sources)
    has_arc = np.bincount(arcs.source, minlength=n) > 0
    plan = _PlanState(problem, arcs, tonnes)
    reasons = {i: plan.reason(i) for i in sources[has_arc[sources]].tolist()}
    reasons.update(rule_reasons(problem, sites, sources[~has_arc[sources]]))
    return {i: reasons[i] for i in sources.tolist()}


class _PlanState:
    """What the plan left: tonnes per source, room per sink, partners used on each side."""

    def __init__(self, problem: Problem, arcs: Arcs, tonnes: np.ndarray):
        n, m = len(problem.sources), len(problem.sinks)
        self.problem, self.arcs = problem, arcs
        self.used = tonnes >= MIN_TONNES
        supply = np.array([s.tonnes for s in problem.sources], dtype=float)
        capacity = np.array([s.capacity_t for s in problem.sinks], dtype=float)
        self.left = supply - np.bincount(arcs.source, tonnes, n)
        self.spare = capacity - np.bincount(arcs.sink, tonnes, m)
        self.src_partners = np.bincount(arcs.source[self.used], minlength=n)
        self.snk_partners = np.bincount(arcs.sink[self.used], minlength=m)
        # arcs of each source, contiguous: arcs are grouped by material, not by source
        self.order = np.argsort(arcs.source, kind="stable")
        self.start = np.searchsorted(arcs.source[self.order], np.arange(n + 1))

    def reason(self, i: int) -> tuple[str, dict[str, Any]]:
        arcs, options, sinks = self.arcs, self.problem.options, self.problem.sinks
        own = self.order[self.start[i] : self.start[i + 1]]
        own = own[np.lexsort((arcs.sink[own], arcs.cost[own]))]  # best arc first
        worth = own[arcs.cost[own] < 0]
        if not len(worth):
            best = own[0]
            return "not-worth-transport", {
                "sink": sinks[arcs.sink[best]].id,
                "km": float(arcs.km[best]),
                "net_kg_co2e_per_t": -float(arcs.cost[best]),
            }
        room = worth[self.spare[arcs.sink[worth]] >= MIN_TONNES]
        if not len(room):
            return "sinks-full", {"sink": sinks[arcs.sink[worth[0]]].id}
        # an arc already used needs neither a new lot nor a new partner
        lot_ok = self.used[room] | (
            np.minimum(self.left[i], self.spare[arcs.sink[room]]) >= options.min_lot_t - _SLACK
        )
        if not lot_ok.any():
            return "below-min-lot", self._lot_detail(i, room)
        room = room[lot_ok]
        partner_ok = self.used[room]
        limit_src, limit_snk = options.max_partners_per_source, options.max_partners_per_sink
        source_full = limit_src is not None and self.src_partners[i] >= limit_src
        sink_full = (
            np.zeros(len(room), bool) if limit_snk is None
            else self.snk_partners[arcs.sink[room]] >= limit_snk
        )  # fmt: skip
        if not source_full:
            partner_ok |= ~sink_full
        if not partner_ok.any():
            if source_full:
                return "partner-limit", {"limit": limit_src}
            nearest = room[np.argmin(arcs.km[room])]
            return "partner-limit", {"limit": limit_snk, "sink": sinks[arcs.sink[nearest]].id}
        # a plan stopped by its time limit may leave room it could have used
        return "sinks-full", {"sink": sinks[arcs.sink[worth[0]]].id}

    def _lot_detail(self, i: int, room: np.ndarray) -> dict[str, Any]:
        min_lot = self.problem.options.min_lot_t
        if self.left[i] < min_lot - _SLACK:
            return {"min_lot_t": min_lot}
        widest = room[np.argmax(self.spare[self.arcs.sink[room]])]
        j = self.arcs.sink[widest]
        return {"min_lot_t": min_lot, "sink": self.problem.sinks[j].id,
                "spare_t": float(self.spare[j])}  # fmt: skip
