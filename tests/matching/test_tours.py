"""Pooled collection tours (`symbiosis-tours/1`): the tiny instance by hand, each rule, the CLI.

Most instances put sites on a line with `distances_km` given, so every km is checkable:
the receiver R at km 0 and suppliers A, B, C, D at km 10, 20, 30, 40. Trucks run at
40 km/h (10 km = 15 min) and each stop takes 15 minutes of service unless said otherwise.
"""

from __future__ import annotations

import copy
import doctest
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from matching.__main__ import main
from matching.fields import ProblemError
from matching.tours import ToursPlan, load_tours_problem, solve_tours

REPO = Path(__file__).parents[2]
TINY = Path(__file__).parent / "tours" / "tiny.json"
LINE = {"R": 0, "A": 10, "B": 20, "C": 30, "D": 40}


def line_problem(exchanges, vehicles=None, *, sites=None, extra=None, **options):
    """A problem on the line R-A-B-C-D with road km given pair by pair."""
    positions = dict(LINE, **(extra or {}))
    ids = list(positions)
    site_rows = [{"id": k, "lat": 35.2, "lon": 128.6 + v / 100} for k, v in positions.items()]
    for row in site_rows:
        row.update((sites or {}).get(row["id"], {}))
    return {
        "format": "symbiosis-tours/1",
        "sites": site_rows,
        "exchanges": exchanges,
        "vehicles": vehicles or [{"id": "truck", "capacity_t": 10, "depot": "R"}],
        "distances_km": [
            {"from": a, "to": b, "km": abs(positions[a] - positions[b])}
            for k, a in enumerate(ids)
            for b in ids[k + 1 :]
        ],  # fmt: skip
        "options": {"solution_limit": 100, "time_limit_s": 10, **options},
    }


def exchange(id_, supplier, tonnes, receiver="R", **more):
    return {"id": id_, "supplier": supplier, "receiver": receiver, "monthly_tonnes": tonnes,
            "frequency": "monthly", **more}  # fmt: skip


def solve(data) -> ToursPlan:
    return solve_tours(load_tours_problem(data))


def visits(tour, action="pickup"):
    return [s.site for s in tour.stops if s.action == action]


def test_tiny_instance_by_hand():
    """Four 2 t pickups at A, B, C, D (km 10..40 on a line), receiver and truck (10 t) at R.

    All 8 t fit one truck, so the best tour is one run out to D and back, collecting on
    the way: R-D-C-B-A-R (or R-A-B-C-D-R), 40 + 40 = 80 km. With the default factors
    (1.057 kg CO2e per km, empty or loaded) that is 84.56 kg. Collecting from the far end
    runs 40 km out empty and 40 km back loaded. Each alone: 2 x (10+20+30+40) = 200 km,
    211.4 kg. Saving: 120 km, 126.84 kg. Times (far end first): leave 08:00, D 09:00
    (40 km at 40 km/h), C 09:30 (15 min service + 15 min drive), B 10:00, A 10:30, R 11:00.
    """
    plan = solve_tours(load_tours_problem(TINY))
    assert plan.status == "feasible"
    (tour,) = plan.tours
    assert visits(tour) in (["D", "C", "B", "A"], ["A", "B", "C", "D"])
    assert (plan.totals.km, plan.totals.kg_co2e, plan.totals.tonnes) == (80.0, 84.56, 8.0)
    assert (plan.baseline.trips, plan.baseline.km, plan.baseline.kg_co2e) == (4, 200.0, 211.4)
    assert (plan.saved_km, plan.saved_kg_co2e) == (120.0, 126.84)
    assert tour.loaded_km + tour.empty_km == 80.0
    if visits(tour) == ["D", "C", "B", "A"]:
        assert (tour.loaded_km, tour.empty_km) == (40.0, 40.0)
        assert [s.arrival for s in tour.stops[:6]] == [
            "08:00",
            "09:00",
            "09:30",
            "10:00",
            "10:30",
            "11:00",
        ]
    assert [s.load_after_t for s in tour.stops if s.action == "pickup"] == [2.0, 4.0, 6.0, 8.0]
    delivery = next(s for s in tour.stops if s.action == "delivery")
    assert sorted(delivery.loads) == ["EA/1", "EB/1", "EC/1", "ED/1"] and delivery.tonnes == 8.0


def test_capacity_splits_the_tour():
    """8 t at A (10 km) and 8 t at B (20 km), a 10 t truck: never both on board.

    Best: two runs, R-A-R and R-B-R (in one shift or two), 20 + 40 = 60 km; a 20 t truck
    takes both in one run of 40 km.
    """
    exchanges = [exchange("EA", "A", 8), exchange("EB", "B", 8)]
    plan = solve(line_problem(exchanges))
    assert plan.totals.km == 60.0
    assert max(s.load_after_t for t in plan.tours for s in t.stops) == 8.0
    big = solve(line_problem(exchanges, [{"id": "big", "capacity_t": 20, "depot": "R"}]))
    assert big.totals.km == 40.0 and big.totals.tours == 1


def test_a_pickup_larger_than_any_truck_is_split_into_equal_loads():
    """25 t a month from A on a 10 t truck: three loads of 25/3 t, three runs of 20 km."""
    plan = solve(line_problem([exchange("E", "A", 25)]))
    assert [(x.id, x.tonnes) for x in plan.loads] == [
        ("E/1.1", 8.333),
        ("E/1.2", 8.333),
        ("E/1.3", 8.333),
    ]
    assert plan.totals.km == 60.0 and plan.baseline.km == 60.0 and plan.saved_km == 0.0
    assert plan.totals.tonnes == 25.0


def test_time_windows_order_the_stops_and_make_the_truck_wait():
    """A (10 km) closes at 08:20 and B (20 km) opens at 10:00.

    Without windows R-B-A-R and R-A-B-R are both 40 km; with them only R-A-B-R works:
    A at 08:15, then B reached at 08:45 but served from 10:00.
    """
    sites = {"A": {"close": "08:20"}, "B": {"open": "10:00"}}
    plan = solve(line_problem([exchange("EA", "A", 2), exchange("EB", "B", 2)], sites=sites))
    (tour,) = plan.tours
    assert visits(tour) == ["A", "B"] and plan.totals.km == 40.0
    assert [s.arrival for s in tour.stops if s.action == "pickup"] == ["08:15", "10:00"]
    # minutes after the shift start are the same rule
    same = {"A": {"close": 20}, "B": {"open": 120}}
    again = solve(line_problem([exchange("EA", "A", 2), exchange("EB", "B", 2)], sites=same))
    assert [s.arrival_min for s in again.tours[0].stops if s.action == "pickup"] == [15, 120]


def test_shift_length_splits_a_tour_in_two():
    """2 t at A and 2 t at B. One tour R-B-A-R takes 30+15+15+15+15+30 = 120 minutes
    (drives 30, 15, 15; service 15 at B, 15 at A, 2 x 15 unloading at R); a 100-minute
    shift cannot, so two shifts: R-A-R (60 min, 20 km) and R-B-R (90 min, 40 km), 60 km.
    """
    exchanges = [exchange("EA", "A", 2), exchange("EB", "B", 2)]
    assert solve(line_problem(exchanges, max_shift_minutes=120)).totals.km == 40.0
    plan = solve(line_problem(exchanges, max_shift_minutes=100))
    assert plan.totals.tours == 2 and plan.totals.km == 60.0
    assert sorted(t.stops[-1].arrival_min for t in plan.tours) == [60, 90]


def test_a_load_no_shift_can_take_is_listed_unserved():
    """D is 40 km away: out and back with service is 60 + 15 + 60 + 15 = 150 minutes, more
    than a 60-minute shift. The plan says so and still plans A (60 minutes, 20 km)."""
    plan = solve(line_problem([exchange("ED", "D", 2), exchange("EA", "A", 2)],
                              max_shift_minutes=60))  # fmt: skip
    assert plan.status == "partial" and plan.unserved == ("ED/1",)
    assert "1 of 2 loads fit no tour" in plan.message and "shift length" in plan.message
    assert plan.totals.km == 20.0 and plan.baseline.km == 20.0 and plan.baseline.trips == 1
    assert ToursPlan.from_json(plan.to_json()) == plan


def test_no_exchanges_is_an_empty_plan():
    plan = solve(line_problem([]))
    assert (plan.status, plan.tours, plan.totals.km, plan.baseline.trips) == ("feasible", (), 0, 0)


def test_shift_start_moves_the_clock_not_the_rules():
    """A shift starting at 06:00: A (10 km) at 06:15; its window "06:00"-"06:20" is the
    same as 0-20 minutes after the shift start."""
    sites = {"A": {"open": "06:00", "close": "06:20"}}
    plan = solve(line_problem([exchange("EA", "A", 2)], sites=sites, shift_start="06:00"))
    pickup = next(s for s in plan.tours[0].stops if s.action == "pickup")
    assert (pickup.arrival, pickup.arrival_min) == ("06:15", 15)


def test_nothing_fits_says_so():
    plan = solve(line_problem([exchange("ED", "D", 2)], max_shift_minutes=60))
    assert plan.status == "partial" and plan.unserved == ("ED/1",) and plan.tours == ()
    assert plan.message.endswith("give the search more time")


def test_hazardous_loads_only_on_hazardous_vehicles():
    """A plain truck waits at R; the hazardous tanker is based at D (km 40).

    The acid at A must go on the tanker: D-A-R-D = 30 + 10 + 40 = 80 km, though the
    plain truck would do it in 20 km.
    """
    vehicles = [
        {"id": "plain", "capacity_t": 10, "depot": "R"},
        {"id": "tanker", "capacity_t": 10, "depot": "D", "hazardous": True},
    ]
    plan = solve(line_problem([exchange("H", "A", 2, hazardous=True)], vehicles))
    (tour,) = plan.tours
    assert tour.vehicle == "tanker" and plan.totals.km == 80.0


def test_hazardous_loads_are_never_mixed_with_others():
    """Acid at A and plastics at B, one hazardous 20 t truck at R.

    Together R-B-A-R would be 40 km; the acid must ride alone, so R-A-R and R-B-R: 60 km.
    """
    vehicles = [{"id": "tanker", "capacity_t": 20, "depot": "R", "hazardous": True}]
    exchanges = [exchange("H", "A", 2, hazardous=True), exchange("P", "B", 2)]
    plan = solve(line_problem(exchanges, vehicles))
    assert plan.totals.km == 60.0
    for tour in plan.tours:
        for before, stop in zip(tour.stops, tour.stops[1:], strict=False):
            if "H/1" in stop.loads and stop.action == "pickup":
                assert before.load_after_t == 0.0 and stop.load_after_t == 2.0
                after = tour.stops[tour.stops.index(stop) + 1]
                assert after.action == "delivery" and after.loads == ("H/1",)


def test_backhaul_replaces_an_empty_return():
    """Slag from B to D and gypsum from D back to B (20 km apart), one truck based at B.

    B (load the slag) - D (unload it, load the gypsum) - B: 40 km, none of it empty.
    Trucked alone: 2 x 2 x 20 = 80 km, half of it empty.
    """
    exchanges = [exchange("S", "B", 5, receiver="D"), exchange("G", "D", 5, receiver="B")]
    plan = solve(line_problem(exchanges, [{"id": "truck", "capacity_t": 10, "depot": "B"}]))
    (tour,) = plan.tours
    assert (tour.km, tour.loaded_km, tour.empty_km) == (40.0, 40.0, 0.0)
    # at D the truck may load the gypsum before or after unloading the slag (10 t hold both)
    assert sorted((s.site, s.action, s.loads) for s in tour.stops[1:-1]) == [
        ("B", "delivery", ("G/1",)),
        ("B", "pickup", ("S/1",)),
        ("D", "delivery", ("S/1",)),
        ("D", "pickup", ("G/1",)),
    ]
    assert [s.site for s in tour.stops] == ["B", "B", "D", "D", "B", "B"]
    assert (plan.baseline.km, plan.baseline.empty_km, plan.saved_km) == (80.0, 40.0, 40.0)


def test_pickups_of_one_exchange_are_in_different_shifts():
    """Weekly, 4 t a month: four 1 t pickups at B, one a week, 4 x 40 km."""
    plan = solve(line_problem([exchange("W", "B", 4, frequency="weekly")]))
    assert plan.totals.tours == 4 and plan.totals.km == 160.0
    assert sorted(s.loads for t in plan.tours for s in t.stops if s.action == "pickup") == [
        ("W/1",),
        ("W/2",),
        ("W/3",),
        ("W/4",),
    ]
    # one pickup a week: days 1-5, 6-10, 11-15, 16-20 of a 20-day month
    assert sorted((t.day - 1) // 5 for t in plan.tours) == [0, 1, 2, 3]


def test_emission_factors_per_km_empty_and_loaded():
    """The tiny tour with 0.8 kg/km empty and 1.2 loaded: far end first is 40 x 0.8 +
    40 x 1.2 = 80 kg; the baseline 100 x 0.8 + 100 x 1.2 = 200 kg."""
    data = json.loads(TINY.read_text())
    data["vehicles"][0].update(kg_co2e_per_km_empty=0.8, kg_co2e_per_km_loaded=1.2)
    plan = solve(data)
    (tour,) = plan.tours
    expected = 80.0 if visits(tour)[0] == "D" else 0.8 * 10 + 1.2 * 70
    assert plan.totals.kg_co2e == expected and plan.baseline.kg_co2e == 200.0


def test_plan_json_round_trip_and_same_result_twice():
    first = solve_tours(load_tours_problem(TINY))
    assert ToursPlan.from_json(first.to_json()) == first
    second = solve_tours(load_tours_problem(TINY))
    strip = [json.loads(p.to_json()) for p in (first, second)]
    for p in strip:
        del p["solver"]["solve_s"]
    assert strip[0] == strip[1]


def test_command_line_writes_the_plan(tmp_path, capsys):
    out = tmp_path / "plan.json"
    assert main(["tours", str(TINY), "-o", str(out)]) == 0
    plan = json.loads(out.read_text())
    assert plan["format"] == "symbiosis-tours-plan/1" and plan["totals"]["km"] == 80.0
    err = capsys.readouterr().err
    assert err.startswith("feasible: 1 tours, 80.0 km") and "saved 120.0 km" in err


def test_python_dash_m_tours():
    run = subprocess.run(
        [sys.executable, "-m", "matching", "tours", str(TINY), "--solution-limit", "50"],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["baseline"]["km"] == 200.0


BAD = [
    (lambda d: d.update(format="symbiosis-problem/1"),
     "problem: format must be \"symbiosis-tours/1\" ('symbiosis-problem/1')"),
    (lambda d: d["sites"][1].update(lat=95), 'sites[1] (id "A"): lat must be between -90 and 90 (95)'),
    (lambda d: d["sites"][1].update(open="25:00"),
     'sites[1] (id "A"): open must be "HH:MM" or whole minutes after the shift start ("25:00")'),
    (lambda d: d["sites"][1].update(open="10:00", close="09:00"),
     "sites[1] (id \"A\"): close must be later than open ('09:00')"),
    (lambda d: d["sites"].append(dict(d["sites"][0])), 'sites[5] (id "R"): id is a duplicate'),
    (lambda d: d["exchanges"][0].update(frequency="daily"),
     "exchanges[0] (id \"EA\"): frequency must be one of weekly, biweekly, monthly ('daily')"),
    (lambda d: d["exchanges"][0].update(supplier="Z"),
     'exchanges[0] (id "EA"): supplier names no known site ("Z")'),
    (lambda d: d["exchanges"][0].update(receiver="A"),
     'exchanges[0] (id "EA"): receiver must differ from supplier ("A")'),
    (lambda d: d["exchanges"][0].update(monthly_tonnes=0),
     'exchanges[0] (id "EA"): monthly_tonnes must be a finite number > 0'),
    (lambda d: d["exchanges"][0].update(monthly_tonnes="2 t"),
     'exchanges[0] (id "EA"): monthly_tonnes must be a number'),
    (lambda d: d["exchanges"][1].update(hazardous=True),
     'exchanges[1] (id "EB"): hazardous is true but no vehicle has hazardous: true'),
    (lambda d: d["vehicles"][0].update(capacity_t=-3),
     'vehicles[0] (id "truck"): capacity_t must be a finite number > 0'),
    (lambda d: d["vehicles"][0].update(count=0),
     'vehicles[0] (id "truck"): count must be a whole number >= 1 (0)'),
    (lambda d: d["vehicles"][0].update(depot="yard"),
     'vehicles[0] (id "truck"): depot names no known site ("yard")'),
    (lambda d: d.update(vehicles=[]), "problem: vehicles must list at least one vehicle"),
    (lambda d: d["distances_km"][0].update(km=-1), "distances_km[0]: km must be a finite number >= 0"),
    (lambda d: d["options"].update(max_shift_minutes=7.5),
     "options: max_shift_minutes must be a whole number >= 1 (7.5)"),
    (lambda d: d["options"].update(shift_start="8h"), "options: shift_start must be \"HH:MM\" ('8h')"),
]  # fmt: skip


@pytest.mark.parametrize(("spoil", "message"), BAD)
def test_bad_input_is_refused_naming_the_field(spoil, message):
    data = copy.deepcopy(line_problem([exchange("EA", "A", 2), exchange("EB", "B", 2)]))
    spoil(data)
    with pytest.raises(ProblemError) as err:
        load_tours_problem(data)
    assert str(err.value).startswith(message)


def test_bad_input_exits_2_without_traceback(tmp_path):
    data = line_problem([exchange("EA", "A", 2, frequency="fortnightly")])
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    run = subprocess.run(
        [sys.executable, "-m", "matching", "tours", str(path)],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.startswith('error: exchanges[0] (id "EA"): frequency must be one of')
    assert "fortnightly" in run.stderr and "Traceback" not in run.stderr
    assert main(["tours", str(tmp_path / "missing.json"), "-q"]) == 2


def test_unserved_loads_exit_1(tmp_path):
    path = tmp_path / "short.json"
    path.write_text(json.dumps(line_problem([exchange("ED", "D", 2)], max_shift_minutes=60)))
    assert main(["tours", str(path), "-q", "-o", str(tmp_path / "plan.json")]) == 1


@pytest.mark.parametrize("name", ["problem", "plan", "model", "solve"])
def test_docstring_examples(name):
    # tests/matching/test_docstring_examples.py lists matching's own modules, not these
    module = importlib.import_module(f"matching.tours.{name}")
    assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0
