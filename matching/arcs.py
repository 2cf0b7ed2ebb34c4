"""Which source may feed which sink: the arcs of the contract, built with numpy.

Pairs are only ever formed within a material (a sink must accept what a source offers),
and where distance limits exist, only between sites in the same latitude band: a pair
further apart than any limit allows is never materialised, which keeps a 20,000 x 20,000
country to about a million arcs rather than 4e8 pairs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from matching.problem import Problem, ProblemError
from matching.sites import EARTH_RADIUS_KM, Sites, compatible, great_circle_km, is_in, transport

__all__ = ["Arcs", "build_arcs", "locked_arcs", "material_offers", "pairs_in_ranges"]

# Pairs examined at once: bounds the memory of the rule arrays (a few hundred MB at most).
CHUNK_PAIRS = 1 << 22


@dataclass(frozen=True)
class Arcs:
    """Every arc the rules allow (grouped by material); per-tonne figures in kg CO2e."""

    source: np.ndarray  # source index
    sink: np.ndarray  # sink index
    mode: np.ndarray  # index into problem.modes
    km: np.ndarray
    transport: np.ndarray  # km x the mode's kg_co2e_per_tkm
    avoided: np.ndarray  # the sink's avoided_kg_co2e_per_t for this material
    cost: np.ndarray  # transport - avoided - source disposal: < 0 when shipping helps
    candidates: int  # pairs looked at after the spatial cut

    def __len__(self) -> int:
        return len(self.source)

    def take(self, index: np.ndarray) -> Arcs:
        """The arcs at `index` (an integer or boolean array)."""
        return Arcs(
            self.source[index], self.sink[index], self.mode[index], self.km[index],
            self.transport[index], self.avoided[index], self.cost[index], self.candidates,
        )  # fmt: skip


def build_arcs(problem: Problem, sites: Sites | None = None) -> Arcs:
    """All arcs of `problem` (rules 1-6 of the contract).

    >>> from matching.problem import load_problem
    >>> p = load_problem({"format": "symbiosis-problem/1",
    ...     "sources": [{"id": "S", "lat": 0, "lon": 0, "material": "ash", "tonnes": 5,
    ...                  "disposal_kg_co2e_per_t": 10}],
    ...     "sinks": [{"id": "D", "lat": 0, "lon": 0.1, "capacity_t": 9, "accepts": ["ash"]}]})
    >>> a = build_arcs(p)
    >>> len(a), round(float(a.km[0]), 2), round(float(a.cost[0]), 3)
    (1, 14.46, -8.453)
    """
    sites = sites or Sites.from_problem(problem)
    parts = [_rules(sites, *pairs) for pairs in _candidates(problem, sites)]
    candidates = sum(p[-1] for p in parts)
    parts = [p for p in parts if len(p[0])]
    if not parts:
        empty = np.zeros(0)
        return Arcs(empty.astype(np.int64), empty.astype(np.int64), empty.astype(np.int8),
                    empty, empty, empty, empty, 0)  # fmt: skip
    src, snk, mode, km, em, avoided = (np.concatenate([p[c] for p in parts]) for c in range(6))
    keep = ~is_in(sites.pair_keys(src, snk), sites.id_keys(problem, problem.forbidden))
    if not keep.all():
        src, snk, mode, km, em, avoided = (c[keep] for c in (src, snk, mode, km, em, avoided))
    cost = em - avoided - sites.disposal[src]
    return Arcs(src, snk, mode, km, em, avoided, cost, candidates)


def _rules(sites: Sites, src, snk, gc_km, avoided):
    """Rules 2-5 on candidate pairs; returns the columns of those that pass."""
    candidates = len(src)
    ok = compatible(sites, src, snk)[-1]
    src, snk, gc_km, avoided = src[ok], snk[ok], gc_km[ok], avoided[ok]
    mode, km, em = transport(sites, src, snk, gc_km)
    ok = mode >= 0
    return src[ok], snk[ok], mode[ok], km[ok], em[ok], avoided[ok], candidates


def _candidates(problem: Problem, sites: Sites) -> Iterator[tuple[np.ndarray, ...]]:
    """(source, sink, great-circle km, avoided) for every pair that may be an arc."""
    offers = material_offers(problem)
    code = {m: k for k, m in enumerate(offers)}
    src_material = np.array([code[s.material] for s in problem.sources], dtype=np.int64)
    seen = []
    for k, (snk, avoided) in enumerate(offers.values()):
        src = np.flatnonzero(src_material == k)
        for s_pos, k_pos in _spatial_pairs(sites, src, snk):
            i, j = src[s_pos], snk[k_pos]
            limit = np.minimum(sites.src_max_km[i], sites.snk_max_km[j])
            gc = great_circle_km(
                sites.src_lat[i], sites.src_lon[i], sites.snk_lat[j], sites.snk_lon[j]
            )
            near = gc * sites.mode_circuity.min() <= limit
            if sites.overrides:
                seen.append(sites.pair_keys(i[near], j[near]))
            yield i[near], j[near], gc[near], avoided[k_pos][near]
    yield _override_pairs(problem, sites, np.concatenate(seen or [[]]))


def material_offers(problem: Problem) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """For each material some source offers: the sinks that accept it and their avoided kg/t."""
    offered = {s.material for s in problem.sources}
    rows: dict[str, list[tuple[int, float]]] = {m: [] for m in sorted(offered)}
    for j, sink in enumerate(problem.sinks):
        for material, avoided in sink.accepts.items():
            if material in rows:
                rows[material].append((j, avoided))
    return {
        m: (np.array([j for j, _ in r], dtype=np.int64), np.array([a for _, a in r], dtype=float))
        for m, r in rows.items()
    }


def _spatial_pairs(sites: Sites, src: np.ndarray, snk: np.ndarray):
    """(positions in src, positions in snk) of pairs that the distance limits may allow."""
    if not len(src) or not len(snk):
        return
    src_free = np.isinf(sites.src_max_km[src])
    snk_free = np.isinf(sites.snk_max_km[snk])
    if src_free.any() and snk_free.any():  # no limit on either side: all such pairs
        s_free, k_free = np.flatnonzero(src_free), np.flatnonzero(snk_free)
        for s, k in pairs_in_ranges(
            s_free, np.zeros_like(k_free), np.full_like(k_free, len(s_free))
        ):
            yield s, k_free[k]
    limits = np.concatenate([sites.src_max_km[src], sites.snk_max_km[snk]])
    if np.isfinite(limits).any():
        # great-circle km >= earth radius x latitude difference, so a band is a safe cut
        band = limits[np.isfinite(limits)].max() / sites.mode_circuity.min() / EARTH_RADIUS_KM
        order = np.argsort(sites.src_lat[src], kind="stable")
        lat = sites.src_lat[src][order]
        lo = np.searchsorted(lat, sites.snk_lat[snk] - band, "left")
        hi = np.searchsorted(lat, sites.snk_lat[snk] + band, "right")
        # the chord between unit vectors cuts the band to a disc before any haversine
        chord2 = 4 * np.sin(min(band / 2, 1.5)) ** 2 * (1 + 1e-9)
        src_xyz, snk_xyz = sites.src_xyz[src], sites.snk_xyz[snk]
        for s, k in pairs_in_ranges(order, lo, hi):
            gap = src_xyz[s] - snk_xyz[k]
            # pairs without a limit on either side came from the block above
            keep = (np.einsum("ij,ij->i", gap, gap) <= chord2) & ~(src_free[s] & snk_free[k])
            yield s[keep], k[keep]


def pairs_in_ranges(order: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    """Sink k pairs with order[lo[k]:hi[k]]; yields chunks of (source pos, sink pos)."""
    counts = hi - lo
    ends = np.cumsum(counts)
    start = 0
    while start < len(counts):
        done = ends[start - 1] if start else 0
        stop = max(int(np.searchsorted(ends, done + CHUNK_PAIRS, "right")), start + 1)
        c = counts[start:stop]
        k = np.repeat(np.arange(start, stop), c)
        offset = np.arange(int(c.sum())) - np.repeat(np.cumsum(c) - c, c)
        yield order[np.repeat(lo[start:stop], c) + offset], k
        start = stop


def _override_pairs(problem: Problem, sites: Sites, seen: np.ndarray):
    """Pairs that only a `distances_km` entry brings within reach."""
    keys = np.unique(np.concatenate([k for k, _ in sites.overrides.values()] or [[]]))
    keys = keys[~is_in(keys, seen)].astype(np.int64)
    width = max(len(problem.sinks), 1)
    rows = []
    for i, j in zip((keys // width).tolist(), (keys % width).tolist(), strict=True):
        material = problem.sources[i].material
        if material in problem.sinks[j].accepts:
            rows.append((i, j, problem.sinks[j].accepts[material]))
    i = np.array([r[0] for r in rows], dtype=np.int64)
    j = np.array([r[1] for r in rows], dtype=np.int64)
    gc = great_circle_km(sites.src_lat[i], sites.src_lon[i], sites.snk_lat[j], sites.snk_lon[j])
    return i, j, gc, np.array([r[2] for r in rows], dtype=float)


def locked_arcs(problem: Problem, arcs: Arcs, sites: Sites) -> np.ndarray:
    """Positions in `arcs` of the `locked` pairs, in file order.

    Raises ProblemError naming the entry when a locked pair is not an arc.
    """
    keys = sites.pair_keys(arcs.source, arcs.sink)
    order = np.argsort(keys) if problem.locked else np.zeros(0, dtype=np.int64)
    keys = keys[order]
    positions = []
    wanted = sites.id_keys(problem, problem.locked)
    for k, (lock, key) in enumerate(zip(problem.locked, wanted, strict=True)):
        pos = int(np.searchsorted(keys, key))
        if pos >= len(keys) or keys[pos] != key:
            raise ProblemError(
                f"locked[{k}]: the pair {lock.source} -> {lock.sink} is not an arc "
                "(material, permit, quality, mode, distance or forbidden rules exclude it)"
            )
        positions.append(order[pos])
    return np.array(positions, dtype=np.int64)
