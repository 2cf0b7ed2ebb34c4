"""Every bad-input rule of the contract: refused with a message naming the field and the item."""

from __future__ import annotations

import copy
import json
import math

import pytest

from matching import ProblemError, load_problem, solve


def valid() -> dict:
    return {
        "format": "symbiosis-problem/1",
        "modes": {"truck": {"kg_co2e_per_tkm": 0.107, "circuity": 1.3}},
        "sources": [
            {"id": "S1", "lat": 37.3, "lon": 126.7, "material": "ash", "tonnes": 10,
             "disposal_kg_co2e_per_t": 20, "properties": {"moisture_pct": 5}},
        ],
        "sinks": [
            {"id": "D1", "lat": 37.31, "lon": 126.71, "capacity_t": 5,
             "accepts": {"ash": {"avoided_kg_co2e_per_t": 3}},
             "requirements": {"moisture_pct": {"max": 10}}},
            {"id": "D2", "lat": 37.32, "lon": 126.72, "capacity_t": 5, "accepts": ["slag"]},
        ],
        "distances_km": [{"source": "S1", "sink": "D1", "mode": "truck", "km": 3}],
        "locked": [{"source": "S1", "sink": "D1", "tonnes": 2}],
        "forbidden": [{"source": "S1", "sink": "D2"}],
        "options": {"min_lot_t": 0, "solver": "auto", "time_limit_s": 10},
    }  # fmt: skip


def test_the_valid_problem_solves():
    plan = solve(load_problem(valid()))
    # the locked pair carries exactly its 2 t, even though D1 could take 5
    assert plan.status == "optimal" and plan.exchanges[0].tonnes == 2


def _set(path: str, value):
    """A change to the valid problem: `value` at a dotted path (`...` deletes the key)."""

    def change(data):
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        for p in parents:
            data = data[p]
        if value is ...:
            del data[last]
        else:
            data[last] = value

    return change


S1, D1 = 'sources[0] (id "S1")', 'sinks[0] (id "D1")'
CASES = [
    ("format", _set("format", "symbiosis-problem/2"), "problem: format"),
    ("sources missing", _set("sources", ...), "problem: sources is missing"),
    ("sinks not a list", _set("sinks", {}), "problem: sinks must be a list"),
    ("source not an object", _set("sources.0", 3), "sources[0]: must be a JSON object"),
    ("missing tonnes", _set("sources.0.tonnes", ...), f"{S1}: tonnes is missing"),
    ("missing id", _set("sources.0.id", ...), "sources[0]: id is missing"),
    ("empty id", _set("sources.0.id", ""), 'sources[0] (id ""): id must be a non-empty string'),
    ("missing material", _set("sources.0.material", ...), f"{S1}: material is missing"),
    ("missing accepts", _set("sinks.0.accepts", ...), f"{D1}: accepts is missing"),
    ("negative tonnes", _set("sources.0.tonnes", -1), f"{S1}: tonnes must be a finite number >= 0"),
    ("nan tonnes", _set("sources.0.tonnes", math.nan), f"{S1}: tonnes must be a finite number"),
    ("infinite capacity", _set("sinks.0.capacity_t", math.inf), f"{D1}: capacity_t must be"),
    ("text tonnes", _set("sources.0.tonnes", "10"), f"{S1}: tonnes must be a number"),
    ("bool tonnes", _set("sources.0.tonnes", True), f"{S1}: tonnes must be a number"),
    ("negative disposal", _set("sources.0.disposal_kg_co2e_per_t", -5), f"{S1}: disposal_kg"),
    ("negative capacity", _set("sinks.0.capacity_t", -5), f"{D1}: capacity_t must be"),
    ("negative avoided", _set("sinks.0.accepts.ash.avoided_kg_co2e_per_t", -1),
     f'{D1} accepts["ash"]: avoided_kg_co2e_per_t must be'),
    ("negative max_km", _set("sinks.0.max_km", -1), f"{D1}: max_km must be"),
    ("latitude", _set("sources.0.lat", 91), f"{S1}: lat must be between -90 and 90"),
    ("longitude", _set("sinks.0.lon", -180.5), f"{D1}: lon must be between -180 and 180"),
    ("hazardous", _set("sources.0.hazardous", "yes"), f"{S1}: hazardous must be true or false"),
    ("permit", _set("sinks.0.hazardous_permit", 1), f"{D1}: hazardous_permit must be true"),
    ("property", _set("sources.0.properties.moisture_pct", "wet"),
     f"{S1} properties: moisture_pct must be a number"),
    ("requirement", _set("sinks.0.requirements.moisture_pct.max", math.nan),
     f'{D1} requirements["moisture_pct"]: max must be a finite number'),
    ("accepts type", _set("sinks.0.accepts", "ash"), f"{D1}: accepts must be a list"),
    ("site modes", _set("sinks.0.modes", "truck"), f"{D1}: modes must be a list"),
    ("duplicate source id", lambda d: d["sources"].append(copy.deepcopy(d["sources"][0])),
     'sources[1] (id "S1"): id is a duplicate'),
    ("duplicate sink id", _set("sinks.1.id", "D1"), 'sinks[1] (id "D1"): id is a duplicate'),
    ("mode factor", _set("modes.truck.kg_co2e_per_tkm", -0.1), 'modes["truck"]: kg_co2e_per_tkm'),
    ("mode circuity", _set("modes.truck.circuity", 0), 'modes["truck"]: circuity must be'),
    ("no modes", _set("modes", {}), "problem: modes must be a non-empty JSON object"),
    ("distance unknown mode", _set("distances_km.0.mode", "barge"),
     'distances_km[0]: mode is an unknown mode ("barge")'),
    ("distance unknown source", _set("distances_km.0.source", "S9"),
     'distances_km[0]: source names no known source ("S9")'),
    ("distance km", _set("distances_km.0.km", -3), "distances_km[0]: km must be"),
    ("locked unknown sink", _set("locked.0.sink", "D9"), 'locked[0]: sink names no known sink'),
    ("locked tonnes", _set("locked.0.tonnes", -2), "locked[0]: tonnes must be"),
    ("locked duplicate", lambda d: d["locked"].append(dict(d["locked"][0])),
     "locked[1]: the pair S1 -> D1 is a duplicate"),
    ("forbidden unknown", _set("forbidden.0.source", "S0"), "forbidden[0]: source names no known"),
    ("min lot", _set("options.min_lot_t", -1), "options: min_lot_t must be"),
    ("partners", _set("options.max_partners_per_source", 1.5), "options: max_partners_per_source"),
    ("partners below 0", _set("options.max_partners_per_sink", -1), "options: max_partners_per"),
    ("solver", _set("options.solver", "gurobi"), "options: solver must be one of"),
    ("time limit", _set("options.time_limit_s", 0), "options: time_limit_s must be"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_naming_field_and_item(change, message):
    data = valid()
    change(data)
    with pytest.raises(ProblemError) as err:
        load_problem(data)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set("locked.0.sink", "D2"), "locked[0]: the pair S1 -> D2 is not an arc"),
        (lambda d: d["forbidden"].append({"source": "S1", "sink": "D1"}), "locked[0]: the pair"),
        (_set("sources.0.properties.moisture_pct", 50), "locked[0]: the pair S1 -> D1 is not"),
    ],
    ids=["material", "forbidden", "quality"],
)
def test_a_locked_pair_that_is_no_arc_is_refused(change, message):
    data = valid()
    change(data)
    problem = load_problem(data)
    with pytest.raises(ProblemError) as err:
        solve(problem)
    assert message in str(err.value)


def test_malformed_json_names_the_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "symbiosis-problem/1", "sources": [')
    with pytest.raises(ProblemError, match="broken.json: malformed JSON"):
        load_problem(path)


def test_nan_in_a_file_is_refused(tmp_path):
    path = tmp_path / "nan.json"
    path.write_text(json.dumps(valid()).replace('"tonnes": 10', '"tonnes": NaN'))
    with pytest.raises(ProblemError, match=r'sources\[0\] \(id "S1"\): tonnes must be a finite'):
        load_problem(path)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(ProblemError, match="cannot read the file"):
        load_problem(tmp_path / "nope.json")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set("sources.0.modes", ["rail"]),
         f'{S1}: modes names a mode the file does not define ("rail"; defined: truck)'),
        (_set("sinks.1.modes", ["truck", "truk"]),
         'sinks[1] (id "D2"): modes names a mode the file does not define ("truk"'),
        (lambda d: d.pop("modes") and d["sinks"][0].update(modes=["barge"]),
         f'{D1}: modes names a mode the file does not define ("barge"; defined: truck)'),
    ],
    ids=["source", "sink typo", "default modes"],
)  # fmt: skip
def test_a_site_mode_the_file_does_not_define_is_refused(change, message):
    # a typo must never pass as no-common-mode
    data = valid()
    change(data)
    with pytest.raises(ProblemError) as err:
        load_problem(data)
    assert message in str(err.value)


def test_a_site_with_a_defined_mode_nobody_shares_is_no_common_mode():
    data = valid()
    data["modes"]["rail"] = {"kg_co2e_per_tkm": 0.028}
    data["sources"][0]["modes"] = ["rail"]
    data["locked"] = []
    plan = solve(load_problem(data))
    assert [(u.reason, u.detail) for u in plan.unmatched] == [("no-common-mode", {"sink": "D1"})]
