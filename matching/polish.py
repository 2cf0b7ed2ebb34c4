"""Solver tonnes made exact: a source that ships all it has ships exactly its `tonnes`.

Every solver path returns tonnes a little off the vertex it found: min-cost flow works in
whole units (a gram, or coarser for large problems), CBC's solution file keeps 8 significant
digits, HiGHS stops within its feasibility tolerance. 33.333333333333336 t then comes back
as 33.33333 t, and the 3e-6 t "left over" would be reported as `sinks-full` beside a taker
with room. The plan's figures would also differ from one solver to the next.

An optimal plan of a transportation problem is a vertex: its used arcs form a forest in
which every leaf is a site whose limit binds (or the arc sits at `min_lot_t`). So the exact
tonnes follow from the binding limits alone, peeling leaves: a binding site with one arc
left to settle gives that arc what the site has left. Tonnes are only ever moved by less
than the solver's resolution; if the result would move them more, the solver's own stand.
"""

from __future__ import annotations

from collections import deque

import numpy as np

__all__ = ["RELATIVE", "polish_tonnes"]

RELATIVE = 1e-7  # of a site's limit: how far off a solver's tonnes may be, beyond resolution


def polish_tonnes(
    tonnes: np.ndarray,
    source: np.ndarray,
    sink: np.ndarray,
    supply: np.ndarray,
    capacity: np.ndarray,
    *,
    fixed: np.ndarray,
    resolution: float,
    min_lot_t: float = 0.0,
) -> np.ndarray:
    """`tonnes` per arc moved onto the vertex they approximate.

    `source`/`sink`: each arc's site indices; `supply`/`capacity`: each site's limit;
    `fixed`: arc positions whose tonnes are exact already (locked); `resolution`: tonnes
    within which the solver's answer is exact (a limit closer than this binds).

    >>> polish_tonnes(np.array([33.33333, 6.0]), np.array([0, 1]), np.array([0, 1]),
    ...     np.array([100 / 3, 10.0]), np.array([40.0, 6.0]),
    ...     fixed=np.zeros(0, int), resolution=1e-5).tolist()
    [33.333333333333336, 6.0]
    """
    n, m = len(supply), len(capacity)
    tonnes = np.asarray(tonnes, dtype=float)
    value = np.where(tonnes >= resolution / 2, tonnes, 0.0)
    value[fixed] = tonnes[fixed]
    settled = value == 0
    settled[fixed] = True
    if min_lot_t > 0:  # an arc at its minimum lot is bound by that, not by its sites
        at_lot = ~settled & (np.abs(value - min_lot_t) <= resolution)
        value[at_lot], settled[at_lot] = min_lot_t, True
    bound = np.concatenate([supply, capacity])
    ends = (source, sink + n)
    total = np.bincount(ends[0], value, n + m) + np.bincount(ends[1], value, n + m)
    # a solver's error grows with the figures: CBC writes 8 significant digits
    slack = resolution + RELATIVE * bound
    binds = bound - total <= slack
    result = _peel(value, settled, ends, bound, binds, n + m)
    out = np.bincount(ends[0], result, n + m) + np.bincount(ends[1], result, n + m)
    room = np.maximum(slack[ends[0]], slack[ends[1]])
    if (
        (result < 0).any()
        or (np.abs(result - tonnes) > 10 * room).any()
        or (out > bound + 1e-12 * np.maximum(1.0, bound)).any()
    ):
        return tonnes  # not a vertex the leaves explain: keep the solver's tonnes
    return result


def _peel(value, settled, ends, bound, binds, nodes: int) -> np.ndarray:
    """Settle arcs from binding leaves inwards; what stays open keeps the solver's tonnes."""
    value = value.copy()
    open_arcs = np.flatnonzero(~settled)
    left = bound - np.bincount(ends[0][settled], value[settled], nodes) - np.bincount(
        ends[1][settled], value[settled], nodes
    )
    arcs_at: list[set[int]] = [set() for _ in range(nodes)]
    for a, u, v in zip(open_arcs.tolist(), ends[0][open_arcs].tolist(),
                       ends[1][open_arcs].tolist(), strict=True):  # fmt: skip
        arcs_at[u].add(a)
        arcs_at[v].add(a)
    queue = deque(u for u in range(nodes) if binds[u] and len(arcs_at[u]) == 1)
    src, snk = ends[0].tolist(), ends[1].tolist()
    while queue:
        u = queue.popleft()
        if len(arcs_at[u]) != 1:
            continue
        (a,) = arcs_at[u]
        value[a] = left[u]
        for w in (src[a], snk[a]):
            arcs_at[w].discard(a)
            left[w] -= value[a]
        other = snk[a] if src[a] == u else src[a]
        if binds[other] and len(arcs_at[other]) == 1:
            queue.append(other)
    return value
