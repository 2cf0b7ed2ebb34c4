"""The problem's sites as numpy arrays, and the arc rules applied to many pairs at once.

`Sites` is built once per problem; `compatible` (rules 2-4 of the contract) and
`transport` (modes, km and rule 5) take arrays of source and sink indices, so the same
code decides the arcs (`matching.arcs`) and explains unmatched tonnes (`matching.unmatched`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.problem import Problem

__all__ = [
    "EARTH_RADIUS_KM", "Sites", "compatible", "great_circle_km", "is_in", "pair_limit_km",
    "shortest_km", "transport",
]  # fmt: skip

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Sites:
    """Per-site arrays (sources indexed 0..n-1, sinks 0..m-1) that the rules read."""

    src_lat: np.ndarray  # radians
    src_xyz: np.ndarray  # (sources, 3) on the unit sphere
    snk_xyz: np.ndarray
    src_lon: np.ndarray
    snk_lat: np.ndarray
    snk_lon: np.ndarray
    src_hazardous: np.ndarray
    snk_permit: np.ndarray
    src_modes: np.ndarray  # bit k set when the site uses the k-th mode the file defines
    snk_modes: np.ndarray
    src_max_km: np.ndarray  # inf where the site sets no limit
    snk_max_km: np.ndarray
    src_props: np.ndarray  # (sources, properties), nan where the source states nothing
    snk_low: np.ndarray  # (sinks, properties), -inf where the sink sets no minimum
    snk_high: np.ndarray
    snk_requires: np.ndarray  # (sinks, properties) bool
    disposal: np.ndarray
    mode_ef: np.ndarray
    mode_circuity: np.ndarray
    overrides: dict[int, tuple[np.ndarray, np.ndarray]]  # mode (-1: any) -> sorted keys, km

    @classmethod
    def from_problem(cls, problem: Problem) -> Sites:
        """Arrays for `problem`.

        >>> from matching.problem import load_problem
        >>> Sites.from_problem(load_problem(
        ...     {"format": "symbiosis-problem/1", "sources": [], "sinks": []})).mode_ef
        array([0.107])
        """
        src, snk = problem.sources, problem.sinks
        mode_bit = {name: 1 << k for k, name in enumerate(problem.modes)}
        props = sorted({p for s in snk for p in s.requirements})
        return cls(
            src_lat=np.radians([s.lat for s in src]),
            src_xyz=_unit_vectors(src),
            snk_xyz=_unit_vectors(snk),
            src_lon=np.radians([s.lon for s in src]),
            snk_lat=np.radians([s.lat for s in snk]),
            snk_lon=np.radians([s.lon for s in snk]),
            src_hazardous=np.array([s.hazardous for s in src], dtype=bool),
            snk_permit=np.array([s.hazardous_permit for s in snk], dtype=bool),
            src_modes=_mode_masks(src, mode_bit),
            snk_modes=_mode_masks(snk, mode_bit),
            src_max_km=_limits(src),
            snk_max_km=_limits(snk),
            src_props=_matrix([[s.properties.get(p, np.nan) for p in props] for s in src], props),
            snk_low=_bounds(snk, props, 0, -np.inf),
            snk_high=_bounds(snk, props, 1, np.inf),
            snk_requires=_matrix([[p in s.requirements for p in props] for s in snk], props) > 0,
            disposal=np.array([s.disposal_kg_co2e_per_t for s in src], dtype=float),
            mode_ef=np.array([m.kg_co2e_per_tkm for m in problem.modes.values()]),
            mode_circuity=np.array([m.circuity for m in problem.modes.values()]),
            overrides=_overrides(problem),
        )

    def pair_keys(self, src: np.ndarray, snk: np.ndarray) -> np.ndarray:
        """One int64 per (source, sink) pair, for sorting and membership tests."""
        return np.asarray(src, dtype=np.int64) * max(len(self.snk_lat), 1) + snk

    def id_keys(self, problem: Problem, pairs) -> np.ndarray:
        """`pair_keys` of items with `.source` and `.sink` ids (locked, forbidden)."""
        src = [problem.source_index[p.source] for p in pairs]
        snk = np.array([problem.sink_index[p.sink] for p in pairs], dtype=np.int64)
        return self.pair_keys(np.array(src, dtype=np.int64), snk)


def _unit_vectors(sites) -> np.ndarray:
    lat = np.radians([s.lat for s in sites]).reshape(-1)
    lon = np.radians([s.lon for s in sites]).reshape(-1)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _mode_masks(sites, mode_bit: dict[str, int]) -> np.ndarray:
    return np.array([sum(mode_bit.get(m, 0) for m in set(s.modes)) for s in sites], dtype=np.int64)


def _limits(sites) -> np.ndarray:
    return np.array([np.inf if s.max_km is None else s.max_km for s in sites], dtype=float)


def _matrix(rows: list, columns: list) -> np.ndarray:
    return np.array(rows, dtype=float).reshape(len(rows), len(columns))


def _bounds(sinks, props: list[str], side: int, missing: float) -> np.ndarray:
    def bound(sink, prop):
        if prop not in sink.requirements:
            return missing
        value = sink.requirements[prop][side]
        return missing if value is None else value

    return _matrix([[bound(s, p) for p in props] for s in sinks], props)


def _overrides(problem: Problem) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    mode_index = {name: k for k, name in enumerate(problem.modes)}
    by_mode: dict[int, dict[int, float]] = {}
    for d in problem.distances_km:
        key = problem.source_index[d.source] * max(len(problem.sinks), 1)
        key += problem.sink_index[d.sink]
        by_mode.setdefault(-1 if d.mode is None else mode_index[d.mode], {})[key] = d.km
    result = {}
    for mode, table in by_mode.items():
        keys = np.array(sorted(table), dtype=np.int64)
        result[mode] = (keys, np.array([table[k] for k in keys.tolist()], dtype=float))
    return result


def is_in(keys: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Membership of `keys` in a small `table` (np.isin hashes the large side: 3 s here).

    >>> is_in(np.array([5, 1, 7]), np.array([7, 5])).tolist()
    [True, False, True]
    """
    if not len(table) or not len(keys):
        return np.zeros(len(keys), dtype=bool)
    table = np.unique(table)
    pos = np.minimum(np.searchsorted(table, keys), len(table) - 1)
    return table[pos] == keys


def great_circle_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Haversine distance in km between points given in radians.

    >>> round(float(great_circle_km(0.0, 0.0, 0.0, np.radians(1.0))), 3)
    111.195
    """
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def compatible(sites: Sites, src: np.ndarray, snk: np.ndarray) -> tuple[np.ndarray, ...]:
    """Rules 2, 3 and 4 for pairs that share a material: permit, quality, common mode.

    Each array is cumulative (a pair passes a rule only if it passed those before), which
    is the order in which `unmatched` explains leftover tonnes.
    """
    permit = ~sites.src_hazardous[src] | sites.snk_permit[snk]
    value = sites.src_props[src]
    # nan (a property the source does not state) fails every comparison, as the rule wants
    within = (value >= sites.snk_low[snk]) & (value <= sites.snk_high[snk])
    quality = permit & np.all(within | ~sites.snk_requires[snk], axis=1)
    mode = quality & ((sites.src_modes[src] & sites.snk_modes[snk]) != 0)
    return permit, quality, mode


def transport(
    sites: Sites, src: np.ndarray, snk: np.ndarray, gc_km: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rule 5 and the mode choice: (mode index or -1 where no mode is in reach, km, kg/t).

    A pair uses the shared mode with the fewest emissions among those within the smaller
    of the two `max_km`; km comes from `distances_km` where given, else great circle x
    circuity.
    """
    shared = sites.src_modes[src] & sites.snk_modes[snk]
    limit = pair_limit_km(sites, src, snk)
    best_mode = np.full(len(src), -1, dtype=np.int8)
    best_km = np.full(len(src), np.nan)
    best_em = np.full(len(src), np.inf)
    for m, km in _mode_km(sites, src, snk, gc_km):
        emission = km * sites.mode_ef[m]
        better = ((shared >> m) & 1).astype(bool) & (km <= limit) & (emission < best_em)
        best_mode[better], best_km[better], best_em[better] = m, km[better], emission[better]
    return best_mode, best_km, best_em


def pair_limit_km(sites: Sites, src: np.ndarray, snk: np.ndarray) -> np.ndarray:
    """The smaller of the two sites' `max_km` for each pair (inf where neither sets one)."""
    return np.minimum(sites.src_max_km[src], sites.snk_max_km[snk])


def shortest_km(sites: Sites, src: np.ndarray, snk: np.ndarray, gc_km: np.ndarray) -> np.ndarray:
    """The fewest km over the modes each pair shares, whatever the limits (inf: none shared).

    What `beyond-distance` reports: how far the nearest taker is by the shortest way.
    """
    shared = sites.src_modes[src] & sites.snk_modes[snk]
    best = np.full(len(src), np.inf)
    for m, km in _mode_km(sites, src, snk, gc_km):
        best = np.where(((shared >> m) & 1).astype(bool), np.minimum(best, km), best)
    return best


def _mode_km(sites: Sites, src: np.ndarray, snk: np.ndarray, gc_km: np.ndarray):
    """(mode index, km of every pair by that mode): `distances_km` where given, else circuity."""
    keys = sites.pair_keys(src, snk) if sites.overrides else None
    for m, circuity in enumerate(sites.mode_circuity):
        km = gc_km * circuity
        for mode in (-1, m):  # a mode-specific entry wins over one that serves every mode
            if keys is not None and mode in sites.overrides:
                km = _lookup(keys, *sites.overrides[mode], km)
        yield m, km


def _lookup(keys: np.ndarray, table_keys: np.ndarray, table_km: np.ndarray, km: np.ndarray):
    pos = np.minimum(np.searchsorted(table_keys, keys), len(table_keys) - 1)
    found = table_keys[pos] == keys
    return np.where(found, table_km[pos], km)
