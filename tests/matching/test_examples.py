"""The shared examples: tiny's exact plan, and the optimal objectives of the larger ones."""

from __future__ import annotations

import pytest
from plan_check import assert_feasible, example, expected

from matching import load_problem, solve


def test_tiny_gives_exactly_the_expected_plan():
    problem = load_problem(example("tiny"))
    plan = solve(problem)
    want = expected("tiny")
    assert plan.status == want["status"]
    assert plan.objective_kg_co2e == pytest.approx(want["objective_kg_co2e"], rel=1e-12)
    assert plan.baseline_kg_co2e == want["baseline_kg_co2e"]
    got = [{"source": e.source, "sink": e.sink, "tonnes": e.tonnes} for e in plan.exchanges]
    assert got == want["exchanges"]
    reasons = [{"source": u.source, "tonnes": u.tonnes, "reason": u.reason} for u in plan.unmatched]
    assert reasons == want["unmatched"]
    assert all(u.detail is not None for u in plan.unmatched)
    assert_feasible(problem, plan)


@pytest.mark.parametrize("solver", ["auto", "highs", "cbc"])
def test_tiny_reasons_gives_exactly_its_plan_reasons_and_details(solver):
    """paper-declined's only taker was declined; scrap-small's 6 t are under the 10 t lot;
    slag-two fills cement-near (60 t) and may have 1 partner, so cement-far gets none."""
    problem = load_problem(example("tiny-reasons"))
    plan = solve(problem, solver=solver)
    want = expected("tiny-reasons")
    assert plan.status == want["status"]
    assert plan.objective_kg_co2e == pytest.approx(want["objective_kg_co2e"], rel=1e-12)
    assert plan.baseline_kg_co2e == want["baseline_kg_co2e"]
    got = [{"source": e.source, "sink": e.sink, "tonnes": e.tonnes} for e in plan.exchanges]
    assert got == want["exchanges"]
    assert [vars(u) for u in plan.unmatched] == want["unmatched"]
    assert_feasible(problem, plan)


def test_tiny_plan_figures_by_hand():
    plan = solve(load_problem(example("tiny")))
    (e,) = plan.exchanges
    assert (e.material, e.mode) == ("fgd-gypsum", "truck")
    assert e.disposal_avoided_kg_co2e == 80 * 40
    assert e.virgin_avoided_kg_co2e == 80 * 10
    assert e.net_saved_kg_co2e == pytest.approx(4000 - e.transport_kg_co2e)
    assert [(s.sink, s.received_t, s.spare_t) for s in plan.sinks] == [
        ("board-plant", 80, 0), ("neutraliser", 0, 50), ("boiler", 0, 500), ("cement-kiln", 0, 500),
    ]  # fmt: skip
    assert plan.solver.arcs == 1 and plan.solver.rows == 2


def _check_example(name: str) -> None:
    problem = load_problem(example(name))
    plan = solve(problem)
    want = expected(name)
    assert plan.status == want["status"]
    assert plan.objective_kg_co2e == pytest.approx(want["objective_kg_co2e"], rel=1e-6)
    assert plan.baseline_kg_co2e == pytest.approx(want["baseline_kg_co2e"], rel=1e-12)
    assert_feasible(problem, plan)


def test_park_200():
    _check_example("park-200")


@pytest.mark.slow
def test_park_2000():
    _check_example("park-2000")


@pytest.mark.slow
def test_country_20000():
    _check_example("country-20000")


@pytest.mark.parametrize("name", ["tiny", "park-200"])
def test_arc_counts_match_the_examples_readme(name):
    from matching.arcs import build_arcs

    want = {"tiny": 2, "park-200": 1937}[name]
    assert len(build_arcs(load_problem(example(name)))) == want


def test_plan_round_trips_through_json():
    from matching import Plan

    plan = solve(load_problem(example("tiny")))
    assert Plan.from_json(plan.to_json()) == plan
    assert Plan.from_json(plan.to_dict()) == plan


def test_pulp_output_never_reaches_stdout(capfd):
    solve(load_problem(example("tiny")), solver="highs")
    assert capfd.readouterr().out == ""
