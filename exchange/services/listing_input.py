"""The one set of rules a listing must pass, whether it comes from the form, a sheet or the API.

Input is a flat mapping of strings (or plain values), the same field names everywhere:
form fields, sheet columns, API keys. Each property `p` of the catalogue has three:
`p` (an offer's value), `min_p` and `max_p` (a want's requirement).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from exchange import catalogue
from exchange.models import DisposalRoute, ListingKind, Steadiness
from exchange.services.field_reader import (
    PERCENT_UNITS,
    TONNE_UNITS,
    FieldReader,
    InvalidInput,
    folded,
    number_text,
)

# The words a person may type for a choice besides its value: the labels of the form in both
# languages (tests/exchange/test_field_cases.py checks that every label is here) and the
# synonyms Korean offices use. Keys are folded (see `folded`).
CHOICE_WORDS = {
    "kind": {"제공": "offer", "공급": "offer", "배출": "offer", "offers": "offer",
             "수요": "want", "구함": "want", "wants": "want"},
    "steadiness": {"연속 발생": "continuous", "연속": "continuous", "상시": "continuous",
                   "monthly batches": "monthly-batches", "월 단위 일괄": "monthly-batches",
                   "월 단위": "monthly-batches", "월별": "monthly-batches",
                   "one-off (date range)": "one-off", "one-off": "one-off", "one off": "one-off",
                   "일회성 (기간 지정)": "one-off", "일회성": "one-off"},
    "disposal_route": {"매립": "landfill", "소각": "incineration", "재활용": "recycling",
                       "처리": "treatment", "기타": "other", "에너지 회수 소각": "energy_recovery",
                       "incineration with energy recovery": "energy_recovery",
                       "energy recovery": "energy_recovery", "에너지 회수": "energy_recovery"},
}  # fmt: skip


DESCRIPTION_MAX = 2000


def base_columns() -> list[str]:
    return [
        "kind", "material", "accepts", "description", "tonnes_per_month", "steadiness",
        "available_from", "available_until", "lot_tonnes", "hazardous", "analysis_report_no",
        "analysis_report_date", "disposal_route",
        "disposal_cost_krw_per_t", "disposal_kg_co2e_per_t", "avoided_kg_co2e_per_t",
        "max_km", "show_name",
    ]  # fmt: skip


# The sheet's label row and the header words it accepts besides the keys (both languages).
COLUMN_LABELS = {
    "kind": _l("Kind"), "material": _l("Material"), "accepts": _l("Also accepts"),
    "description": _l("Description"), "tonnes_per_month": _l("Tonnes per month"),
    "steadiness": _l("How steady"), "available_from": _l("Available from"),
    "available_until": _l("Available until"), "hazardous": _l("Hazardous"),
    "disposal_route": _l("Disposal route today"),
    "disposal_cost_krw_per_t": _l("Disposal cost (KRW per tonne)"),
    "disposal_kg_co2e_per_t": _l("Disposal emissions (kg CO2e per tonne)"),
    "avoided_kg_co2e_per_t": _l("Virgin material avoided (kg CO2e per tonne)"),
    "max_km": _l("Farthest distance (km)"), "show_name": _l("Show name"),
    "id": _l("Listing id"), "status": _l("Status"),
}  # fmt: skip


def column_label(key: str) -> str:
    """A sheet column's label in the current language: a property's name, with "min"/"max"."""
    if key in COLUMN_LABELS:
        return str(COLUMN_LABELS[key])
    props = catalogue.load().properties
    locale = str(get_locale() or "ko")
    for side, word in (("min_", _("min.")), ("max_", _("max."))):
        if key.startswith(side) and key[len(side):] in props:
            return f"{props[key[len(side):]].name(locale)} ({word})"
    return props[key].name(locale) if key in props else key


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
    lot_tonnes: float | None = None
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
    """A material given by its key, its Korean or English name or any alias (compared NFKC
    and case-folded, so NFD Hangul and full-width letters find it too)."""
    cat = catalogue.load()
    text = text.strip()
    if text in cat.materials:
        return text
    folded_text = folded(text)
    if folded_text in _material_names():
        return _material_names()[folded_text]
    # a waste code (EU "10 01 05*", Korean "510301" or the old "03-03-01", as on an Allbaro
    # manifest) or the name Allbaro prints, when it names one material only
    compact = catalogue.code_key(text)
    by_code = [m.key for m in cat.materials.values()
               if any(catalogue.code_key(c) == compact for c in (*m.ewc, *m.kr))]  # fmt: skip
    if not compact:
        by_code = [m.key for m in cat.by_allbaro(text)]
    return by_code[0] if len(by_code) == 1 else None


@cache
def _material_names() -> dict[str, str]:
    """Folded key, names and aliases -> material key (the catalogue is loaded once too)."""
    out: dict[str, str] = {}
    for m in catalogue.load().materials.values():
        for word in (m.key, m.en, m.ko, *m.aliases):
            out.setdefault(folded(word), m.key)
    return out


def parse_listing(raw: Mapping[str, Any]) -> ListingInput:
    """Check a listing's fields; raise `InvalidListing` naming every bad field."""
    r = FieldReader(raw)
    kind = r.choice("kind", [k.value for k in ListingKind], words=CHOICE_WORDS["kind"])
    material = _material(r, "material", required=True)
    lot = r.number("lot_tonnes", above=0, units=TONNE_UNITS)
    tonnes = r.number("tonnes_per_month", required=lot is None, above=0, units=TONNE_UNITS)
    data = ListingInput(kind=kind or "offer", material_key=material or "", tonnes_per_month=0.0)
    data.tonnes_per_month = tonnes or 0.0
    data.description = r.text("description")
    if len(data.description) > DESCRIPTION_MAX:  # refused, never cut: the end may matter
        r.fail("description", _("At most %(max)d characters; this has %(n)d.",
                                max=DESCRIPTION_MAX, n=len(data.description)))  # fmt: skip
    data.steadiness = r.choice(
        "steadiness", [s.value for s in Steadiness], default=Steadiness.continuous.value,
        words=CHOICE_WORDS["steadiness"],
    )  # fmt: skip
    data.available_from, data.available_until = r.date("available_from"), r.date("available_until")
    _check_period(r, data)
    _spread_lot(r, data, lot)
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
        r.fail(name, unknown_material(text))
    return key


def unknown_material(text: str) -> str:
    """The message for a name the catalogue does not know, with the nearest names in it."""
    near = material_suggestions(text)
    if near:
        return _(
            "Unknown material “%(material)s”: did you mean %(names)s?",
            material=text, names=", ".join(f"“{n}”" for n in near),
        )  # fmt: skip
    return _("Unknown material “%(material)s”: choose one from the catalogue.", material=text)


def material_suggestions(text: str, limit: int = 3) -> list[str]:
    """The catalogue names (Korean, English, aliases) nearest to `text`, best first."""
    from rapidfuzz import fuzz, process, utils

    names = {}
    for m in catalogue.load().materials.values():
        for word in (m.ko, m.en, *m.aliases):
            names.setdefault(folded(word), word)
    found = process.extract(folded(text), list(names), scorer=fuzz.WRatio, limit=limit * 3,
                            score_cutoff=60, processor=utils.default_process)  # fmt: skip
    out: list[str] = []
    for choice, _score, _index in found:
        if names[choice] not in out:
            out.append(names[choice])
    return out[:limit]


def _check_period(r: FieldReader, data: ListingInput) -> None:
    if data.steadiness != Steadiness.one_off:
        return
    if data.available_from is None:
        r.fail("available_from", _("A one-off listing needs the dates it is available."))
    if data.available_until is None:
        r.fail("available_until", _("A one-off listing needs the dates it is available."))
    if data.available_from and data.available_until and data.available_from > data.available_until:
        r.fail("available_until", _("The end date is before the start date."))


def lot_months(start: date, end: date) -> int:
    """How many calendar months the dates touch: 2026-12-10 to 2027-02-20 is 3."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _spread_lot(r: FieldReader, data: ListingInput, lot: float | None) -> None:
    """A one-off lot given as its total: the tonnes a month are the total over its months."""
    if lot is None:
        return
    if data.steadiness != Steadiness.one_off:
        r.fail("lot_tonnes", _("Only a one-off lot is given as its total tonnes (you wrote "
                               "%(value)s); give the others in tonnes per month.",
                               value=number_text(lot)))  # fmt: skip
        return
    data.lot_tonnes = lot
    if data.available_from and data.available_until and not r.errors:
        data.tonnes_per_month = lot / lot_months(data.available_from, data.available_until)


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
    data.disposal_route = (
        r.choice("disposal_route", routes, default="", words=CHOICE_WORDS["disposal_route"])
        or None
    )
    data.disposal_cost_krw_per_t = r.number("disposal_cost_krw_per_t", minimum=0)
    data.disposal_kg_co2e_per_t = r.number("disposal_kg_co2e_per_t", minimum=0)
    for key, prop in cat.properties.items():
        value = r.number(key, minimum=prop.min, maximum=prop.max, units=_units(key))
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
            r.fail("accepts", unknown_material(word))
        elif key not in accepts:
            accepts.append(key)
    data.accepts = accepts
    data.avoided_kg_co2e_per_t = r.number("avoided_kg_co2e_per_t", minimum=0)
    data.max_km = r.number("max_km", above=0)
    for key, prop in cat.properties.items():
        low = r.number(f"min_{key}", minimum=prop.min, maximum=prop.max, units=_units(key))
        high = r.number(f"max_{key}", minimum=prop.min, maximum=prop.max, units=_units(key))
        if low is not None and high is not None and low > high:
            r.fail(f"min_{key}", _("The minimum is above the maximum."))
            continue
        bounds = {k: v for k, v in (("min", low), ("max", high)) if v is not None}
        if bounds:
            data.requirements[key] = bounds


def _units(key: str) -> dict[str, float] | None:
    return PERCENT_UNITS if key.endswith("_pct") else None


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
        "lot_tonnes": "" if listing.lot_tonnes is None else number_text(listing.lot_tonnes),
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
