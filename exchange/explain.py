"""Why an offer found no partner, in figures a coordinator can read back to a factory.

The matcher gives the reason; this finds what decided it in the stored problem: the nearest
taker and its distance limit, the property that failed, the emissions a move would cost.
"""

from __future__ import annotations

import math
from typing import Any

EARTH_KM = 6371.0088


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_KM * math.asin(math.sqrt(a))


def _accepts(sink: dict, material: str) -> dict | None:
    accepts = sink.get("accepts", {})
    if isinstance(accepts, list):
        return {} if material in accepts else None
    return accepts.get(material)


def _quality_failure(source: dict, sink: dict) -> dict | None:
    for key, bounds in (sink.get("requirements") or {}).items():
        value = (source.get("properties") or {}).get(key)
        if value is None:
            return {"property": key, "value": None, **bounds}
        if ("min" in bounds and value < bounds["min"]) or (
            "max" in bounds and value > bounds["max"]
        ):
            return {"property": key, "value": value, **bounds}
    return None


def _road_km(problem: dict, source: dict, sink: dict, mode: str) -> float:
    for d in problem.get("distances_km", []):
        if d["source"] == source["id"] and d["sink"] == sink["id"] and d.get("mode", mode) == mode:
            return d["km"]
    circuity = problem.get("modes", {}).get(mode, {}).get("circuity", 1.3)
    return great_circle_km(source["lat"], source["lon"], sink["lat"], sink["lon"]) * circuity


def explain_unmatched(problem: dict[str, Any], source_id: str, reason: str) -> dict[str, Any]:
    """What decided `reason` for this source: a small dict the run page puts into words."""
    source = next(s for s in problem["sources"] if s["id"] == source_id)
    takers = [k for k in problem["sinks"] if _accepts(k, source["material"]) is not None]
    if reason == "no-hazardous-permit":
        return {"takers": len(takers)}
    if source.get("hazardous"):
        takers = [k for k in takers if k.get("hazardous_permit")]
    if reason == "quality-mismatch" and takers:
        failures = [(f, k) for k in takers if (f := _quality_failure(source, k))]
        nearest = min(
            failures,
            key=lambda fk: great_circle_km(
                source["lat"], source["lon"], fk[1]["lat"], fk[1]["lon"]
            ),
        )
        return {**nearest[0], "sink": nearest[1]["id"]}
    takers = [k for k in takers if _quality_failure(source, k) is None]
    modes = problem.get("modes") or {"truck": {"kg_co2e_per_tkm": 0.107}}
    options = []
    for k in takers:
        for mode in (
            set(source.get("modes", ["truck"])) & set(k.get("modes", ["truck"])) & set(modes)
        ):
            km = _road_km(problem, source, k, mode)
            options.append((km, mode, k))
    if not options:
        return {}
    km, mode, sink = min(options, key=lambda o: o[0])
    detail: dict[str, Any] = {"sink": sink["id"], "km": round(km, 1), "mode": mode}
    if reason == "beyond-distance":
        limits = [x for x in (source.get("max_km"), sink.get("max_km")) if x is not None]
        detail["max_km"] = min(limits) if limits else None
    if reason == "not-worth-transport":
        per_t = km * modes[mode]["kg_co2e_per_tkm"]
        avoided = (_accepts(sink, source["material"]) or {}).get("avoided_kg_co2e_per_t", 0)
        detail["transport_kg_co2e_per_t"] = round(per_t, 2)
        detail["saved_kg_co2e_per_t"] = round(source.get("disposal_kg_co2e_per_t", 0) + avoided, 2)
    return detail
