"""The one set of rules a listing must pass, whether it comes from the form, a sheet or the API.

Input is a flat mapping of strings (or plain values), the same field names everywhere:
form fields, sheet columns, API keys. Each property `p` of the catalogue has three:
`p` (an offer's value), `min_p` and `max_p` (a want's requirement).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _

from exchange import catalogue
from exchange.models import DisposalRoute, ListingKind, Steadiness
from exchange.services.field_reader import FieldReader, InvalidInput, number_text


def base_columns() -> list[str]:
    return [
        "kind", "material", "accepts", "description", "tonnes_per_month", "steadiness",
        "available_from", "available_until", "hazardous", "analysis_report_no",
        "analysis_report_date", "disposal_route",
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
    # the basis of declaring a mirror-entry material non-hazardous (kept, shown to the taker)
    analysis_report_no: str = ""
    analysis_report_date: date | None = None
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


class InvalidListing(InvalidInput):
    """Raised with every problem found, each as (field, message)."""


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
    r = FieldReader(raw)
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


def _material(r: FieldReader, name: str, required: bool = False) -> str | None:
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


def _check_period(r: FieldReader, data: ListingInput) -> None:
    if data.steadiness != Steadiness.one_off:
        return
    if data.available_from is None:
        r.fail("available_from", _("A one-off listing needs the dates it is available."))
    if data.available_until is None:
        r.fail("available_until", _("A one-off listing needs the dates it is available."))
    if data.available_from and data.available_until and data.available_from > data.available_until:
        r.fail("available_until", _("The end date is before the start date."))


def hazard_of(material_key: str) -> str:
    """The catalogue's "absolute", "mirror" or "none" for a material key ("none" if unknown)."""
    material = catalogue.load().get(material_key)
    return material.hazard if material else "none"


def is_hazardous(listing) -> bool:
    """Whether an offer counts as hazardous for permits and runs: as declared, and whatever a
    stored row says for an absolute material, or for a mirror one with no analysis on record
    (rows older than the rule, or written by a path that skipped it)."""
    if listing.hazardous:
        return True
    hazard = hazard_of(listing.material_key)
    return hazard == "absolute" or (hazard == "mirror" and not listing.analysis_report_no)


def _hazard_fields(r: FieldReader, data: ListingInput, material) -> None:
    """Hazardous by the material's code: an absolute entry cannot be declared otherwise; a
    mirror entry is hazardous unless an analysis report (number and date) says it is not."""
    hazard = material.hazard if material else "none"
    data.hazardous = r.boolean("hazardous", default=hazard != "none")
    data.analysis_report_no = r.text("analysis_report_no")[:80]
    data.analysis_report_date = r.date("analysis_report_date")
    if data.hazardous or hazard == "none" or "hazardous" in dict(r.errors):
        data.analysis_report_no, data.analysis_report_date = "", None
        return
    if hazard == "mirror" and data.analysis_report_no and data.analysis_report_date:
        return
    name = material.name(str(get_locale() or "ko") if has_request_context() else "ko")
    if hazard == "absolute":
        code = next((c for c in material.ewc if _hazardous_code(c)), "")
        r.fail("hazardous", _(
            "“%(value)s”: %(material)s is hazardous by its waste code (%(code)s), whatever "
            "its content; it cannot be declared non-hazardous.",
            value=_typed_no(r), material=name, code=f"{code}*"))  # fmt: skip
        return
    if not data.analysis_report_no:
        r.fail("analysis_report_no", _(
            "%(material)s is hazardous unless an analysis shows otherwise (a mirror entry): "
            "give the analysis report's number to declare it non-hazardous.", material=name))
    if data.analysis_report_date is None and "analysis_report_date" not in dict(r.errors):
        r.fail("analysis_report_date", _(
            "Give the date of the analysis report (YYYY-MM-DD) to declare %(material)s "
            "non-hazardous.", material=name))  # fmt: skip


def _typed_no(r: FieldReader) -> str:
    """What was given for `hazardous`: a sheet's cell as typed, a checkbox or JSON false as
    the word "no" in the reader's language."""
    value = r.raw.get("hazardous")
    return _("no") if isinstance(value, bool) or value is None else r.text("hazardous")


def _hazardous_code(code: str) -> bool:
    entry = catalogue.load().ewc.get(code)
    return bool(entry and entry.get("hazardous"))


def _offer_fields(r: FieldReader, data: ListingInput) -> None:
    cat = catalogue.load()
    _hazard_fields(r, data, cat.get(data.material_key))
    routes = [d.value for d in DisposalRoute]
    data.disposal_route = r.choice("disposal_route", routes, default="") or None
    data.disposal_cost_krw_per_t = r.number("disposal_cost_krw_per_t", minimum=0)
    data.disposal_kg_co2e_per_t = r.number("disposal_kg_co2e_per_t", minimum=0)
    for key, prop in cat.properties.items():
        value = r.number(key, minimum=prop.min, maximum=prop.max)
        if value is not None:
            data.properties[key] = value


def _want_fields(r: FieldReader, data: ListingInput) -> None:
    cat = catalogue.load()
    accepts = [data.material_key] if data.material_key else []
    for word in r.words("accepts"):
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
        "tonnes_per_month": number_text(listing.tonnes_per_month),
        "steadiness": listing.steadiness,
        "available_from": listing.available_from.isoformat() if listing.available_from else "",
        "available_until": listing.available_until.isoformat() if listing.available_until else "",
        "hazardous": "yes" if listing.hazardous else "no",
        "analysis_report_no": listing.analysis_report_no or "",
        "analysis_report_date": (
            listing.analysis_report_date.isoformat() if listing.analysis_report_date else ""
        ),
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
        raw[name] = "" if value is None else number_text(value)
    for key, value in (listing.properties or {}).items():
        raw[key] = number_text(value)
    for key, bounds in (listing.requirements or {}).items():
        for side in ("min", "max"):
            if side in bounds:
                raw[f"{side}_{key}"] = number_text(bounds[side])
    return raw
