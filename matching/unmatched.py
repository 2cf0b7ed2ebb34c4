"""Why a source keeps tonnes: the first reason of the contract's list that applies.

A source with at least one arc passed rules 1-5 with some sink, so its reason is about
worth (`not-worth-transport` when no arc lowers emissions, else `sinks-full`). Only the
sources without any arc are checked rule by rule, each check looking at the sinks that
passed the one before; a `forbidden` pair counts as absent throughout.
"""

from __future__ import annotations

import numpy as np

from matching.arcs import Arcs, material_offers, pairs_in_ranges
from matching.problem import Problem
from matching.sites import Sites, compatible, is_in

__all__ = ["REASONS", "unmatched_reasons"]

REASONS = (
    "no-sink-accepts",
    "no-hazardous-permit",
    "quality-mismatch",
    "no-common-mode",
    "beyond-distance",
    "not-worth-transport",
    "sinks-full",
)


def unmatched_reasons(
    problem: Problem, sites: Sites, arcs: Arcs, sources: np.ndarray
) -> dict[int, str]:
    """Reason for each source index in `sources` (those with tonnes left over).

    >>> from matching.problem import load_problem
    >>> p = load_problem({"format": "symbiosis-problem/1", "sinks": [],
    ...     "sources": [{"id": "S", "lat": 0, "lon": 0, "material": "ash", "tonnes": 5,
    ...                  "disposal_kg_co2e_per_t": 10}]})
    >>> s = Sites.from_problem(p)
    >>> from matching.arcs import build_arcs
    >>> unmatched_reasons(p, s, build_arcs(p, s), np.array([0]))
    {0: 'no-sink-accepts'}
    """
    n = len(problem.sources)
    has_arc = np.bincount(arcs.source, minlength=n) > 0
    worth = np.bincount(arcs.source[arcs.cost < 0], minlength=n) > 0
    reasons = {}
    for i in np.asarray(sources, dtype=np.int64).tolist():
        if has_arc[i]:
            reasons[i] = "sinks-full" if worth[i] else "not-worth-transport"
    no_arc = np.array([i for i in sources if not has_arc[i]], dtype=np.int64)
    reasons.update(_rule_reasons(problem, sites, no_arc))
    return reasons


def _rule_reasons(problem: Problem, sites: Sites, sources: np.ndarray) -> dict[int, str]:
    """For sources without arcs: the first rule that every sink fails."""
    # passed[k, i]: source i has a sink passing check k (accepts, permit, quality, mode)
    passed = np.zeros((4, len(problem.sources)), dtype=bool)
    forbidden = sites.id_keys(problem, problem.forbidden)
    material = np.array([problem.sources[i].material for i in sources.tolist()], dtype=object)
    for name, (snk, _) in material_offers(problem).items():
        src = sources[material == name]
        if not len(src) or not len(snk):
            continue
        lo, hi = np.zeros(len(snk), dtype=np.int64), np.full(len(snk), len(src))
        for s_pos, k_pos in pairs_in_ranges(np.arange(len(src)), lo, hi):
            i, j = src[s_pos], snk[k_pos]
            allowed = ~is_in(sites.pair_keys(i, j), forbidden)
            for k, ok in enumerate((allowed, *compatible(sites, i, j))):
                passed[k, i[ok & allowed]] = True
    # a source with no arc but passing every check fails on distance (rule 5)
    first_fail = np.argmin(np.vstack([passed, np.zeros((1, passed.shape[1]), bool)]), axis=0)
    return {i: REASONS[first_fail[i]] for i in sources.tolist()}
