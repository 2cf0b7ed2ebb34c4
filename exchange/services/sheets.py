"""Listings in and out of sheets (CSV or Excel): every row checked before any is written."""

from __future__ import annotations

import csv
import io
import math
import zipfile
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from sqlmodel import Session

from exchange.models import Factory, Listing, User
from exchange.services.listing_input import (
    InvalidListing,
    ListingInput,
    columns,
    listing_to_raw,
    parse_listing,
)
from exchange.services.listings import create_listing

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RowError:
    line: int  # as the user sees it in the sheet: the header is line 1
    field: str
    message: str


class SheetRejected(ValueError):
    """The sheet as a whole could not be read, or some rows are bad: nothing was imported."""

    def __init__(self, message: str, row_errors: list[RowError] = ()):
        super().__init__(message)
        self.message = message
        self.row_errors = list(row_errors)


def read_sheet(*, filename: str, content: bytes, max_rows: int) -> list[dict[str, Any]]:
    """Rows as dicts keyed by the header; refuse what is not a CSV or .xlsx sheet."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(content)
    elif name.endswith(".csv"):
        rows = _csv_rows(content)
    else:
        raise SheetRejected(_("The file is not a sheet: upload a .csv or .xlsx file."))
    if not rows:
        raise SheetRejected(_("The sheet is empty."))
    header = [str(h or "").strip().lower() for h in rows[0]]
    unknown = [h for h in header if h and h not in columns()]
    if "kind" not in header or "material" not in header:
        raise SheetRejected(_("The first row must name the columns; download the template."))
    if unknown:
        raise SheetRejected(_("Unknown columns: %(cols)s.", cols=", ".join(unknown)))
    body = [r for r in rows[1:] if any(str(v).strip() for v in r if v is not None)]
    if len(body) > max_rows:
        raise SheetRejected(
            _("The sheet has %(n)d rows; at most %(max)d at a time.", n=len(body), max=max_rows)
        )
    return [
        {"_line": i, **{h: v for h, v in zip(header, r, strict=False) if h}}
        for i, r in enumerate(rows[1:], start=2)
        if any(str(v).strip() for v in r if v is not None)
    ]


def _csv_rows(content: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "cp949"):  # Korean Excel saves CSV as cp949
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetRejected(_("The file is not a sheet: upload a .csv or .xlsx file."))
    if "\x00" in text:
        raise SheetRejected(_("The file is not a sheet: upload a .csv or .xlsx file."))
    return [[_uninert(v) for v in row] for row in csv.reader(io.StringIO(text))]


def _xlsx_rows(content: bytes) -> list[list[Any]]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise SheetRejected(_("The file is not a sheet: upload a .csv or .xlsx file.")) from None
    try:
        return [[_uninert(v) for v in r] for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def check_rows(rows: list[dict[str, Any]]) -> list[ListingInput]:
    """Parse every row; raise `SheetRejected` with every bad row's line and field."""
    parsed, errors = [], []
    for row in rows:
        try:
            parsed.append(parse_listing(row))
        except InvalidListing as bad:
            errors += [RowError(row["_line"], f, m) for f, m in bad.errors]
    if errors:
        bad_rows = len({e.line for e in errors})
        raise SheetRejected(
            _(
                "%(bad)d of %(total)d rows have errors; nothing was imported.",
                bad=bad_rows,
                total=len(rows),
            ),
            errors,
        )
    return parsed


def import_listings(
    *, session: Session, factory: Factory, user: User, filename: str, content: bytes, max_rows: int
) -> list[Listing]:
    rows = read_sheet(filename=filename, content=content, max_rows=max_rows)
    return [
        create_listing(
            session=session, factory=factory, listing_in=item, user=user, action="imported"
        )
        for item in check_rows(rows)
    ]


def export_rows(listings: list[Listing]) -> list[list[Any]]:
    cols = columns()
    out: list[list[Any]] = [cols]
    for listing in listings:
        raw = listing_to_raw(listing)
        out.append([raw.get(c, "") for c in cols])
    return out


def to_csv(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[_inert(v) for v in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM lets Excel read Korean text


def _inert(value: Any) -> Any:
    """Text that begins like a formula would run when the sheet is opened in Excel (CSV
    injection): an apostrophe before it makes it text, and import takes the apostrophe off."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and isinstance(_cell(value), str):
        return "'" + value
    return value


def _uninert(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def to_xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "listings"
    for row in rows:
        sheet.append([_cell(v) for v in row])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # openpyxl takes text beginning with "=" for a formula
                cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    """Numbers go into Excel as numbers, so a manager can sum and sort them."""
    if isinstance(value, str):
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            return value
        if not math.isfinite(number):
            return value
        return int(number) if number.is_integer() else number
    return value


def template_rows() -> list[list[Any]]:
    cols = columns()
    examples = [
        {"kind": "offer", "material": "fgd-gypsum", "description": "탈황석고, 건조 후 출하",
         "tonnes_per_month": "120", "steadiness": "continuous", "hazardous": "no",
         "disposal_route": "landfill", "disposal_cost_krw_per_t": "45000", "moisture_pct": "8"},
        {"kind": "want", "material": "fgd-gypsum", "accepts": "coal-fly-ash",
         "description": "Gypsum for plasterboard", "tonnes_per_month": "300",
         "max_km": "80", "max_moisture_pct": "10"},
    ]  # fmt: skip
    return [cols] + [[e.get(c, "") for c in cols] for e in examples]
