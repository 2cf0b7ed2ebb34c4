"""The `symbiosis-tours/1` input: frozen dataclasses, loading and validation.

The format is documented in matching/TOURS.md. Everything wrong with a file is raised as
a `ProblemError` whose message names the field and the item, e.g.
`exchanges[2] (id "E3"): frequency must be one of weekly, biweekly, monthly ("daily")`.
Loading also derives the month's loads: each exchange's monthly tonnes split into pickups
by its frequency, and each pickup into equal loads when no eligible vehicle carries it whole.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from matching.fields import Item, ProblemError, items
from matching.problem import _read_json

__all__ = [
    "DEFAULT_KG_CO2E_PER_KM",
    "FORMAT",
    "FREQUENCIES",
    "Exchange",
    "Load",
    "Options",
    "Site",
    "ToursProblem",
    "Vehicle",
    "load_tours_problem",
]

FORMAT = "symbiosis-tours/1"
# pickups per month; a planning month is four weeks (see TOURS.md, "Pickups and loads")
FREQUENCIES = {"weekly": 4, "biweekly": 2, "monthly": 1}
# Korean large truck, average load: 2.46 km/L and 2.600 kg CO2/L diesel = 1.057 kg CO2 per
# vehicle-km (오피넷 & 교통통합운영시스템 Jan 2024 via GIR; ../shared/domain.md table E). No sourced
# empty/loaded split was found (GLEC per vehicle-km defaults: domain.md F), so empty = loaded.
DEFAULT_KG_CO2E_PER_KM = 1.057
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Site:
    """A place trucks stop at; `open_min`/`close_min` are minutes after the shift start."""

    id: str
    lat: float
    lon: float
    open_min: int
    close_min: int
    service_min: int


@dataclass(frozen=True)
class Exchange:
    """A running exchange: `monthly_tonnes` from `supplier` to `receiver` (site ids)."""

    id: str
    supplier: str
    receiver: str
    monthly_tonnes: float
    frequency: str
    hazardous: bool = False
    material: str = ""

    @property
    def pickups_per_month(self) -> int:
        return FREQUENCIES[self.frequency]

    @property
    def tonnes_per_pickup(self) -> float:
        return self.monthly_tonnes / self.pickups_per_month


@dataclass(frozen=True)
class Vehicle:
    """`count` trucks of one kind, based at site `depot`; factors in kg CO2e per km."""

    id: str
    capacity_t: float
    count: int
    depot: str
    hazardous: bool
    kg_co2e_per_km_empty: float
    kg_co2e_per_km_loaded: float


@dataclass(frozen=True)
class Load:
    """One truckload to carry: part `part` of pickup `pickup` (1-based) of `exchange`."""

    id: str
    exchange: str
    pickup: int
    part: int
    tonnes: float


@dataclass(frozen=True)
class Distance:
    origin: str
    destination: str
    km: float


@dataclass(frozen=True)
class Options:
    shift_start: str = "08:00"
    max_shift_minutes: int = 480
    shifts_per_month: int = 20
    speed_kmh: float = 40.0
    circuity: float = 1.3
    service_minutes: int = 15
    time_limit_s: float = 10.0
    solution_limit: int | None = None


@dataclass(frozen=True)
class ToursProblem:
    name: str
    period: str
    sites: tuple[Site, ...]
    exchanges: tuple[Exchange, ...]
    vehicles: tuple[Vehicle, ...]
    distances_km: tuple[Distance, ...] = ()
    options: Options = Options()

    @cached_property
    def site_index(self) -> dict[str, int]:
        """Site id -> position in `sites`."""
        return {s.id: k for k, s in enumerate(self.sites)}

    @cached_property
    def exchange_by_id(self) -> dict[str, Exchange]:
        return {e.id: e for e in self.exchanges}

    def eligible(self, exchange: Exchange) -> tuple[Vehicle, ...]:
        """The vehicles that may carry `exchange` (hazardous loads: hazardous vehicles only)."""
        return tuple(v for v in self.vehicles if v.hazardous or not exchange.hazardous)

    def split_vehicle(self, exchange: Exchange) -> Vehicle:
        """The eligible vehicle of largest capacity (first listed on ties): it sets the loads."""
        return max(self.eligible(exchange), key=lambda v: v.capacity_t)

    @cached_property
    def loads(self) -> tuple[Load, ...]:
        """The month's truckloads, exchange by exchange, pickup by pickup (see TOURS.md)."""
        loads = []
        for e in self.exchanges:
            tonnes = e.tonnes_per_pickup
            # a hair of tolerance so 12.000000001 t does not make a second load for a 12 t truck
            parts = max(1, math.ceil(tonnes / self.split_vehicle(e).capacity_t - 1e-9))
            for k in range(1, e.pickups_per_month + 1):
                for j in range(1, parts + 1):
                    suffix = f".{j}" if parts > 1 else ""
                    loads.append(Load(f"{e.id}/{k}{suffix}", e.id, k, j, tonnes / parts))
        return tuple(loads)


def load_tours_problem(path_or_dict: str | Path | dict[str, Any]) -> ToursProblem:
    """Read and validate a `symbiosis-tours/1` file (path) or an already parsed dict.

    >>> p = load_tours_problem({"format": "symbiosis-tours/1", "sites": [
    ...     {"id": "R", "lat": 35.0, "lon": 128.0}, {"id": "S", "lat": 35.1, "lon": 128.0}],
    ...     "exchanges": [{"id": "E", "supplier": "S", "receiver": "R",
    ...                    "monthly_tonnes": 40, "frequency": "biweekly"}],
    ...     "vehicles": [{"id": "T", "capacity_t": 15, "depot": "R"}]})
    >>> [(x.id, round(x.tonnes, 3)) for x in p.loads]
    [('E/1.1', 10.0), ('E/1.2', 10.0), ('E/2.1', 10.0), ('E/2.2', 10.0)]
    """
    data = path_or_dict if isinstance(path_or_dict, dict) else _read_json(path_or_dict)
    where = Item("problem", data)
    if not isinstance(data, dict):
        where.fail("must be a JSON object")
    if data.get("format") != FORMAT:
        where.fail(f'must be "{FORMAT}" ({data.get("format")!r})', "format")
    options = _options(data.get("options", {}))
    shift_start = _minutes_of_day(options.shift_start)
    sites = tuple(_site(w, options, shift_start) for w in items(data, "sites", required=True))
    _unique_ids("sites", sites)
    site_ids = {s.id for s in sites}
    exchanges = tuple(_exchange(w, site_ids) for w in items(data, "exchanges", required=True))
    _unique_ids("exchanges", exchanges)
    vehicle_items = items(data, "vehicles", required=True)
    if not vehicle_items:
        raise ProblemError("problem: vehicles must list at least one vehicle")
    vehicles = tuple(_vehicle(w, site_ids) for w in vehicle_items)
    _unique_ids("vehicles", vehicles)
    for k, e in enumerate(exchanges):
        if e.hazardous and not any(v.hazardous for v in vehicles):
            raise ProblemError(
                f'exchanges[{k}] (id "{e.id}"): hazardous is true but no vehicle has '
                "hazardous: true"
            )
    distances = tuple(_distance(w, site_ids) for w in items(data, "distances_km"))
    return ToursProblem(
        name=where.text("name", default=""),
        period=where.text("period", default=""),
        sites=sites,
        exchanges=exchanges,
        vehicles=vehicles,
        distances_km=distances,
        options=options,
    )


def _minutes_of_day(hhmm: str) -> int:
    match = _HHMM.match(hhmm)
    return int(match[1]) * 60 + int(match[2])


def _clock(where: Item, key: str, default: Any, shift_start: int = 0) -> int:
    """Minutes after the shift start: a whole number as is, "HH:MM" less `shift_start`."""
    value = where.get(key, default)
    if isinstance(value, str):
        match = _HHMM.match(value.strip())
        if not match:
            where.fail(f'must be "HH:MM" or whole minutes after the shift start ("{value}")', key)
        return int(match[1]) * 60 + int(match[2]) - shift_start
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        where.fail(f'must be "HH:MM" or whole minutes >= 0 after the shift start ({value!r})', key)
    return value


def _whole(where: Item, key: str, default: int, minimum: int = 0) -> int:
    value = where.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        where.fail(f"must be a whole number >= {minimum} ({value!r})", key)
    return value


def _site(where: Item, options: Options, shift_start: int) -> Site:
    lat = where.number("lat", minimum=None)
    lon = where.number("lon", minimum=None)
    if not -90 <= lat <= 90:
        where.fail(f"must be between -90 and 90 ({lat:g})", "lat")
    if not -180 <= lon <= 180:
        where.fail(f"must be between -180 and 180 ({lon:g})", "lon")
    # a site open before the shift starts is simply open from the start
    opens = max(_clock(where, "open", 0, shift_start), 0)
    closes = _clock(where, "close", 24 * 60, shift_start)
    if closes <= opens:
        where.fail(f"must be later than open ({where.get('close')!r})", "close")
    return Site(
        id=where.text("id"),
        lat=lat,
        lon=lon,
        open_min=opens,
        close_min=min(closes, 24 * 60),
        service_min=_whole(where, "service_minutes", options.service_minutes),
    )


def _known(where: Item, key: str, ids: set[str]) -> str:
    value = where.text(key)
    if value not in ids:
        where.fail(f'names no known site ("{value}")', key)
    return value


def _exchange(where: Item, sites: set[str]) -> Exchange:
    supplier = _known(where, "supplier", sites)
    receiver = _known(where, "receiver", sites)
    if supplier == receiver:
        where.fail(f'must differ from supplier ("{receiver}")', "receiver")
    frequency = where.get("frequency", "monthly")
    if frequency not in FREQUENCIES:
        where.fail(f"must be one of {', '.join(FREQUENCIES)} ({frequency!r})", "frequency")
    return Exchange(
        id=where.text("id"),
        supplier=supplier,
        receiver=receiver,
        monthly_tonnes=where.number("monthly_tonnes", positive=True),
        frequency=frequency,
        hazardous=where.flag("hazardous"),
        material=where.text("material", default=""),
    )


def _vehicle(where: Item, sites: set[str]) -> Vehicle:
    return Vehicle(
        id=where.text("id"),
        capacity_t=where.number("capacity_t", positive=True),
        count=_whole(where, "count", 1, minimum=1),
        depot=_known(where, "depot", sites),
        hazardous=where.flag("hazardous"),
        kg_co2e_per_km_empty=where.number("kg_co2e_per_km_empty", DEFAULT_KG_CO2E_PER_KM),
        kg_co2e_per_km_loaded=where.number("kg_co2e_per_km_loaded", DEFAULT_KG_CO2E_PER_KM),
    )


def _distance(where: Item, sites: set[str]) -> Distance:
    return Distance(_known(where, "from", sites), _known(where, "to", sites), where.number("km"))


def _options(raw: Any) -> Options:
    where = Item("options", raw)
    if not isinstance(raw, dict):
        where.fail("must be a JSON object")
    start = where.get("shift_start", "08:00")
    if not isinstance(start, str) or not _HHMM.match(start.strip()):
        where.fail(f'must be "HH:MM" ({start!r})', "shift_start")
    limit = where.get("solution_limit", None)
    if limit is not None:
        limit = _whole(where, "solution_limit", 0, minimum=1)
    return Options(
        shift_start=start.strip(),
        max_shift_minutes=_whole(where, "max_shift_minutes", 480, minimum=1),
        shifts_per_month=_whole(where, "shifts_per_month", 20, minimum=1),
        speed_kmh=where.number("speed_kmh", 40.0, positive=True),
        circuity=where.number("circuity", 1.3, minimum=1.0),
        service_minutes=_whole(where, "service_minutes", 15),
        time_limit_s=where.number("time_limit_s", 10.0, positive=True),
        solution_limit=limit,
    )


def _unique_ids(key: str, found: tuple) -> None:
    seen: set[str] = set()
    for k, item in enumerate(found):
        if item.id in seen:
            raise ProblemError(f'{key}[{k}] (id "{item.id}"): id is a duplicate')
        seen.add(item.id)
