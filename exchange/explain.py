"""Why an offer found no partner, in figures a coordinator can read back to a factory.

The matcher gives the reason; this finds what decided it in the stored problem: the nearest
taker and its distance limit, the property that failed, the emissions a move would cost.
The problem is indexed once per run (`Explainer`): a park of thousands of unmatched offers
and wants is explained in a fraction of the solve's time.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from matching.sites import great_circle_km as great_circle_km_radians

EARTH_KM = 6371.0088
DEFAULT_MODES = {"truck": {"kg_co2e_per_tkm": 0.107}}


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


class _Takers:
    """The sinks that accept one material, as arrays for distances over all of them at once."""

    def __init__(self, sinks: list[dict], modes: dict):
        self.sinks = sinks
        self.lat = np.radians([k["lat"] for k in sinks])
        self.lon = np.radians([k["lon"] for k in sinks])
        self.permit = np.array([bool(k.get("hazardous_permit")) for k in sinks], dtype=bool)
        self.demanding = [i for i, k in enumerate(sinks) if k.get("requirements")]
        self.by_mode = {
            m: np.array([m in k.get("modes", ["truck"]) for k in sinks], dtype=bool) for m in modes
        }
        self.position = {k["id"]: i for i, k in enumerate(sinks)}


class Explainer:
    """One stored problem, indexed once, explaining any number of its unmatched sources."""

    def __init__(self, problem: dict[str, Any]):
        self.modes = problem.get("modes") or DEFAULT_MODES
        self.sources = {s["id"]: s for s in problem["sources"]}
        by_material: dict[str, list[dict]] = {}
        for sink in problem["sinks"]:
            accepts = sink.get("accepts", {})
            for material in accepts:
                by_material.setdefault(material, []).append(sink)
        self.takers = {m: _Takers(sinks, self.modes) for m, sinks in by_material.items()}
        self.forbidden: dict[str, set[str]] = {}
        for pair in problem.get("forbidden", []):  # a forbidden pair counts as absent
            self.forbidden.setdefault(pair["source"], set()).add(pair["sink"])
        # given road km: the first entry for a pair that serves the mode wins
        self.given: dict[str, dict[str, list[tuple[str | None, float]]]] = {}
        for d in problem.get("distances_km", []):
            pairs = self.given.setdefault(d["source"], {})
            pairs.setdefault(d["sink"], []).append((d.get("mode"), d["km"]))

    def explain(self, source_id: str, reason: str) -> dict[str, Any]:
        """What decided `reason` for this source: a small dict the run page puts into words."""
        source = self.sources[source_id]
        takers = self.takers.get(source["material"])
        if takers is None:
            return {"takers": 0} if reason == "no-hazardous-permit" else {}
        mask = np.ones(len(takers.sinks), dtype=bool)
        for sink in self.forbidden.get(source_id, ()):
            if sink in takers.position:
                mask[takers.position[sink]] = False
        if reason == "no-hazardous-permit":
            return {"takers": int(mask.sum())}
        if source.get("hazardous"):
            mask &= takers.permit
        lat, lon = math.radians(source["lat"]), math.radians(source["lon"])
        failures = [(i, f) for i in takers.demanding
                    if mask[i] and (f := _quality_failure(source, takers.sinks[i]))]  # fmt: skip
        if reason == "quality-mismatch" and failures:
            near = great_circle_km_radians(lat, lon, takers.lat, takers.lon)
            i, failure = min(failures, key=lambda f: near[f[0]])
            return {**failure, "sink": takers.sinks[i]["id"]}
        for i, _failure in failures:
            mask[i] = False
        return self._nearest(source, takers, mask, reason, lat, lon)

    def _nearest(self, source, takers: _Takers, mask, reason, lat, lon) -> dict[str, Any]:
        best: tuple[float, str, int] | None = None
        gc = great_circle_km_radians(lat, lon, takers.lat, takers.lon)
        given = self.given.get(source["id"], {})
        for mode in source.get("modes", ["truck"]):
            if mode not in self.modes:
                continue
            km = gc * self.modes[mode].get("circuity", 1.3)
            for sink, entries in given.items():
                if sink in takers.position:
                    hit = next((k for m, k in entries if m in (None, mode)), None)
                    if hit is not None:
                        km[takers.position[sink]] = hit
            allowed = np.flatnonzero(mask & takers.by_mode[mode])
            if len(allowed):
                i = int(allowed[np.argmin(km[allowed])])
                if best is None or km[i] < best[0]:
                    best = (float(km[i]), mode, i)
        if best is None:
            return {}
        km, mode, i = best
        sink = takers.sinks[i]
        detail: dict[str, Any] = {"sink": sink["id"], "km": round(km, 1), "mode": mode}
        if reason == "beyond-distance":
            limits = [x for x in (source.get("max_km"), sink.get("max_km")) if x is not None]
            detail["max_km"] = min(limits) if limits else None
        if reason == "not-worth-transport":
            per_t = km * self.modes[mode]["kg_co2e_per_tkm"]
            avoided = (_accepts(sink, source["material"]) or {}).get("avoided_kg_co2e_per_t", 0)
            detail["transport_kg_co2e_per_t"] = round(per_t, 2)
            detail["saved_kg_co2e_per_t"] = round(
                source.get("disposal_kg_co2e_per_t", 0) + avoided, 2
            )
        return detail


def explain_unmatched(problem: dict[str, Any], source_id: str, reason: str) -> dict[str, Any]:
    """What decided `reason` for one source (for many, index the problem once: `Explainer`)."""
    return Explainer(problem).explain(source_id, reason)
