"""Random small problems: the plan is feasible and as good as an LP solved by scipy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plan_check import assert_feasible, reference_arcs
from scipy.optimize import linprog

from matching import load_problem, solve
from matching.unmatched import REASONS

MODES = {"truck": {"kg_co2e_per_tkm": 0.107, "circuity": 1.3},
         "rail": {"kg_co2e_per_tkm": 0.028, "circuity": 1.2}}  # fmt: skip
tonnes = st.integers(0, 10_000).map(lambda c: c / 100)


@st.composite
def sites(draw, kind: str, k: int) -> dict:
    site = {"id": f"{kind}{k}", "lat": draw(st.floats(37.0, 37.6)),
            "lon": draw(st.floats(126.5, 127.1))}  # fmt: skip
    site["modes"] = draw(st.sampled_from([["truck"], ["rail"], ["truck", "rail"]]))
    if draw(st.booleans()):
        site["max_km"] = draw(st.floats(5, 80))
    return site


@st.composite
def problems(draw) -> dict:
    n_src, n_snk = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    sources = []
    for k in range(n_src):
        s = draw(sites("S", k))
        stated = {"moisture_pct": draw(st.floats(0, 30))} if draw(st.booleans()) else {}
        s.update(material=draw(st.sampled_from("ab")), tonnes=draw(tonnes),
                 disposal_kg_co2e_per_t=draw(st.floats(0, 10)), hazardous=draw(st.booleans()),
                 properties=stated)  # fmt: skip
        sources.append(s)
    sinks = []
    for k in range(n_snk):
        s = draw(sites("D", k))
        accepts = draw(st.lists(st.sampled_from("abc"), min_size=1, max_size=2, unique=True))
        avoided = {m: {"avoided_kg_co2e_per_t": draw(st.floats(0, 5))} for m in accepts}
        s.update(capacity_t=draw(tonnes), hazardous_permit=draw(st.booleans()), accepts=avoided)
        if draw(st.booleans()):
            s["requirements"] = {"moisture_pct": {"max": draw(st.floats(5, 30))}}
        sinks.append(s)
    pairs = st.tuples(st.integers(0, n_src - 1), st.integers(0, n_snk - 1))
    forbidden = draw(st.lists(pairs, max_size=3, unique=True))
    distances = [{"source": f"S{i}", "sink": f"D{j}", "km": draw(st.floats(0, 50))}
                 for i, j in draw(st.lists(pairs, max_size=2, unique=True))]  # fmt: skip
    return {"format": "symbiosis-problem/1", "modes": MODES, "sources": sources, "sinks": sinks,
            "distances_km": distances,
            "forbidden": [{"source": f"S{i}", "sink": f"D{j}"} for i, j in forbidden]}  # fmt: skip


def _lock_some(data: dict, draw_fraction: list[float]) -> None:
    """Lock a share of some arcs' tonnes, never beyond what the sites have."""
    arcs = sorted(reference_arcs(load_problem(data)))
    supply = {s["id"]: s["tonnes"] for s in data["sources"]}
    room = {s["id"]: s["capacity_t"] for s in data["sinks"]}
    data["locked"] = []
    for (src, snk), share in zip(arcs, draw_fraction, strict=False):
        t = round(min(supply[src], room[snk]) * share, 2)
        supply[src] -= t
        room[snk] -= t
        data["locked"].append({"source": src, "sink": snk, "tonnes": t})


def _lp_objective(problem) -> float:
    """baseline + min sum cost x over the reference arcs, by scipy's HiGHS LP."""
    arcs = reference_arcs(problem)
    keys = list(arcs)
    baseline = sum(s.tonnes * s.disposal_kg_co2e_per_t for s in problem.sources)
    if not keys:
        return baseline
    locked = {(lk.source, lk.sink): lk.tonnes for lk in problem.locked}
    rows, bounds = [], []
    for site_list, side, attr in ((problem.sources, 0, "tonnes"), (problem.sinks, 1, "capacity_t")):
        for site in site_list:
            rows.append(([1.0 if k[side] == site.id else 0.0 for k in keys], getattr(site, attr)))
    bounds = [(locked[k], locked[k]) if k in locked else (0, None) for k in keys]
    result = linprog(
        [arcs[k] for k in keys], A_ub=np.array([r[0] for r in rows]),
        b_ub=np.array([r[1] for r in rows]) + 1e-9, bounds=bounds, method="highs",
    )  # fmt: skip
    assert result.status == 0
    return baseline + result.fun


def _check(data: dict, solver: str = "auto") -> None:
    problem = load_problem(data)
    plan = solve(problem, solver=solver)
    assert plan.status == "optimal"
    assert_feasible(problem, plan)
    assert plan.objective_kg_co2e == pytest.approx(_lp_objective(problem), rel=1e-7, abs=1e-5)
    arcs = reference_arcs(problem)
    for u in plan.unmatched:
        mine = [c for (s, _), c in arcs.items() if s == u.source]
        if any(c < 0 for c in mine):
            assert u.reason == "sinks-full"
        elif mine:
            assert u.reason == "not-worth-transport"
        else:
            assert u.reason in REASONS[:6]


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(problems())
def test_random_problems_match_an_lp(data):
    _check(data)


@SETTINGS
@given(problems(), st.lists(st.floats(0, 1), max_size=4))
def test_random_problems_with_locked_pairs(data, shares):
    _lock_some(data, shares)
    _check(data)


@settings(max_examples=25, deadline=None)
@given(problems())
def test_the_pulp_model_agrees_on_random_problems(data):
    _check(data, solver="highs")
