"""The `symbiosis-problem/1` input: frozen dataclasses, loading and validation.

Everything that can be wrong with a problem file is caught here (or, for a locked pair
that is no arc, in `matching.arcs`) and raised as a `ProblemError` whose message names
the field and the item, so the command line can refuse it without a traceback.
"""

from __future__ import annotations

import gc
import gzip
import json
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from matching.fields import Item, ProblemError, items

__all__ = [
    "FORMAT",
    "Distance",
    "Locked",
    "Mode",
    "Options",
    "Pair",
    "Problem",
    "ProblemError",
    "Sink",
    "Source",
    "load_problem",
]

FORMAT = "symbiosis-problem/1"
DEFAULT_MODES = {"truck": {"kg_co2e_per_tkm": 0.107, "circuity": 1.3}}
SOLVERS = ("auto", "highs", "cbc", "min-cost-flow")


@dataclass(frozen=True)
class Mode:
    name: str
    kg_co2e_per_tkm: float
    circuity: float = 1.3


@dataclass(frozen=True)
class Source:
    id: str
    lat: float
    lon: float
    material: str
    tonnes: float
    disposal_kg_co2e_per_t: float
    hazardous: bool = False
    properties: dict[str, float] = field(default_factory=dict)
    modes: tuple[str, ...] = ("truck",)
    max_km: float | None = None


@dataclass(frozen=True)
class Sink:
    id: str
    lat: float
    lon: float
    capacity_t: float
    # material -> avoided kg CO2e per tonne of virgin material replaced
    accepts: dict[str, float]
    # property -> (min, max), None where the sink sets no bound
    requirements: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    hazardous_permit: bool = False
    modes: tuple[str, ...] = ("truck",)
    max_km: float | None = None


@dataclass(frozen=True)
class Distance:
    source: str
    sink: str
    mode: str | None
    km: float


@dataclass(frozen=True)
class Pair:
    source: str
    sink: str


@dataclass(frozen=True)
class Locked:
    source: str
    sink: str
    tonnes: float


@dataclass(frozen=True)
class Options:
    min_lot_t: float = 0.0
    max_partners_per_source: int | None = None
    max_partners_per_sink: int | None = None
    solver: str = "auto"
    time_limit_s: float | None = None

    @property
    def mixed_integer(self) -> bool:
        """True when an option makes the problem a mixed-integer program."""
        return (
            self.min_lot_t > 0
            or self.max_partners_per_source is not None
            or self.max_partners_per_sink is not None
        )


@dataclass(frozen=True)
class Problem:
    name: str
    period: str
    modes: dict[str, Mode]
    sources: tuple[Source, ...]
    sinks: tuple[Sink, ...]
    distances_km: tuple[Distance, ...] = ()
    locked: tuple[Locked, ...] = ()
    forbidden: tuple[Pair, ...] = ()
    options: Options = Options()

    @cached_property
    def source_index(self) -> dict[str, int]:
        """Source id -> position in `sources`."""
        return {s.id: k for k, s in enumerate(self.sources)}

    @cached_property
    def sink_index(self) -> dict[str, int]:
        """Sink id -> position in `sinks`."""
        return {s.id: k for k, s in enumerate(self.sinks)}

    @property
    def baseline_kg_co2e(self) -> float:
        """Emissions if every source disposes of everything."""
        return math.fsum(s.disposal_kg_co2e_per_t * s.tonnes for s in self.sources)


def load_problem(path_or_dict: str | Path | dict[str, Any]) -> Problem:
    """Read and validate a `symbiosis-problem/1` file (path) or an already parsed dict.

    >>> p = load_problem({"format": "symbiosis-problem/1", "sources": [], "sinks": []})
    >>> p.modes["truck"].kg_co2e_per_tkm
    0.107
    """
    # The parse makes ~10^6 objects, none of them cyclic; the cycle collector only slows it.
    paused = gc.isenabled()
    gc.disable()
    try:
        if isinstance(path_or_dict, dict):
            return _problem(path_or_dict)
        return _problem(_read_json(path_or_dict))
    finally:
        if paused:
            gc.enable()


def _read_json(path: str | Path) -> Any:
    # a problem of a whole country is megabytes of JSON that compress tenfold: `.gz` is read as is
    path = Path(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8") as file:
                text = file.read()
        else:
            text = path.read_text(encoding="utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as err:
        raise ProblemError(f"{path}: cannot read the file ({err})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ProblemError(f"{path}: malformed JSON ({err})") from None


def _problem(data: Any) -> Problem:
    where = Item("problem", data)
    if not isinstance(data, dict):
        where.fail("must be a JSON object")
    if data.get("format") != FORMAT:
        where.fail(f'format must be "{FORMAT}"', "format")
    modes = _modes(data.get("modes", DEFAULT_MODES))
    sources = tuple(_source(w, modes) for w in items(data, "sources", required=True))
    sinks = tuple(_sink(w, modes) for w in items(data, "sinks", required=True))
    _unique_ids("sources", sources)
    _unique_ids("sinks", sinks)
    source_ids = {s.id for s in sources}
    sink_ids = {s.id for s in sinks}
    distances = tuple(
        _distance(w, source_ids, sink_ids, modes) for w in items(data, "distances_km")
    )
    locked = tuple(_locked(w, source_ids, sink_ids) for w in items(data, "locked"))
    _unique_pairs("locked", locked)
    forbidden = tuple(_pair(w, source_ids, sink_ids) for w in items(data, "forbidden"))
    return Problem(
        name=where.text("name", default=""),
        period=where.text("period", default=""),
        modes=modes,
        sources=sources,
        sinks=sinks,
        distances_km=distances,
        locked=locked,
        forbidden=forbidden,
        options=_options(data.get("options", {})),
    )


def _modes(raw: Any) -> dict[str, Mode]:
    if not isinstance(raw, dict) or not raw:
        raise ProblemError("problem: modes must be a non-empty JSON object")
    modes = {}
    for name, spec in raw.items():
        where = Item(f'modes["{name}"]', spec)
        if not isinstance(spec, dict):
            where.fail("must be a JSON object")
        modes[name] = Mode(
            name,
            where.number("kg_co2e_per_tkm"),
            where.number("circuity", 1.3, positive=True),
        )
    return modes


def _site_modes(where: Item, defined: dict[str, Mode]) -> tuple[str, ...]:
    modes = where.get("modes", ["truck"])
    if not isinstance(modes, list) or not all(isinstance(m, str) and m for m in modes):
        where.fail("must be a list of mode names", "modes")
    # a typo ("truk") must not pass as a site that shares no mode with anyone
    unknown = [m for m in modes if m not in defined]
    if unknown:
        where.fail(
            f'names a mode the file does not define ("{unknown[0]}"; defined: '
            f"{', '.join(defined)})",
            "modes",
        )
    return tuple(modes)


def _position(where: Item) -> tuple[float, float]:
    lat = where.number("lat", minimum=None)
    lon = where.number("lon", minimum=None)
    if not -90 <= lat <= 90:
        where.fail("must be between -90 and 90", "lat")
    if not -180 <= lon <= 180:
        where.fail("must be between -180 and 180", "lon")
    return lat, lon


def _source(where: Item, modes: dict[str, Mode]) -> Source:
    properties = where.get("properties", {})
    if not isinstance(properties, dict):
        where.fail("must be a JSON object", "properties")
    props = where.inner("properties", properties)
    lat, lon = _position(where)
    return Source(
        id=where.text("id"),
        lat=lat,
        lon=lon,
        material=where.text("material"),
        tonnes=where.number("tonnes"),
        disposal_kg_co2e_per_t=where.number("disposal_kg_co2e_per_t"),
        hazardous=where.flag("hazardous"),
        properties={k: props.number(k, minimum=None) for k in properties},
        modes=_site_modes(where, modes),
        max_km=where.number("max_km", None),
    )


def _sink(where: Item, modes: dict[str, Mode]) -> Sink:
    lat, lon = _position(where)
    return Sink(
        id=where.text("id"),
        lat=lat,
        lon=lon,
        capacity_t=where.number("capacity_t"),
        accepts=_accepts(where),
        requirements=_requirements(where),
        hazardous_permit=where.flag("hazardous_permit"),
        modes=_site_modes(where, modes),
        max_km=where.number("max_km", None),
    )


def _accepts(where: Item) -> dict[str, float]:
    raw = where.get("accepts")
    if isinstance(raw, list):
        if not all(isinstance(m, str) and m for m in raw):
            where.fail("must list material names", "accepts")
        return dict.fromkeys(raw, 0.0)
    if not isinstance(raw, dict):
        where.fail("must be a list of materials or a JSON object", "accepts")
    accepts = {}
    for material, spec in raw.items():
        inner = where.inner(f'accepts["{material}"]', spec)
        if not isinstance(spec, dict):
            inner.fail("must be a JSON object")
        accepts[material] = inner.number("avoided_kg_co2e_per_t", 0.0)
    return accepts


def _requirements(where: Item) -> dict[str, tuple[float | None, float | None]]:
    raw = where.get("requirements", {})
    if not isinstance(raw, dict):
        where.fail("must be a JSON object", "requirements")
    requirements = {}
    for prop, bounds in raw.items():
        inner = where.inner(f'requirements["{prop}"]', bounds)
        if not isinstance(bounds, dict):
            inner.fail("must be a JSON object with min and/or max")
        low = inner.number("min", None, minimum=None)
        high = inner.number("max", None, minimum=None)
        requirements[prop] = (low, high)
    return requirements


def _known(where: Item, key: str, ids: set[str]) -> str:
    value = where.text(key)
    if value not in ids:
        where.fail(f'names no known {key} ("{value}")', key)
    return value


def _distance(where: Item, sources: set, sinks: set, modes: dict) -> Distance:
    mode = where.get("mode", None)
    if mode is not None and mode not in modes:
        where.fail(f'is an unknown mode ("{mode}")', "mode")
    return Distance(
        _known(where, "source", sources), _known(where, "sink", sinks), mode, where.number("km")
    )


def _locked(where: Item, sources: set, sinks: set) -> Locked:
    pair = _pair(where, sources, sinks)
    return Locked(pair.source, pair.sink, where.number("tonnes"))


def _pair(where: Item, sources: set, sinks: set) -> Pair:
    return Pair(_known(where, "source", sources), _known(where, "sink", sinks))


def _options(raw: Any) -> Options:
    where = Item("options", raw)
    if not isinstance(raw, dict):
        where.fail("must be a JSON object")
    solver = where.get("solver", "auto")
    if solver not in SOLVERS:
        where.fail(f"must be one of {', '.join(SOLVERS)}", "solver")
    return Options(
        min_lot_t=where.number("min_lot_t", 0.0),
        max_partners_per_source=where.integer("max_partners_per_source"),
        max_partners_per_sink=where.integer("max_partners_per_sink"),
        solver=solver,
        time_limit_s=where.number("time_limit_s", None, positive=True),
    )


def _unique_ids(key: str, items: tuple) -> None:
    seen: set[str] = set()
    for k, item in enumerate(items):
        if item.id in seen:
            raise ProblemError(f'{key}[{k}] (id "{item.id}"): id is a duplicate')
        seen.add(item.id)


def _unique_pairs(key: str, items: tuple) -> None:
    seen: set[tuple[str, str]] = set()
    for k, item in enumerate(items):
        if (item.source, item.sink) in seen:
            raise ProblemError(f"{key}[{k}]: the pair {item.source} -> {item.sink} is a duplicate")
        seen.add((item.source, item.sink))
