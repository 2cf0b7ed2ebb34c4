"""The options of a match run, checked once for the run form and the API alike.

Input is a flat mapping with the form's field names; blanks take the defaults below.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _

from exchange import catalogue
from exchange.services.field_reader import FieldReader, number_text
from exchange.services.problems import DEFAULT_MODES

DEFAULTS = {
    "min_lot_t": 0.0,
    "time_limit_s": 60.0,
    "truck_factor": DEFAULT_MODES["truck"]["kg_co2e_per_tkm"],
    "truck_circuity": DEFAULT_MODES["truck"]["circuity"],
    "rail_factor": DEFAULT_MODES["rail"]["kg_co2e_per_tkm"],
    "rail_circuity": DEFAULT_MODES["rail"]["circuity"],
}
# (minimum, maximum) of each number; None: no bound
BOUNDS = {
    "min_lot_t": (0, None),
    "time_limit_s": (1, 3600),
    "truck_factor": (0, None),
    "truck_circuity": (1, 5),
    "rail_factor": (0, None),
    "rail_circuity": (1, 5),
}
PARTNERS = ("max_partners_per_source", "max_partners_per_sink")
FIELDS = (*DEFAULTS, *PARTNERS, "scope", "materials", "month")
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def _month(r: FieldReader) -> str | None:
    """The month the run is for, "YYYY-MM" in, its first day as ISO out; blank: None (the
    park's next month, services.runs.queue_run)."""
    text = r.text("month")
    found = MONTH.match(text[:7] if len(text) == 10 and text.endswith("-01") else text)
    if not text:
        return None
    if not found or not 1 <= int(found.group(2)) <= 12 or not 2000 <= int(found.group(1)) < 3000:
        r.fail("month", _("Write the month as YYYY-MM, for instance 2027-01 (not “%(value)s”).",
                          value=text))  # fmt: skip
        return None
    return date(int(found.group(1)), int(found.group(2)), 1).isoformat()


def parse_run_options(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The run's options as services.problems.build_problem reads them; raises
    `InvalidInput` naming every bad field.

    `scope` is "all" or "materials"; without it, naming materials means only those."""
    r = FieldReader(raw)
    values = {}
    for name, default in DEFAULTS.items():
        low, high = BOUNDS[name]
        value = r.number(name, minimum=low, maximum=high)
        values[name] = default if value is None else value
    partners = {name: r.whole(name, minimum=1, maximum=1000) for name in PARTNERS}
    materials = r.words("materials")
    scope = r.choice("scope", ["all", "materials"], default="materials" if materials else "all")
    if scope == "materials" and not materials:
        r.fail("materials", _("Choose at least one material, or take all open listings."))
    if any(key not in catalogue.load().materials for key in materials):
        r.fail("materials", _("Choose materials from the list."))
    month = _month(r)
    r.check()
    return {
        "month": month,
        "min_lot_t": values["min_lot_t"],
        **partners,
        "time_limit_s": values["time_limit_s"],
        "modes": {
            mode: {"kg_co2e_per_tkm": values[f"{mode}_factor"],
                   "circuity": values[f"{mode}_circuity"]}
            for mode in ("truck", "rail")
        },  # fmt: skip
        "materials": sorted(set(materials)) if scope == "materials" else [],
    }


def options_to_raw(options: dict[str, Any]) -> dict[str, Any]:
    """Stored run options back as the form's fields (the run form starts from the park's last
    run); the month is left out: each run is for a month of its own."""
    modes = options.get("modes") or {}
    raw: dict[str, Any] = {
        name: options.get(name) for name in ("min_lot_t", "time_limit_s", *PARTNERS)
    }
    for mode in ("truck", "rail"):
        spec = modes.get(mode) or {}
        raw[f"{mode}_factor"] = spec.get("kg_co2e_per_tkm")
        raw[f"{mode}_circuity"] = spec.get("circuity")
    raw = {k: number_text(v) for k, v in raw.items() if v is not None}
    materials = list(options.get("materials") or [])
    raw.update(scope="materials" if materials else "all", materials=materials)
    return raw
