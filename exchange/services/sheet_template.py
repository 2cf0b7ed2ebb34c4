"""The downloadable import template: keys, a label row under them, drop-downs, instructions.

The data sheet holds no example rows (an example left in would be imported); the examples
are on the instructions sheet. The drop-downs offer the labels of the current language, which
the import reads as the values they stand for (listing_input.CHOICE_WORDS).
"""

from __future__ import annotations

import io
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from exchange import catalogue
from exchange.services.listing_input import column_label, columns
from exchange.services.sheets import safe_cell

DATA_ROWS = 5000  # how far down the drop-downs reach


def template_rows() -> list[list[Any]]:
    """The CSV template: the keys, then their labels (either row is read as the header)."""
    cols = columns()
    return [cols, [column_label(c) for c in cols]]


def _choices() -> dict[str, list[str]]:
    locale = str(get_locale() or "ko")
    return {
        "kind": [_("Offer"), _("Want")],
        "material": sorted(m.name(locale) for m in catalogue.load().materials.values()),
        "steadiness": [_("Continuous"), _("Monthly batches"), _("One-off (date range)")],
        "disposal_route": [_("Landfill"), _("Incineration"), _("Recycling"), _("Treatment"),
                           _("Other")],
        "hazardous": [_("yes"), _("no")],
    }  # fmt: skip


def _examples() -> list[dict[str, str]]:
    return [
        {"kind": _("Offer"), "material": "fgd-gypsum", "description": _("FGD gypsum, dried"),
         "tonnes_per_month": "120", "steadiness": _("Continuous"), "hazardous": _("no"),
         "disposal_route": _("Landfill"), "disposal_cost_krw_per_t": "45,000",
         "moisture_pct": "8"},
        {"kind": _("Want"), "material": "fgd-gypsum", "accepts": "coal-fly-ash",
         "description": _("Gypsum for plasterboard"), "tonnes_per_month": "300",
         "available_from": "2026.12.01", "max_km": "80", "max_moisture_pct": "10"},
    ]  # fmt: skip


def template_xlsx() -> bytes:
    book = Workbook()
    data = book.active
    data.title = "listings"
    cols = columns()
    data.append(cols)
    data.append([column_label(c) for c in cols])
    for cell in data[2]:
        cell.font, cell.fill = Font(italic=True), PatternFill("solid", fgColor="EEEEEE")
    data.freeze_panes = "A3"
    lists = book.create_sheet("lists")
    for i, (key, values) in enumerate(_choices().items(), start=1):
        letter = get_column_letter(i)
        lists.cell(1, i, key)
        for row, value in enumerate(values, start=2):
            lists.cell(row, i, value)
        rule = DataValidation(type="list", allow_blank=True,
                              formula1=f"=lists!${letter}$2:${letter}${len(values) + 1}")  # fmt: skip
        rule.error = _("Choose from the list, or type a catalogue name, alias or code.")
        rule.showErrorMessage = key != "material"  # a material may be typed by code or alias
        column = get_column_letter(cols.index(key) + 1)
        rule.add(f"{column}3:{column}{DATA_ROWS}")
        data.add_data_validation(rule)
    lists.sheet_state = "hidden"
    _instructions(book.create_sheet(_("instructions")), cols)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _instructions(sheet, cols: list[str]) -> None:
    sheet.append([_("One listing a row on the sheet “listings”, under the two header rows. "
                    "Leave a cell blank when it does not apply. Numbers: a comma only between "
                    "thousands (1,200), a point for decimals (3.5); a unit may follow (120 t, "
                    "500 kg). Dates: 2026-12-01 or 2026.12.01.")])  # fmt: skip
    sheet.append([])
    examples = _examples()
    sheet.append([_("Column"), _("Label"), _("Example offer"), _("Example want")])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for key in cols:
        sheet.append([key, column_label(key), *(safe_cell(e.get(key, "")) for e in examples)])
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 36
