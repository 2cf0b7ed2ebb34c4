"""The linear case as a min-cost flow, solved by OR-Tools' cost-scaling SimpleMinCostFlow.

Without `min_lot_t` or partner limits the problem is a transportation problem: sources
supply their tonnes, sinks absorb up to their capacity, and a zero-cost bypass from every
source to a collector node stands for disposal. OR-Tools wants integers, so tonnes and
costs are scaled; flows come back as exact multiples of the tonne unit, hence exactly
feasible, and the plan re-evaluates them with the float costs.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

__all__ = ["FlowError", "flow_unit", "solve_min_cost_flow", "tonne_scale"]

NAME = "OR-Tools min-cost flow"
# int64 headroom: OR-Tools scales costs by (nodes + 1) and sums flow x cost.
_INT_BUDGET = 2.0**61
# The costliest arc becomes this many integer steps. Finer steps slow cost scaling (1e12:
# +30% on country-20000) for nothing: at 1e9 the optimum moves by ~1e-13 relative, and
# the objective is re-evaluated from the flows with float costs anyway.
COST_STEPS = 1e9
MIN_COST_STEPS = 1e3  # never fewer integer steps for the costliest arc
MEANINGLESS_COST = 1e-12  # kg CO2e a tonne: below it, arcs' costs count as equal


class FlowError(RuntimeError):
    """OR-Tools did not report an optimal flow (never expected for a valid problem)."""


def tonne_scale(*quantities: np.ndarray) -> float:
    """The smallest power of ten (up to 1e6, a gram) that makes every quantity whole.

    >>> tonne_scale(np.array([21.72, 3.0]))
    100.0
    """
    values = np.concatenate([np.abs(q) for q in quantities] + [np.zeros(1)])
    for k in range(7):
        scaled = values * 10.0**k
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-6 * np.maximum(1.0, scaled) * 1e-6):
            return 10.0**k
    return 1e6


def solve_min_cost_flow(
    supply: np.ndarray, capacity: np.ndarray, tail: np.ndarray, head: np.ndarray, cost: np.ndarray
) -> np.ndarray:
    """Tonnes on each arc (tail: source position, head: sink position) at least total cost.

    Each source ships at most `supply`, each sink takes at most `capacity`, arcs are
    uncapacitated; only arcs with `cost` < 0 are worth passing in.

    >>> solve_min_cost_flow(np.array([5.0, 4.0]), np.array([6.0]),
    ...                     np.array([0, 1]), np.array([0, 0]), np.array([-2.0, -1.0]))
    array([5., 1.])
    """
    supply_int, capacity_int, cost_int, unit = _integers(supply, capacity, cost)
    n_src, n_snk = len(supply), len(capacity)
    collector = n_src + n_snk
    solver = min_cost_flow.SimpleMinCostFlow()
    arcs = solver.add_arcs_with_capacity_and_unit_cost(
        tail.astype(np.int32),
        (head + n_src).astype(np.int32),
        np.minimum(supply_int[tail], capacity_int[head]),
        cost_int,
    )
    # disposal: every source may send what it keeps to the collector, as every sink its intake
    solver.add_arcs_with_capacity_and_unit_cost(
        np.arange(collector, dtype=np.int32),
        np.full(collector, collector, dtype=np.int32),
        np.concatenate([supply_int, capacity_int]),
        np.zeros(collector, dtype=np.int64),
    )
    total = int(supply_int.sum())
    solver.set_nodes_supplies(
        np.arange(collector + 1), np.concatenate([supply_int, np.zeros(n_snk, np.int64), [-total]])
    )
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise FlowError(f"OR-Tools min-cost flow ended with status {status}")
    return solver.flows(arcs) / unit


def flow_unit(supply: np.ndarray, capacity: np.ndarray) -> float:
    """Integer steps a tonne has in the flow: 1/unit is how exact its tonnes are.

    >>> flow_unit(np.array([33.333333333333336, 10000.0]), np.array([20.0, 6000.0]))
    100000.0
    """
    unit = tonne_scale(supply, np.minimum(capacity, supply.sum()))
    # keep total flow x costliest arc within int64, giving up tonne digits before cost steps
    while unit > 1 and (supply.sum() * unit + 1) * COST_STEPS > _INT_BUDGET:
        unit /= 10
    # whole tens of tonnes and coarser only for totals no country has (> 2e15 t)
    while supply.sum() * unit > _INT_BUDGET / MIN_COST_STEPS:
        unit /= 10
    return unit


def _integers(supply: np.ndarray, capacity: np.ndarray, cost: np.ndarray):
    """Supplies, capacities and costs as int64, and the tonne unit used."""
    unit = flow_unit(supply, capacity)
    supply_int = np.floor(supply * unit + 1e-6).astype(np.int64)
    # a sink never takes more than all supplies: a larger capacity would only overflow int64
    capacity_int = np.floor(np.minimum(capacity, supply.sum()) * unit + 1e-6).astype(np.int64)
    nodes = len(supply) + len(capacity) + 1
    total = int(supply_int.sum())
    steps = min(_INT_BUDGET / (total + 1), _INT_BUDGET / (nodes + 1), COST_STEPS)
    worst = float(np.abs(cost).max()) if len(cost) else 0.0
    # costs all below a nanogram a tonne are nothing to choose between (and steps / worst
    # would overflow to inf for a subnormal cost)
    scale = steps / worst if worst > MEANINGLESS_COST else 0.0
    cost_int = np.round(cost * scale).astype(np.int64)
    return supply_int, capacity_int, cost_int, unit
