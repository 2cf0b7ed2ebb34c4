"""Why a source has no arc at all: the first rule that every sink fails, and what decided it.

The checks run in the contract's order (accepts, permit, quality, mode, distance, forbidden),
each looking only at the sinks that passed the ones before. For every source and check the
nearest sink that passed it is kept, so the reason's `detail` can name it: the nearest
accepting sink for `no-hazardous-permit`, the nearest with a permit for `quality-mismatch`
and so on. Pairs are examined in chunks, as many at once as numpy handles well.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from matching.arcs import material_offers, pairs_in_ranges
from matching.problem import Problem
from matching.sites import (
    Sites,
    compatible,
    great_circle_km,
    pair_limit_km,
    shortest_km,
    transport,
)

__all__ = ["RULE_REASONS", "rule_reasons"]

# the reason when a source fails check k (the last: every pair that passes the rules is forbidden)
RULE_REASONS = (
    "no-sink-accepts",
    "no-hazardous-permit",
    "quality-mismatch",
    "no-common-mode",
    "beyond-distance",
    "forbidden",
)
_LEVELS = 5  # accepts, permit, quality, mode, distance


class _Nearest:
    """Per check and source: the nearest sink that passed the check, and its km."""

    def __init__(self, n: int):
        self.km = np.full((_LEVELS, n), np.inf)
        self.sink = np.full((_LEVELS, n), -1, dtype=np.int64)
        self.passed = np.zeros((_LEVELS, n), dtype=bool)

    def add(self, level: int, src: np.ndarray, snk: np.ndarray, km: np.ndarray) -> None:
        if not len(src):
            return
        self.passed[level, src] = True
        order = np.lexsort((snk, km, src))  # by source, then km, then sink: ties are stable
        src, snk, km = src[order], snk[order], km[order]
        first = np.flatnonzero(np.r_[True, src[1:] != src[:-1]])
        src, snk, km = src[first], snk[first], km[first]
        closer = km < self.km[level, src]
        self.km[level, src[closer]] = km[closer]
        self.sink[level, src[closer]] = snk[closer]


def rule_reasons(
    problem: Problem, sites: Sites, sources: np.ndarray
) -> dict[int, tuple[str, dict[str, Any]]]:
    """(reason, detail) for each source index in `sources`, all of them sources with no arc.

    >>> from matching.problem import load_problem
    >>> p = load_problem({"format": "symbiosis-problem/1",
    ...     "sources": [{"id": "S", "lat": 0, "lon": 0, "material": "ash", "tonnes": 5,
    ...                  "disposal_kg_co2e_per_t": 10}],
    ...     "sinks": [{"id": "D", "lat": 0, "lon": 1, "capacity_t": 9, "accepts": ["ash"],
    ...                "max_km": 100}]})
    >>> rule_reasons(p, Sites.from_problem(p), np.array([0]))
    {0: ('beyond-distance', {'sink': 'D', 'km': 144.55360430359278, 'limit_km': 100.0})}
    """
    sources = np.asarray(sources, dtype=np.int64)
    nearest = _Nearest(len(problem.sources))
    allowed: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    material = np.array([problem.sources[i].material for i in sources.tolist()], dtype=object)
    for name, (snk, _) in material_offers(problem).items():
        src = sources[material == name]
        if not len(src) or not len(snk):
            continue
        lo, hi = np.zeros(len(snk), dtype=np.int64), np.full(len(snk), len(src))
        for s_pos, k_pos in pairs_in_ranges(np.arange(len(src)), lo, hi):
            allowed.append(_check_pairs(sites, nearest, src[s_pos], snk[k_pos]))
    forbidden = {(problem.source_index[f.source], problem.sink_index[f.sink])
                 for f in problem.forbidden}  # fmt: skip
    pairs = _forbidden_pairs(allowed, forbidden)
    # a pair the arcs' spatial cut left out at the very limit is no forbidden pair: distance
    nearest.passed[_LEVELS - 1, [i for i in sources.tolist() if i not in pairs]] = False
    return {i: _reason(problem, sites, nearest, pairs, i) for i in sources.tolist()}


def _check_pairs(sites: Sites, nearest: _Nearest, i: np.ndarray, j: np.ndarray):
    """Record the nearest sink per check for these pairs; returns the pairs passing them all."""
    gc = great_circle_km(sites.src_lat[i], sites.src_lon[i], sites.snk_lat[j], sites.snk_lon[j])
    nearest.add(0, i, j, gc)
    checks = compatible(sites, i, j)  # permit, quality, mode: each cumulative
    for level, ok in enumerate(checks[:-1], start=1):
        nearest.add(level, i[ok], j[ok], gc[ok])
    ok = checks[-1]
    i, j, gc = i[ok], j[ok], gc[ok]
    # beyond-distance names the nearest by the shortest way the pair shares, as it is measured
    nearest.add(3, i, j, shortest_km(sites, i, j, gc))
    mode, km, _em = transport(sites, i, j, gc)
    within = mode >= 0
    i, j, km = i[within], j[within], km[within]
    nearest.add(4, i, j, km)
    return i, j, km


def _forbidden_pairs(allowed, forbidden: set[tuple[int, int]]) -> dict[int, list[int]]:
    """Source -> the forbidden sinks that pass every rule, nearest first."""
    if not allowed:
        return {}
    i, j, km = (np.concatenate([a[c] for a in allowed]) for c in range(3))
    order = np.lexsort((j, km, i))
    pairs: dict[int, list[int]] = {}
    for a, b in zip(i[order].tolist(), j[order].tolist(), strict=True):
        if (a, b) in forbidden:
            pairs.setdefault(a, []).append(b)
    return pairs


def _reason(problem: Problem, sites: Sites, nearest: _Nearest, pairs, i: int):
    failed = np.flatnonzero(~nearest.passed[:, i])
    level = int(failed[0]) if len(failed) else _LEVELS
    reason = RULE_REASONS[level]
    if level == 0:
        return reason, {}
    if level == _LEVELS:
        return reason, {"pairs": [problem.sinks[j].id for j in pairs.get(i, [])]}
    j = int(nearest.sink[level - 1, i])
    detail: dict[str, Any] = {"sink": problem.sinks[j].id}
    if reason == "quality-mismatch":
        detail.update(_quality(problem, i, j))
    elif reason == "beyond-distance":
        detail["km"] = float(nearest.km[level - 1, i])
        detail["limit_km"] = float(pair_limit_km(sites, np.array([i]), np.array([j]))[0])
    return reason, detail


def _quality(problem: Problem, i: int, j: int) -> dict[str, Any]:
    """The first requirement (by name) of sink j that source i fails: property, value, bounds."""
    source, sink = problem.sources[i], problem.sinks[j]
    for prop in sorted(sink.requirements):
        low, high = sink.requirements[prop]
        value = source.properties.get(prop)
        if value is None or (low is not None and value < low) or (high is not None and value > high):
            return {"property": prop, "value": value, "min": low, "max": high}
    return {}  # unreachable: the sink was the nearest to fail on quality
