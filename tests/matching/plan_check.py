"""Helpers for the matching tests: the example files and a plan check independent of the code."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from matching import Plan, Problem

# copies of ../shared/examples kept in the repository (a bare clone has no ../shared); the two
# large problems are gzipped, which matching.load_problem and the command line read as they are
EXAMPLES = Path(__file__).parent / "examples"
EARTH_RADIUS_KM = 6371.0088


def example(name: str) -> Path:
    """The problem file of the example `name`: `examples/NAME.json`, or `.json.gz` for a large one."""
    plain = EXAMPLES / f"{name}.json"
    return plain if plain.exists() else EXAMPLES / f"{name}.json.gz"


def expected(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.expected.json").read_text())


def km_between(source, sink) -> float:
    """Haversine, written again with math rather than numpy."""
    p1, p2 = math.radians(source.lat), math.radians(sink.lat)
    dp, dl = p2 - p1, math.radians(sink.lon - source.lon)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def assert_feasible(problem: Problem, plan: Plan, tol: float = 1e-6) -> None:
    """Check a plan against the problem alone: the rules, quantities and every figure."""
    sources = {s.id: s for s in problem.sources}
    sinks = {s.id: s for s in problem.sinks}
    forbidden = {(p.source, p.sink) for p in problem.forbidden}
    shipped = dict.fromkeys(sources, 0.0)
    received = dict.fromkeys(sinks, 0.0)
    saved = 0.0
    for e in plan.exchanges:
        src, snk = sources[e.source], sinks[e.sink]
        assert e.tonnes > 0 and (e.source, e.sink) not in forbidden
        assert src.material in snk.accepts and e.material == src.material
        assert not src.hazardous or snk.hazardous_permit
        for prop, (low, high) in snk.requirements.items():
            value = src.properties[prop]
            assert (low is None or value >= low) and (high is None or value <= high)
        mode = problem.modes[e.mode]
        assert e.mode in src.modes and e.mode in snk.modes
        override = [
            d.km
            for d in problem.distances_km
            if (d.source, d.sink) == (e.source, e.sink) and d.mode in (None, e.mode)
        ]
        km = override[-1] if override else km_between(src, snk) * mode.circuity
        assert e.km == pytest.approx(km, rel=1e-9)
        limits = [x for x in (src.max_km, snk.max_km) if x is not None]
        assert e.km <= min(limits, default=math.inf) * (1 + 1e-12)
        assert e.transport_kg_co2e == pytest.approx(e.tonnes * km * mode.kg_co2e_per_tkm)
        assert e.disposal_avoided_kg_co2e == pytest.approx(e.tonnes * src.disposal_kg_co2e_per_t)
        assert e.virgin_avoided_kg_co2e == pytest.approx(e.tonnes * snk.accepts[src.material])
        net = e.disposal_avoided_kg_co2e + e.virgin_avoided_kg_co2e - e.transport_kg_co2e
        assert e.net_saved_kg_co2e == pytest.approx(net)
        shipped[e.source] += e.tonnes
        received[e.sink] += e.tonnes
        saved += net
    for sid, t in shipped.items():
        assert t <= sources[sid].tonnes + tol * max(1.0, sources[sid].tonnes)
    for sid, t in received.items():
        assert t <= sinks[sid].capacity_t + tol * max(1.0, sinks[sid].capacity_t)
    flows = {(e.source, e.sink): e.tonnes for e in plan.exchanges}
    for lock in problem.locked:
        assert flows.get((lock.source, lock.sink), 0.0) == pytest.approx(lock.tonnes, abs=tol)
    baseline = math.fsum(s.tonnes * s.disposal_kg_co2e_per_t for s in problem.sources)
    assert plan.baseline_kg_co2e == pytest.approx(baseline, rel=1e-12)
    assert plan.objective_kg_co2e == pytest.approx(baseline - saved, rel=1e-9, abs=1e-6)
    assert plan.saved_kg_co2e == pytest.approx(saved, rel=1e-9, abs=1e-6)
    left = {sid: sources[sid].tonnes - shipped[sid] for sid in sources}
    listed = {u.source: u.tonnes for u in plan.unmatched}
    assert set(listed) == {sid for sid, t in left.items() if t >= 1e-6}
    for sid, t in listed.items():
        assert t == pytest.approx(left[sid], abs=tol)


def reference_arcs(problem: Problem) -> dict[tuple[str, str], float]:
    """(source id, sink id) -> kg CO2e per tonne shipped, by the contract's rules pair by pair."""
    forbidden = {(p.source, p.sink) for p in problem.forbidden}
    arcs = {}
    for src in problem.sources:
        for snk in problem.sinks:
            if src.material not in snk.accepts or (src.id, snk.id) in forbidden:
                continue
            if src.hazardous and not snk.hazardous_permit:
                continue
            if not all(_within(src.properties.get(p), b) for p, b in snk.requirements.items()):
                continue
            limit = min(x for x in (src.max_km, snk.max_km, math.inf) if x is not None)
            emissions = [
                _km(problem, src, snk, name) * mode.kg_co2e_per_tkm
                for name, mode in problem.modes.items()
                if name in src.modes and name in snk.modes
                and _km(problem, src, snk, name) <= limit
            ]  # fmt: skip
            if emissions:
                cost = min(emissions) - snk.accepts[src.material] - src.disposal_kg_co2e_per_t
                arcs[src.id, snk.id] = cost
    return arcs


def _within(value, bounds) -> bool:
    low, high = bounds
    return value is not None and (low is None or value >= low) and (high is None or value <= high)


def _km(problem: Problem, src, snk, mode: str) -> float:
    entries = {d.mode: d.km for d in problem.distances_km if (d.source, d.sink) == (src.id, snk.id)}
    if mode in entries:
        return entries[mode]
    if None in entries:
        return entries[None]
    return km_between(src, snk) * problem.modes[mode].circuity
