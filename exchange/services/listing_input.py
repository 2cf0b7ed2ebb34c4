"""The one set of rules a listing must pass, whether it comes from the form, a sheet or the API.

Input is a flat mapping of strings (or plain values), the same field names everywhere:
form fields, sheet columns, API keys. Each property `p` of the catalogue has three:
`p` (an offer's value), `min_p` and `max_p` (a want's requirement).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _

from exchange import catalogue
from exchange.models import DisposalRoute, ListingKind, Steadiness

TRUE_WORDS = {"1", "true", "yes", "y", "on", "예", "네", "o"}
FALSE_WORDS = {"0", "false", "no", "n", "off", "아니오", "아니요", "x", ""}


def base_columns() -> list[str]:
    return [
        "kind", "material", "accepts", "description", "tonnes_per_month", "steadiness",
        "available_from", "available_until", "hazardous", "disposal_route",
        "disposal_cost_krw_per_t", "disposal_kg_co2e_per_t", "avoided_kg_co2e_per_t",
        "max_km", "show_name",
    ]  # fmt: skip


def columns() -> list[str]:
    """Every field, in sheet order: the base fields then each property's value, min and max."""
    cols = base_columns()
    for key in catalogue.load().properties:
        cols += [key, f"min_{key}", f"max_{key}"]
    return cols


@dataclass
class ListingInput:
    kind: str
    material_key: str
    tonnes_per_month: float
    accepts: list[str] = field(default_factory=list)
    description: str = ""
    steadiness: str = Steadiness.continuous
    available_from: date | None = None
    available_until: date | None = None
    hazardous: bool = False
    properties: dict[str, float] = field(default_factory=dict)
    requirements: dict[str, dict[str, float]] = field(default_factory=dict)
    disposal_route: str | None = None
    disposal_cost_krw_per_t: float | None = None
    disposal_kg_co2e_per_t: float | None = None
    avoided_kg_co2e_per_t: float | None = None
    max_km: float | None = None
    show_name: bool = False

    def to_fields(self) -> dict[str, Any]:
        """The columns of a `Listing` this input sets."""
        data = dict(self.__dict__)
        data["accepts"] = " ".join(self.accepts)
        return data


class InvalidListing(ValueError):
    """Raised with every problem found, each as (field, message)."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))
        self.errors = errors


class _Reader:
    """Reads typed values out of the raw mapping, collecting errors instead of stopping."""

    def __init__(self, raw: Mapping[str, Any]):
        self.raw = raw
        self.errors: list[tuple[str, str]] = []

    def text(self, name: str) -> str:
        value = self.raw.get(name)
        return "" if value is None else str(value).strip()

    def fail(self, name: str, message: str) -> None:
        self.errors.append((name, message))

    def number(self, name: str, *, required=False, minimum=None, above=None, maximum=None):
        text = self.text(name).replace(",", "")
        if not text:
            if required:
                self.fail(name, _("This field is required."))
            return None
        try:
            value = float(text)
        except ValueError:
            self.fail(name, _("Enter a number."))
            return None
        if not math.isfinite(value):
            self.fail(name, _("Enter a finite number."))
        elif above is not None and value <= above:
            self.fail(name, _("Must be greater than %(n)s.", n=_fmt(above)))
        elif minimum is not None and value < minimum:
            self.fail(name, _("Must be at least %(n)s.", n=_fmt(minimum)))
        elif maximum is not None and value > maximum:
            self.fail(name, _("Must be at most %(n)s.", n=_fmt(maximum)))
        else:
            return value
        return None

    def boolean(self, name: str, default: bool = False) -> bool:
        text = self.text(name).casefold()
        if name not in self.raw or self.raw.get(name) is None:
            return default
        if isinstance(self.raw.get(name), bool):
            return self.raw[name]
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False if text else default
        self.fail(name, _("Enter yes or no."))
        return default

    def date(self, name: str) -> date | None:
        value = self.raw.get(name)
        if isinstance(value, date):
            return value
        text = self.text(name)
        if not text:
            return None
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            self.fail(name, _("Enter a date as YYYY-MM-DD."))
            return None

    def choice(self, name: str, allowed: list[str], default: str | None = None) -> str | None:
        text = self.text(name).lower()
        if not text:
            if default is None:
                self.fail(name, _("This field is required."))
            return default
        if text not in allowed:
            self.fail(name, _("Choose one of: %(options)s.", options=", ".join(allowed)))
            return default
        return text


def _fmt(n: float) -> str:
    """A number as a person would type it back: 180000, not 1.8e+05 or 180000.0."""
    return str(int(n)) if float(n).is_integer() and abs(n) < 1e15 else repr(float(n))


def material_key(text: str) -> str | None:
    """A material given by its key or by its exact Korean or English name."""
    cat = catalogue.load()
    text = text.strip()
    if text in cat.materials:
        return text
    folded = text.casefold()
    for m in cat.materials.values():
        if folded in (m.key.casefold(), m.en.casefold(), m.ko.casefold()):
            return m.key
    # a waste code (EU "10 01 05" or Korean "03-03-01", as on an Allbaro manifest), when it
    # names one material only
    compact = re.sub(r"[\s*-]", "", folded)
    by_code = [m.key for m in cat.materials.values()
               if any(re.sub(r"[\s*-]", "", c) == compact for c in (*m.ewc, *m.kr))]  # fmt: skip
    return by_code[0] if len(by_code) == 1 and compact else None


def parse_listing(raw: Mapping[str, Any]) -> ListingInput:
    """Check a listing's fields; raise `InvalidListing` naming every bad field."""
    r = _Reader(raw)
    kind = r.choice("kind", [k.value for k in ListingKind])
    material = _material(r, "material", required=True)
    tonnes = r.number("tonnes_per_month", required=True, above=0)
    data = ListingInput(kind=kind or "offer", material_key=material or "", tonnes_per_month=0.0)
    data.tonnes_per_month = tonnes or 0.0
    data.description = r.text("description")[:2000]
    data.steadiness = r.choice(
        "steadiness", [s.value for s in Steadiness], default=Steadiness.continuous.value
    )
    data.available_from, data.available_until = r.date("available_from"), r.date("available_until")
    _check_period(r, data)
    data.show_name = r.boolean("show_name")
    if kind == ListingKind.want:
        _want_fields(r, data)
    else:
        _offer_fields(r, data)
    if r.errors:
        raise InvalidListing(r.errors)
    return data


def _material(r: _Reader, name: str, required: bool = False) -> str | None:
    text = r.text(name)
    if not text:
        if required:
            r.fail(name, _("This field is required."))
        return None
    key = material_key(text)
    if key is None:
        r.fail(
            name,
            _("Unknown material “%(material)s”: choose one from the catalogue.", material=text),
        )
    return key


def _check_period(r: _Reader, data: ListingInput) -> None:
    if data.steadiness != Steadiness.one_off:
        return
    if data.available_from is None:
        r.fail("available_from", _("A one-off listing needs the dates it is available."))
    if data.available_until is None:
        r.fail("available_until", _("A one-off listing needs the dates it is available."))
    if data.available_from and data.available_until and data.available_from > data.available_until:
        r.fail("available_until", _("The end date is before the start date."))


def _offer_fields(r: _Reader, data: ListingInput) -> None:
    cat = catalogue.load()
    material = cat.get(data.material_key)
    data.hazardous = r.boolean("hazardous", default=bool(material and material.hazardous))
    routes = [d.value for d in DisposalRoute]
    data.disposal_route = r.choice("disposal_route", routes, default="") or None
    data.disposal_cost_krw_per_t = r.number("disposal_cost_krw_per_t", minimum=0)
    data.disposal_kg_co2e_per_t = r.number("disposal_kg_co2e_per_t", minimum=0)
    for key, prop in cat.properties.items():
        value = r.number(key, minimum=prop.min, maximum=prop.max)
        if value is not None:
            data.properties[key] = value


def _want_fields(r: _Reader, data: ListingInput) -> None:
    cat = catalogue.load()
    accepts = [data.material_key] if data.material_key else []
    for word in re.split(r"[;,\s]+", r.text("accepts")):
        if not word:
            continue
        key = material_key(word)
        if key is None:
            r.fail(
                "accepts",
                _("Unknown material “%(material)s”: choose one from the catalogue.", material=word),
            )
        elif key not in accepts:
            accepts.append(key)
    data.accepts = accepts
    data.avoided_kg_co2e_per_t = r.number("avoided_kg_co2e_per_t", minimum=0)
    data.max_km = r.number("max_km", above=0)
    for key, prop in cat.properties.items():
        low = r.number(f"min_{key}", minimum=prop.min, maximum=prop.max)
        high = r.number(f"max_{key}", minimum=prop.min, maximum=prop.max)
        if low is not None and high is not None and low > high:
            r.fail(f"min_{key}", _("The minimum is above the maximum."))
            continue
        bounds = {k: v for k, v in (("min", low), ("max", high)) if v is not None}
        if bounds:
            data.requirements[key] = bounds


def listing_to_raw(listing) -> dict[str, Any]:
    """A stored listing back to the flat fields (for the edit form and the export)."""
    raw: dict[str, Any] = {
        "kind": listing.kind,
        "material": listing.material_key,
        "accepts": " ".join(k for k in listing.accepts.split() if k != listing.material_key),
        "description": listing.description,
        "tonnes_per_month": _fmt(listing.tonnes_per_month),
        "steadiness": listing.steadiness,
        "available_from": listing.available_from.isoformat() if listing.available_from else "",
        "available_until": listing.available_until.isoformat() if listing.available_until else "",
        "hazardous": "yes" if listing.hazardous else "no",
        "disposal_route": listing.disposal_route or "",
        "show_name": "yes" if listing.show_name else "no",
    }
    for name in (
        "disposal_cost_krw_per_t",
        "disposal_kg_co2e_per_t",
        "avoided_kg_co2e_per_t",
        "max_km",
    ):
        value = getattr(listing, name)
        raw[name] = "" if value is None else _fmt(value)
    for key, value in (listing.properties or {}).items():
        raw[key] = _fmt(value)
    for key, bounds in (listing.requirements or {}).items():
        for side in ("min", "max"):
            if side in bounds:
                raw[f"{side}_{key}"] = _fmt(bounds[side])
    return raw
