"""Min-cost flow and the PuLP model reach the same optimum; components are networkx's."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plan_check import assert_feasible, example

from matching import load_problem, solve
from matching.components import component_labels
from matching.flow import solve_min_cost_flow, tonne_scale


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_park_200_same_optimum_by_min_cost_flow_and_pulp(solver):
    problem = load_problem(example("park-200"))
    flow = solve(problem)
    model = solve(problem, solver=solver)
    assert flow.solver.name == "OR-Tools min-cost flow"
    assert model.solver.name == solver.upper().replace("HIGHS", "HiGHS")
    assert flow.objective_kg_co2e == pytest.approx(model.objective_kg_co2e, rel=1e-9)
    assert_feasible(problem, model)


def test_min_cost_flow_by_hand():
    # two sources compete for one sink of 6 t: the better arc (-2/t) gets all it can
    tonnes = solve_min_cost_flow(
        np.array([5.0, 4.0]), np.array([6.0]), np.array([0, 1]), np.array([0, 0]),
        np.array([-2.0, -1.0]),
    )  # fmt: skip
    assert tonnes.tolist() == [5.0, 1.0]


def test_tonne_scale():
    assert tonne_scale(np.array([1.0, 20.0])) == 1.0
    assert tonne_scale(np.array([21.72, 0.5])) == 100.0
    assert tonne_scale(np.array([1 / 3])) == 1e6


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.data())
def test_components_match_networkx(n_src, n_snk, data):
    edges = data.draw(st.lists(st.tuples(st.integers(0, n_src - 1), st.integers(0, n_snk - 1))))
    src = np.array([e[0] for e in edges], dtype=np.int64)
    snk = np.array([e[1] for e in edges], dtype=np.int64)
    labels = component_labels(n_src, n_snk, src, snk)
    graph = nx.Graph()
    graph.add_nodes_from(range(n_src + n_snk))
    graph.add_edges_from((s, n_src + d) for s, d in edges)
    ours = {frozenset(np.flatnonzero(labels == lab).tolist()) for lab in np.unique(labels)}
    assert ours == {frozenset(c) for c in nx.connected_components(graph)}


def test_min_cost_flow_with_huge_quantities_stays_within_int64():
    tonnes = solve_min_cost_flow(
        np.array([3e9 + 0.25, 1e9]), np.array([2.5e9, 2e9]), np.array([0, 0, 1]),
        np.array([0, 1, 1]), np.array([-2.0, -1.0, -1.5]),
    )  # fmt: skip
    # S0 fills D0 (the -2 arc) and sends its rest to D1; S1 ships all of it to D1
    assert tonnes.tolist() == pytest.approx([2.5e9, 0.5e9, 1e9], rel=1e-9)


def test_a_subnormal_cost_is_no_cost_and_no_overflow():
    """Found by hypothesis: a cost of -2.2e-308 kg made the cost scale inf (a cast warning)."""
    flows = solve_min_cost_flow(np.array([0.0, 3.0]), np.array([0.0, 2.0]), np.array([0, 1]),
                                np.array([0, 1]), np.array([-2.2250738585072014e-308, -5e-324]))  # fmt: skip
    assert flows.tolist() == [0.0, 0.0] or flows.tolist() == [0.0, 2.0]
    big = solve_min_cost_flow(np.array([3.0]), np.array([2.0]), np.array([0]), np.array([0]),
                              np.array([-1e-300]))  # fmt: skip
    assert big.tolist() in ([0.0], [2.0])
