"""Field cases of the solvers: awkward tonnes and awkward ids give one plan on every path.

`field_cases/` holds the files met in the field (scaling*.json, names-*.json) and a second
file of each kind made here (scaling-thirds.json, names-collide*.json). Every solver path
(min-cost flow, HiGHS, CBC) must give the same exchanges and objective to 1e-9, and no
stream is reported left over while a worthwhile taker has room.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plan_check import assert_feasible, reference_arcs

from matching import Plan, load_problem, solve
from matching.flow import solve_min_cost_flow

FIELD_CASES = Path(__file__).parent / "field_cases"
LP_CASES = ["scaling", "scaling-0.3", "scaling-whole", "scaling-app-problem", "scaling-thirds",
            "names-lp", "names-collide-lp"]  # fmt: skip
MIP_CASES = ["names-minlot", "names-collide"]


def _paths(problem) -> list[str]:
    paths = ["auto", "highs", "cbc"]
    return paths if problem.options.mixed_integer else [*paths, "min-cost-flow"]


def assert_same_plan(a: Plan, b: Plan) -> None:
    assert a.status == b.status
    assert a.objective_kg_co2e == pytest.approx(b.objective_kg_co2e, rel=1e-9, abs=1e-9)
    assert [(e.source, e.sink, e.mode) for e in a.exchanges] == [
        (e.source, e.sink, e.mode) for e in b.exchanges
    ]
    assert [e.tonnes for e in a.exchanges] == pytest.approx([e.tonnes for e in b.exchanges],
                                                            rel=1e-9)  # fmt: skip
    assert [(u.source, u.reason, u.detail) for u in a.unmatched] == [
        (u.source, u.reason, u.detail) for u in b.unmatched
    ]
    assert [u.tonnes for u in a.unmatched] == pytest.approx([u.tonnes for u in b.unmatched],
                                                            rel=1e-9)  # fmt: skip


def assert_no_leftover_beside_room(problem, plan: Plan) -> None:
    """A source with tonnes left has no worthwhile arc to a sink with room (an LP optimum)."""
    spare = {s.sink: s.spare_t for s in plan.sinks}
    arcs = reference_arcs(problem)
    for u in plan.unmatched:
        roomy = [k for (s, k), cost in arcs.items() if s == u.source and cost < 0 and spare[k] >= 1e-6]
        assert roomy == [], f"{u.source} keeps {u.tonnes} t ({u.reason}) beside {roomy}"


@pytest.mark.parametrize("name", LP_CASES + MIP_CASES)
def test_every_solver_path_gives_the_same_plan(name):
    problem = load_problem(FIELD_CASES / f"{name}.json")
    plans = {path: solve(problem, solver=path) for path in _paths(problem)}
    for path, plan in plans.items():
        assert plan.status == "optimal", path
        assert_feasible(problem, plan, tol=1e-9)
        assert_same_plan(plan, plans["highs"])
        if name in LP_CASES:
            assert_no_leftover_beside_room(problem, plan)


@pytest.mark.parametrize("solver", ["auto", "highs", "cbc", "min-cost-flow"])
def test_a_third_of_a_hundred_tonnes_is_shipped_whole(solver):
    """scaling-whole: D-board takes 40 t, so all 33.333333333333336 t go, none left over."""
    plan = solve(load_problem(FIELD_CASES / "scaling-whole.json"), solver=solver)
    assert [(e.source, e.sink, e.tonnes) for e in plan.exchanges] == [
        ("S-third", "D-board", 33.333333333333336), ("S-big", "D-road", 6000.0),
    ]  # fmt: skip
    assert [(u.source, u.tonnes, u.reason) for u in plan.unmatched] == [
        ("S-big", 4000.0, "sinks-full")
    ]
    assert plan.objective_kg_co2e == pytest.approx(32051.285403091824, rel=1e-12)


@pytest.mark.parametrize("solver", ["auto", "highs", "cbc", "min-cost-flow"])
def test_the_apps_problem_leaves_no_phantom_gypsum(solver):
    """scaling-app-problem: offer-85's 33.333333333333336 t all go to want-81 (966 t spare)."""
    plan = solve(load_problem(FIELD_CASES / "scaling-app-problem.json"), solver=solver)
    assert [e.tonnes for e in plan.exchanges if e.source == "offer-85"] == [33.333333333333336]
    assert "offer-85" not in {u.source for u in plan.unmatched}
    assert all(u.tonnes == round(u.tonnes, 6) for u in plan.unmatched)  # no 3e-6 t crumbs


@pytest.mark.parametrize("solver", ["min-cost-flow", "highs"])
def test_capacities_far_beyond_any_supply_do_not_overflow_int64(solver):
    # 1e300 t of room beside a third of 1e12 t and 2.5 t: the flow sees at most all the supply
    site = {"lat": 37.3, "lon": 126.7}
    problem = load_problem({"format": "symbiosis-problem/1",
        "sources": [{"id": "S-huge", **site, "material": "ash", "tonnes": 1e12 / 3,
                     "disposal_kg_co2e_per_t": 1},
                    {"id": "S-small", **site, "material": "ash", "tonnes": 2.5,
                     "disposal_kg_co2e_per_t": 2}],
        "sinks": [{"id": "D-sea", **site, "capacity_t": 1e300, "accepts": ["ash"]}]})  # fmt: skip
    plan = solve(problem, solver=solver)
    assert [(e.source, e.tonnes) for e in plan.exchanges] == [("S-huge", 1e12 / 3),
                                                             ("S-small", 2.5)]  # fmt: skip
    assert plan.unmatched == ()
    assert plan.objective_kg_co2e == 0.0


def test_flow_alone_with_huge_capacity_stays_finite():
    tonnes = solve_min_cost_flow(
        np.array([1e12 / 3, 2.5]), np.array([1e300, 1e-3]), np.array([0, 1, 1]),
        np.array([0, 0, 1]), np.array([-1.0, -2.0, -3.0]),
    )  # fmt: skip
    assert np.all(np.isfinite(tonnes)) and np.all(tonnes >= 0)
    assert tonnes[0] == pytest.approx(1e12 / 3, rel=1e-9)
    assert tonnes[1] + tonnes[2] <= 2.5


def _awkward_tonnes():
    # thirds and sevenths, sums of tenths, and large round figures beside them
    return st.one_of(
        st.builds(lambda k, d: k / d, st.integers(1, 3000), st.sampled_from([3, 7, 9, 11])),
        st.builds(lambda a, b: a / 10 + b / 10, st.integers(1, 30), st.integers(1, 30)),
        st.sampled_from([10_000.0, 250_000.0, 1e7]),
    )


@st.composite
def awkward_problems(draw):
    """A few sources and sinks of two materials, placed at random so that no two plans tie."""
    n_src, n_snk = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    spot = st.tuples(st.floats(37.0, 37.5), st.floats(126.5, 127.0))
    sources = []
    for k in range(n_src):
        lat, lon = draw(spot)
        sources.append({"id": f"S{k}", "lat": lat, "lon": lon,
                        "material": draw(st.sampled_from(["ash", "slag"])),
                        "tonnes": draw(_awkward_tonnes()),
                        "disposal_kg_co2e_per_t": draw(st.floats(1, 100))})  # fmt: skip
    sinks = []
    for k in range(n_snk):
        lat, lon = draw(spot)
        accepts = draw(st.lists(st.sampled_from(["ash", "slag"]), min_size=1, unique=True))
        sinks.append({"id": f"D{k}", "lat": lat, "lon": lon, "capacity_t": draw(_awkward_tonnes()),
                      "accepts": {m: {"avoided_kg_co2e_per_t": draw(st.floats(0, 50))}
                                  for m in accepts}})  # fmt: skip
    return {"format": "symbiosis-problem/1", "sources": sources, "sinks": sinks}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(awkward_problems())
def test_awkward_tonnes_give_one_objective_and_no_phantom_leftovers(data):
    problem = load_problem(data)
    plans = [solve(problem, solver=path) for path in ("min-cost-flow", "highs", "cbc")]
    for plan in plans:
        assert_feasible(problem, plan, tol=1e-9)
        assert_no_leftover_beside_room(problem, plan)
        assert plan.objective_kg_co2e == pytest.approx(
            plans[1].objective_kg_co2e, rel=1e-9, abs=1e-9 * math.fsum(
                s.tonnes * s.disposal_kg_co2e_per_t for s in problem.sources)
        )
