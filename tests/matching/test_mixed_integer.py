"""Mixed-integer options, checked by hand, and the choice of solver."""

from __future__ import annotations

import json

import pytest
from plan_check import assert_feasible, example

from matching import SolverError, load_problem, solve


def one_source_two_sinks(**options) -> dict:
    """S (10 t, no disposal) -> A (6 t, saves 10/t) or B (10 t, saves 7/t), 0 km apart."""
    return {
        "format": "symbiosis-problem/1",
        "sources": [{"id": "S", "lat": 37.0, "lon": 127.0, "material": "ash", "tonnes": 10,
                     "disposal_kg_co2e_per_t": 0}],
        "sinks": [
            {"id": "A", "lat": 37.0, "lon": 127.0, "capacity_t": 6,
             "accepts": {"ash": {"avoided_kg_co2e_per_t": 10}}},
            {"id": "B", "lat": 37.0, "lon": 127.0, "capacity_t": 10,
             "accepts": {"ash": {"avoided_kg_co2e_per_t": 7}}},
        ],
        "options": options,
    }  # fmt: skip


def shipped(plan) -> dict[str, float]:
    return {e.sink: e.tonnes for e in plan.exchanges}


def test_linear_case_fills_the_better_sink_first():
    plan = solve(load_problem(one_source_two_sinks()))
    assert shipped(plan) == {"A": 6, "B": 4}
    assert plan.objective_kg_co2e == pytest.approx(-88)
    assert plan.solver.name == "OR-Tools min-cost flow"


@pytest.mark.parametrize("solver", ["auto", "highs", "cbc"])
def test_min_lot(solver):
    # 6 A + 4 B (saving 88) breaks the 5 t lot; 5 + 5 saves 85, 6 + 0 only 60
    plan = solve(load_problem(one_source_two_sinks(min_lot_t=5)), solver=solver)
    assert plan.status == "optimal"
    assert shipped(plan) == pytest.approx({"A": 5, "B": 5})
    assert plan.objective_kg_co2e == pytest.approx(-85)
    assert plan.solver.name == ("CBC" if solver == "cbc" else "HiGHS")


def test_one_partner_per_source():
    # A alone saves 60, B alone 70
    plan = solve(load_problem(one_source_two_sinks(max_partners_per_source=1)))
    assert shipped(plan) == pytest.approx({"B": 10})
    assert plan.unmatched == ()


def test_one_partner_per_sink():
    data = one_source_two_sinks(max_partners_per_sink=1)
    data["sources"].append(dict(data["sources"][0], id="T", tonnes=3, disposal_kg_co2e_per_t=1))
    data["sinks"] = data["sinks"][1:]  # only B (10 t, 7/t): S saves 70, T 24, both exceed 10 t
    plan = solve(load_problem(data))
    assert [(e.source, e.tonnes) for e in plan.exchanges] == [("S", pytest.approx(10))]
    assert [(u.source, u.reason) for u in plan.unmatched] == [("T", "sinks-full")]


def test_partner_limits_that_do_not_bind_stay_a_min_cost_flow():
    plan = solve(load_problem(one_source_two_sinks(max_partners_per_source=2)))
    assert plan.solver.name == "OR-Tools min-cost flow"
    assert shipped(plan) == {"A": 6, "B": 4}


def test_locked_tonnes_below_the_lot_and_counted_as_partners():
    data = one_source_two_sinks(min_lot_t=5, max_partners_per_source=2)
    data["locked"] = [{"source": "S", "sink": "A", "tonnes": 2}]
    plan = solve(load_problem(data))
    assert shipped(plan) == pytest.approx({"A": 2, "B": 8})
    data["options"] = {"max_partners_per_source": 1}
    plan = solve(load_problem(data))
    assert shipped(plan) == {"A": 2}
    assert plan.unmatched[0].tonnes == 8


def test_locked_partners_beyond_the_limit_are_infeasible():
    data = one_source_two_sinks(max_partners_per_source=1)
    data["locked"] = [
        {"source": "S", "sink": "A", "tonnes": 1},
        {"source": "S", "sink": "B", "tonnes": 1},
    ]
    plan = solve(load_problem(data))
    assert plan.status == "infeasible" and 'source "S" has more locked partners' in plan.message


def test_locked_tonnes_beyond_the_source_are_infeasible():
    data = one_source_two_sinks()
    data["locked"] = [{"source": "S", "sink": "B", "tonnes": 10.5}]
    plan = solve(load_problem(data))
    assert plan.status == "infeasible"
    assert plan.message == 'locked tonnes from source "S" exceed its tonnes by 0.5'
    assert plan.to_dict()["objective_kg_co2e"] is None


def test_min_cost_flow_refuses_mixed_integer_options():
    with pytest.raises(SolverError, match="min_lot_t or partner limits"):
        solve(load_problem(one_source_two_sinks(min_lot_t=5)), solver="min-cost-flow")


def test_time_limit_gives_a_feasible_plan():
    # a fast machine may finish within the limit: either way the plan keeps every rule
    data = json.loads(example("park-200").read_text())
    data["options"] = {"min_lot_t": 5, "time_limit_s": 0.2}
    problem = load_problem(data)
    plan = solve(problem)
    assert plan.status in ("feasible", "optimal")
    assert_feasible(problem, plan)
    assert all(e.tonnes >= 5 - 1e-6 for e in plan.exchanges)


@pytest.mark.parametrize(
    ("sol_status", "status", "ships"),
    [
        ("LpSolutionIntegerFeasible", "feasible", True),
        ("LpSolutionNoSolutionFound", "feasible", False),
    ],
)
def test_a_solve_stopped_by_its_time_limit_is_a_feasible_plan(
    monkeypatch, sol_status, status, ships
):
    """Whatever the machine's speed: the solver's answer on hitting the limit, made to order.

    S (10 t) to A (6 t) or B (10 t) with min_lot_t 5: the optimum ships 5 + 5 t. Stopped
    with an incumbent, the plan keeps it and says `feasible`; stopped before any, it ships
    nothing, which is still a plan that keeps every rule.
    """
    import pulp

    real_solve = pulp.LpProblem.solve

    def stopped(self, solver=None, **kwargs):
        result = real_solve(self, solver, **kwargs)
        self.sol_status = getattr(pulp, sol_status)
        return result

    monkeypatch.setattr(pulp.LpProblem, "solve", stopped)
    problem = load_problem(one_source_two_sinks(min_lot_t=5, time_limit_s=30))
    plan = solve(problem)
    assert plan.status == status
    assert_feasible(problem, plan)
    assert sum(e.tonnes for e in plan.exchanges) == pytest.approx(10.0 if ships else 0.0)


def test_the_solve_argument_overrides_the_options():
    problem = load_problem(one_source_two_sinks(solver="min-cost-flow"))
    assert solve(problem, solver="highs").solver.name == "HiGHS"
