"""Why a stream is left over: each reason in its place in the order, with the facts of `detail`.

Instances sit on the equator, where a degree of longitude is 111.195 km great circle
(x 1.3 by truck), so every figure can be checked by hand.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plan_check import example, km_between, reference_arcs
from test_random_problems import problems

from matching import load_problem, solve

DEG_KM = 2 * math.pi * 6371.0088 / 360  # 111.19508 km


def _site(lon: float) -> dict:
    return {"lat": 0.0, "lon": lon}


def _source(sid, lon, tonnes, disposal=100, material="paper", **extra) -> dict:
    return {"id": sid, **_site(lon), "material": material, "tonnes": tonnes,
            "disposal_kg_co2e_per_t": disposal, **extra}  # fmt: skip


def _sink(sid, lon, capacity, material="paper", **extra) -> dict:
    return {"id": sid, **_site(lon), "capacity_t": capacity, "accepts": [material], **extra}


def _solve(sources, sinks, **problem):
    return solve(load_problem({"format": "symbiosis-problem/1", "sources": sources,
                               "sinks": sinks, **problem}))  # fmt: skip


def _reasons(plan) -> list[tuple]:
    return [(u.source, u.tonnes, u.reason, u.detail) for u in plan.unmatched]


def test_tiny_details_by_hand():
    problem = load_problem(example("tiny"))
    plan = solve(problem)
    src = {s.id: s for s in problem.sources}
    snk = {s.id: s for s in problem.sinks}
    far_km = km_between(src["gypsum-far"], snk["board-plant"]) * 1.3  # 320.6 great circle
    boiler_km = km_between(src["pallets-far"], snk["boiler"]) * 1.3
    assert far_km == pytest.approx(416.741, abs=1e-3)
    assert boiler_km == pytest.approx(77.994, abs=1e-3)
    assert {u.source: u.detail for u in plan.unmatched} == {
        "gypsum-power": {"sink": "board-plant"},
        "gypsum-far": {"sink": "board-plant", "km": pytest.approx(far_km, rel=1e-12),
                       "limit_km": 100.0},
        "gypsum-wet": {"sink": "board-plant", "property": "moisture_pct", "value": 25.0,
                       "min": None, "max": 10.0},
        "acid-plating": {"sink": "neutraliser"},
        "slag-mill": {},
        # wood: disposal 5 kg/t, no virgin credit, 0.107 kg/tkm by truck
        "pallets-far": {"sink": "boiler", "km": pytest.approx(boiler_km, rel=1e-12),
                        "net_kg_co2e_per_t": pytest.approx(5 - boiler_km * 0.107, rel=1e-12)},
        "ash-railhead": {"sink": "cement-kiln"},
    }  # fmt: skip


def test_forbidden_names_every_turned_down_taker_nearest_first():
    plan = _solve([_source("S", 0, 10)],
                  [_sink("far", 0.2, 50), _sink("near", 0.1, 50)],
                  forbidden=[{"source": "S", "sink": "far"}, {"source": "S", "sink": "near"}])  # fmt: skip
    assert _reasons(plan) == [("S", 10.0, "forbidden", {"pairs": ["near", "far"]})]


def test_a_forbidden_pair_never_hides_an_earlier_reason():
    # the only taker is forbidden, but it also wants drier paper: quality comes first
    plan = _solve([_source("S", 0, 10, properties={"moisture_pct": 12})],
                  [_sink("mill", 0.1, 50, requirements={"moisture_pct": {"max": 8}})],
                  forbidden=[{"source": "S", "sink": "mill"}])  # fmt: skip
    assert _reasons(plan) == [("S", 10.0, "quality-mismatch", {
        "sink": "mill", "property": "moisture_pct", "value": 12.0, "min": None, "max": 8.0})]


def test_a_forbidden_taker_beside_a_far_one_is_beyond_distance():
    # the far mill passes no distance check; the near one passes every rule but is forbidden
    plan = _solve([_source("S", 0, 10, max_km=50)],
                  [_sink("near", 0.1, 50), _sink("far", 1.0, 50)],
                  forbidden=[{"source": "S", "sink": "near"}])  # fmt: skip
    assert _reasons(plan) == [("S", 10.0, "forbidden", {"pairs": ["near"]})]


def test_below_min_lot_when_the_room_left_is_under_the_lot():
    """good (20 t, 100 kg/t disposal) fills 20 of mill's 25 t; late keeps 30 t: 5 t of room
    is under the 10 t lot. (good 15 + late 10 would save 1,500 + 100 < 2,000 kg.)"""
    plan = _solve([_source("good", 0, 20), _source("late", 0.01, 30, disposal=10)],
                  [_sink("mill", 0.05, 25)], options={"min_lot_t": 10})  # fmt: skip
    assert [(e.source, e.tonnes) for e in plan.exchanges] == [("good", 20.0)]
    assert _reasons(plan) == [
        ("late", 30.0, "below-min-lot", {"min_lot_t": 10.0, "sink": "mill", "spare_t": 5.0})
    ]


def test_below_min_lot_when_the_tonnes_left_are_under_the_lot():
    plan = _solve([_source("small", 0, 6)], [_sink("mill", 0.05, 100)],
                  options={"min_lot_t": 10})  # fmt: skip
    assert _reasons(plan) == [("small", 6.0, "below-min-lot", {"min_lot_t": 10.0})]


def test_partner_limit_of_a_sink_names_it():
    # mill may take from 1 partner: a (100 kg/t) wins over b (50 kg/t)
    plan = _solve([_source("a", 0, 10), _source("b", 0.01, 10, disposal=50)],
                  [_sink("mill", 0.05, 100)], options={"max_partners_per_sink": 1})  # fmt: skip
    assert [(e.source, e.tonnes) for e in plan.exchanges] == [("a", 10.0)]
    assert _reasons(plan) == [("b", 10.0, "partner-limit", {"limit": 1, "sink": "mill"})]


def test_partner_limit_of_the_source():
    plan = _solve([_source("s", 0, 100)], [_sink("m1", 0.05, 60), _sink("m2", 0.1, 60)],
                  options={"max_partners_per_source": 1})  # fmt: skip
    assert [(e.sink, e.tonnes) for e in plan.exchanges] == [("m1", 60.0)]
    assert _reasons(plan) == [("s", 40.0, "partner-limit", {"limit": 1})]


def test_a_min_lot_met_by_the_room_is_no_excuse_when_the_sink_is_full():
    # mill takes 20 of s's 50 t and is full: sinks-full, not below-min-lot
    plan = _solve([_source("s", 0, 50)], [_sink("mill", 0.05, 20)], options={"min_lot_t": 10})
    assert _reasons(plan) == [("s", 30.0, "sinks-full", {"sink": "mill"})]


def test_not_worth_transport_gives_the_best_arcs_net_effect():
    # 1 degree by truck: 144.554 km x 0.107 = 15.467 kg/t against 5 kg/t of disposal
    plan = _solve([_source("wood", 0, 10, disposal=5)], [_sink("boiler", 1.0, 50)])
    km = DEG_KM * 1.3
    assert _reasons(plan) == [("wood", 10.0, "not-worth-transport", {
        "sink": "boiler", "km": pytest.approx(km, rel=1e-9),
        "net_kg_co2e_per_t": pytest.approx(5 - km * 0.107, rel=1e-9)})]  # fmt: skip


def test_beyond_distance_reports_the_shortest_shared_mode():
    # truck 1.3 x 111.195 = 144.55 km, rail 1.2 x = 133.43 km: both beyond the 100 km limit
    modes = {"truck": {"kg_co2e_per_tkm": 0.107}, "rail": {"kg_co2e_per_tkm": 0.028,
                                                             "circuity": 1.2}}  # fmt: skip
    # farther is 900 km by the file's own distances: far is the nearest taker
    plan = _solve([_source("s", 0, 10, modes=["truck", "rail"], max_km=100)],
                  [_sink("far", 1.0, 50, modes=["truck", "rail"]),
                   _sink("farther", 1.5, 50, modes=["truck", "rail"])],
                  modes=modes, distances_km=[{"source": "s", "sink": "farther", "km": 900}])  # fmt: skip
    assert _reasons(plan) == [("s", 10.0, "beyond-distance", {
        "sink": "far", "km": pytest.approx(DEG_KM * 1.2, rel=1e-9), "limit_km": 100.0})]  # fmt: skip


def test_no_hazardous_permit_names_the_nearest_accepting_sink():
    plan = _solve([_source("acid", 0, 10, hazardous=True)],
                  [_sink("far", 0.2, 50), _sink("near", 0.1, 50)])  # fmt: skip
    assert _reasons(plan) == [("acid", 10.0, "no-hazardous-permit", {"sink": "near"})]


def _reference_reason(problem, plan, u) -> str:
    """The contract's table, pair by pair, written apart from matching/unmatched.py."""
    src = next(s for s in problem.sources if s.id == u.source)
    sinks = [k for k in problem.sinks if src.material in k.accepts]
    checks = [
        ("no-sink-accepts", lambda k: True),
        ("no-hazardous-permit", lambda k: not src.hazardous or k.hazardous_permit),
        ("quality-mismatch", lambda k: all(_within(src.properties.get(p), b)
                                           for p, b in k.requirements.items())),
        ("no-common-mode", lambda k: any(m in k.modes for m in src.modes)),
        ("beyond-distance", lambda k: (src.id, k.id) in rules_only),
        ("forbidden", lambda k: (src.id, k.id) in arcs),
        ("not-worth-transport", lambda k: arcs[src.id, k.id] < 0),
    ]  # fmt: skip
    rules_only = reference_arcs(dataclasses.replace(problem, forbidden=()))
    arcs = reference_arcs(problem)
    for reason, passes in checks:
        sinks = [k for k in sinks if passes(k)]
        if not sinks:
            return reason
    spare = {s.sink: s.spare_t for s in plan.sinks}
    used = {(e.source, e.sink) for e in plan.exchanges}
    room = [k for k in sinks if spare[k.id] >= 1e-6]
    if not room:
        return "sinks-full"
    options = problem.options
    lot = [k for k in room if (src.id, k.id) in used
           or min(u.tonnes, spare[k.id]) >= options.min_lot_t - 1e-9]  # fmt: skip
    if not lot:
        return "below-min-lot"
    partners = {}
    for e in plan.exchanges:
        partners[e.source] = partners.get(e.source, 0) + 1
        partners[e.sink] = partners.get(e.sink, 0) + 1
    src_full = (options.max_partners_per_source is not None
                and partners.get(src.id, 0) >= options.max_partners_per_source)  # fmt: skip
    free = [k for k in lot if (src.id, k.id) in used or not src_full and (
        options.max_partners_per_sink is None
        or partners.get(k.id, 0) < options.max_partners_per_sink)]  # fmt: skip
    return "partner-limit" if not free else "sinks-full"


def _within(value, bounds) -> bool:
    low, high = bounds
    return value is not None and (low is None or value >= low) and (high is None or value <= high)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.sampled_from([0, 0, 1, 5, 20]), st.sampled_from([None, None, 1, 2]),
       st.sampled_from([None, None, 1, 2]))  # fmt: skip
def test_every_reason_is_the_first_of_the_contracts_table(data, lot, per_source, per_sink):
    data["options"] = {"min_lot_t": lot, "max_partners_per_source": per_source,
                       "max_partners_per_sink": per_sink}  # fmt: skip
    problem = load_problem(data)
    plan = solve(problem)
    for u in plan.unmatched:
        assert u.reason == _reference_reason(problem, plan, u), u
        assert isinstance(u.detail, dict)
        if u.reason == "forbidden":
            assert u.detail["pairs"] and {(u.source, k) for k in u.detail["pairs"]} <= {
                (p.source, p.sink) for p in problem.forbidden}
        if u.reason == "below-min-lot":
            assert u.detail["min_lot_t"] == lot
        if u.reason == "partner-limit":
            assert u.detail["limit"] == (per_sink if "sink" in u.detail else per_source)


def test_a_plan_written_before_details_reads_with_none():
    from matching import Plan

    old = {"format": "symbiosis-plan/1", "status": "optimal", "objective_kg_co2e": 0.0,
           "baseline_kg_co2e": 600.0, "saved_kg_co2e": 0.0,
           "unmatched": [{"source": "S2", "tonnes": 30, "reason": "beyond-distance"}]}  # fmt: skip
    (u,) = Plan.from_json(old).unmatched
    assert (u.source, u.reason, u.detail) == ("S2", "beyond-distance", None)
    assert Plan.from_json(Plan.from_json(old).to_json()).unmatched[0].detail is None
