"""The PuLP model of one component: named variables and constraints, nothing solved here.

Variables are `x_{source}_{sink}` (tonnes) and, with mixed-integer options,
`use_{source}_{sink}` (binary); constraints are `supply_{source}` and `capacity_{sink}`,
plus `lot_min_...`, `lot_max_...`, `partners_source_...`, `partners_sink_...`.
Locked exchanges are already taken off the supplies, capacities and partner limits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pulp

from matching.problem import Options

__all__ = ["Component", "ComponentModel", "build_model"]


@dataclass(frozen=True)
class Component:
    """The arcs of one connected component and what its sites have left after locked tonnes."""

    source_ids: list[str]  # per arc
    sink_ids: list[str]
    cost: np.ndarray  # kg CO2e per tonne on each arc (< 0)
    supply: dict[str, float]  # source id -> tonnes it may still ship
    capacity: dict[str, float]  # sink id -> tonnes it may still take
    source_partners: dict[str, int | None]  # source id -> arcs it may still use (None: any)
    sink_partners: dict[str, int | None]


@dataclass(frozen=True)
class ComponentModel:
    problem: pulp.LpProblem
    tonnes: list[pulp.LpVariable]  # one per arc, in the component's order


def build_model(component: Component, options: Options) -> ComponentModel:
    """The PuLP model: minimise sum cost x over the arcs, within supplies and capacities.

    >>> c = Component(["S1"], ["D1"], np.array([-3.0]), {"S1": 5.0}, {"D1": 4.0},
    ...               {"S1": None}, {"D1": None})
    >>> m = build_model(c, Options())
    >>> sorted(c.name for c in m.problem.constraints())
    ['capacity_D1', 'supply_S1']
    >>> m.tonnes[0].name
    'x_S1_D1'
    """
    src_name = _unique_names(component.supply)
    snk_name = _unique_names(component.capacity)
    pairs = zip(component.source_ids, component.sink_ids, strict=True)
    names = _unique([f"{src_name[s]}_{snk_name[d]}" for s, d in pairs])
    lp = pulp.LpProblem("symbiosis", pulp.LpMinimize)
    x = [lp.add_variable(f"x_{n}", lowBound=0) for n in names]
    lp += pulp.LpAffineExpression(zip(x, component.cost.tolist(), strict=True))
    by_source = _group(component.source_ids)
    by_sink = _group(component.sink_ids)
    for sid, arcs in by_source.items():
        lp += pulp.lpSum(x[k] for k in arcs) <= component.supply[sid], f"supply_{src_name[sid]}"
    for sid, arcs in by_sink.items():
        lp += pulp.lpSum(x[k] for k in arcs) <= component.capacity[sid], f"capacity_{snk_name[sid]}"
    if options.mixed_integer:
        groups = ((by_source, src_name), (by_sink, snk_name))
        _mixed_integer(lp, component, options, names, x, groups)
    return ComponentModel(lp, x)


def _mixed_integer(lp, component: Component, options: Options, names, x, groups) -> None:
    """Binary `use_` per arc: min lot when used, no tonnes when unused, partner counts."""
    use = [lp.add_variable(f"use_{n}", 0, 1, cat=pulp.LpBinary) for n in names]
    for k, name in enumerate(names):
        upper = min(component.supply[component.source_ids[k]],
                    component.capacity[component.sink_ids[k]])  # fmt: skip
        lp += x[k] <= upper * use[k], f"lot_max_{name}"
        if options.min_lot_t > 0:
            lp += x[k] >= options.min_lot_t * use[k], f"lot_min_{name}"
    for kind, (group, safe), limits in zip(
        ("source", "sink"),
        groups,
        (component.source_partners, component.sink_partners),
        strict=True,
    ):
        for sid, arcs in group.items():
            if limits[sid] is not None and limits[sid] < len(arcs):
                lp += (
                    pulp.lpSum(use[k] for k in arcs) <= limits[sid],
                    f"partners_{kind}_{safe[sid]}",
                )


def _group(ids: list[str]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for k, sid in enumerate(ids):
        groups.setdefault(sid, []).append(k)
    return groups


def _safe(text: str) -> str:
    # LP and MPS files, which CBC reads, allow few characters in names
    return re.sub(r"[^A-Za-z0-9_.]", "_", text)


def _unique_names(ids) -> dict[str, str]:
    return dict(zip(ids, _unique([_safe(i) for i in ids]), strict=True))


def _unique(names: list[str]) -> list[str]:
    """The names, numbered where cleaning ids made two of them look alike."""
    if len(set(names)) < len(names):
        return [f"{n}_{k}" for k, n in enumerate(names)]
    return names
