"""Listings in and out of sheets (CSV or Excel).

Reading: `read_sheet` turns an upload into raw rows (dicts keyed by column, "_line" the line
the user sees), streaming and bounded (see sheet_files). `preview` sorts every row into new,
update, unchanged, duplicate or error against the factory's listings; `apply_preview` saves
one that has no errors. Writing: `to_csv`/`to_xlsx`, every text cell passed through
`safe_cell` (CSV injection).
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from sqlmodel import Session, select

from exchange.i18n import format_number
from exchange.models import Factory, Listing, ListingKind, ListingStatus, User
from exchange.services import allbaro
from exchange.services.agreed import held_exchanges
from exchange.services.field_reader import folded, normal_text
from exchange.services.listing_input import (
    InvalidListing,
    ListingInput,
    columns,
    listing_to_raw,
    parse_listing,
)
from exchange.services.listings import create_listing, set_status, update_listing
from exchange.services.proposals import EPSILON_T
from exchange.services.sheet_files import (
    CellError,
    NoSavedValue,
    Percent,
    SheetRejected,
    header_map,
    read_table,
)
from exchange.services.waste_names import park_waste_names

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ROUND_TRIP = ["id", "status"]  # the export's own columns: which listing a row is, and its state
STATUS_WORDS = {"활성": "active", "게시": "active", "일시 중지": "paused", "중지": "paused",
                "철회": "withdrawn"}  # fmt: skip

__all__ = ["SheetRejected", "RowError", "read_sheet", "preview", "apply_preview", "safe_cell"]


@dataclass(frozen=True)
class RowError:
    line: int  # as the user sees it in the sheet: the header is line 1
    field: str
    message: str
    value: str = ""  # the cell as typed


@dataclass
class ReadSheet:
    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None


def sheet_columns() -> list[str]:
    """The columns an import reads: the listing's fields, then the export's id and status."""
    return columns() + ROUND_TRIP


def read_sheet(
    *, filename: str, content: bytes, max_rows: int, encoding: str | None = None,
    time_budget_s: float = 15.0,
) -> ReadSheet:  # fmt: skip
    """The upload's rows as raw dicts; raise `SheetRejected` when the file cannot be read."""
    table = read_table(filename=filename, content=content, max_rows=max_rows, encoding=encoding,
                       known=sheet_columns(), time_budget_s=time_budget_s)  # fmt: skip
    rows = []
    for line, cells in table.rows:
        raw: dict[str, Any] = {"_line": line}
        for column, value in cells.items():
            key = table.keys.get(column)
            if key:
                raw[key] = _as_read(key, value)
        rows.append(raw)
    if not rows:
        raise SheetRejected(_("The sheet has no rows under its header."))
    if table.kind == "allbaro":
        rows, notes = allbaro.listing_rows([(r.pop("_line"), r) for r in rows])
        table.notes += notes
    return ReadSheet(rows=rows, notes=table.notes, encoding=table.encoding)


def _as_read(key: str, value: Any) -> Any:
    if isinstance(value, Percent):
        # a percent-formatted cell shows 8 % for 0.08; a _pct column means the 8
        return round(float(value) * 100, 9) if key.endswith("_pct") else float(value)
    if isinstance(value, str):
        return _uninert(value)
    return value


@dataclass
class PreviewRow:
    line: int
    status: str  # new, update, unchanged, duplicate, error
    raw: dict[str, Any]
    listing_id: int | None = None
    errors: list[RowError] = field(default_factory=list)
    parsed: ListingInput | None = None
    new_status: str | None = None


@dataclass
class Preview:
    rows: list[PreviewRow]
    notes: list[str] = field(default_factory=list)

    def unknown_names(self) -> list[str]:
        """Waste names of a file (Allbaro) the catalogue and the park do not know yet."""
        return sorted({str(r.raw.get("material")) for r in self.rows if r.raw.get("_match")
                       and any(e.field == "material" for e in r.errors)})  # fmt: skip

    @property
    def errors(self) -> list[RowError]:
        return [e for r in self.rows for e in r.errors]

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    def counts(self) -> dict[str, int]:
        return {s: self.count(s) for s in ("new", "update", "unchanged", "duplicate", "error")}


def preview(*, session: Session, factory: Factory, rows: list[dict[str, Any]]) -> Preview:
    """Every row checked and sorted against the factory's listings; nothing is written."""
    mine = {x.id: x for x in session.exec(select(Listing).where(Listing.factory_id == factory.id))}
    stored = {}
    for listing in mine.values():
        if listing.status != ListingStatus.withdrawn:
            stored.setdefault(_signature_of(listing), listing.id)
    seen_ids: set[int] = set()
    seen: set = set()
    out = []
    notes: list[str] = []
    names = park_waste_names(session=session, park_id=factory.park_id)
    for raw in rows:
        if raw.get("_match") and folded(raw.get("material")) in names:
            raw = {**raw, "material": names[folded(raw.get("material"))]}
        row = _check_row(raw, mine)
        out.append(row)
        if row.status == "error":
            continue
        if raw.get("_match") == "material":
            _match_by_material(row, mine)
            notes += _park_takers(session, factory, raw.get("_takers") or [])
        signature = _signature(row.parsed)
        if row.listing_id is not None:
            if row.listing_id in seen_ids:
                row.status = "duplicate"
            seen_ids.add(row.listing_id)
        elif signature in seen:
            row.status = "duplicate"
        elif signature in stored:
            row.status, row.listing_id = "unchanged", stored[signature]
        seen.add(signature)
        if row.status == "update":
            _refuse_below_agreed(session, row, mine[row.listing_id])
    return Preview(rows=out, notes=notes)


def _refuse_below_agreed(session: Session, row: PreviewRow, listing: Listing) -> None:
    """A sheet may not take a listing below what its approved or running exchanges carry:
    the row is an error naming them (the listing's own page can confirm such a change and
    tell the partners; a sheet of many rows is no place for that question)."""
    status = row.new_status or listing.status
    left = row.parsed.tonnes_per_month if status == ListingStatus.active else 0.0
    exchanges = held_exchanges(session=session, listing=listing)
    held = sum(x.proposal.tonnes_per_month for x in exchanges)
    if not exchanges or left + EPSILON_T >= held:
        return
    named = ", ".join(
        _("#%(id)s with %(factory)s (%(tonnes)s t a month)", id=x.proposal.id,
          factory=x.partner.name, tonnes=format_number(x.proposal.tonnes_per_month))
        for x in exchanges
    )  # fmt: skip
    field = "tonnes_per_month" if status == ListingStatus.active else "status"
    typed_value = typed(row.raw.get(field))
    row.errors.append(RowError(row.line, field, _(
        "Agreed exchanges carry %(held)s t a month of this listing (%(exchanges)s): change it "
        "below that on the listing's own page, which asks to confirm and tells the partners.",
        held=format_number(held), exchanges=named), typed_value))  # fmt: skip
    row.status, row.parsed = "error", None


def _match_by_material(row: PreviewRow, mine: dict[int, Listing]) -> None:
    """An Allbaro row updates the factory's offer of its material, when it has one."""
    same = [x for x in mine.values() if x.kind == ListingKind.offer
            and x.material_key == row.parsed.material_key
            and x.status != ListingStatus.withdrawn]  # fmt: skip
    if same:
        listing = min(same, key=lambda x: x.id)
        row.listing_id = listing.id
        row.status = "unchanged" if _signature(row.parsed) == _signature_of(listing) else "update"


def _park_takers(session: Session, factory: Factory, takers: list[str]) -> list[str]:
    names = {folded(f.name): f.name for f in session.exec(
        select(Factory).where(Factory.park_id == factory.park_id, Factory.id != factory.id))}  # fmt: skip
    return [_("%(name)s takes this waste today and is a factory of the park: a possible "
              "existing exchange.", name=names[folded(t)]) for t in takers if folded(t) in names]  # fmt: skip


def _check_row(raw: dict[str, Any], mine: dict[int, Listing]) -> PreviewRow:
    line = raw["_line"]
    row = PreviewRow(line=line, status="new", raw=raw)
    fields = {k: v for k, v in raw.items() if k != "_line"}
    for key, value in list(fields.items()):
        if isinstance(value, NoSavedValue):
            row.errors.append(RowError(line, key, _(
                "Cell %(cell)s is a formula with no saved value: save the file in Excel, or "
                "paste the values.", cell=value.ref), "="))  # fmt: skip
        elif isinstance(value, CellError):
            row.errors.append(RowError(line, key, _("Cell %(cell)s holds the error %(code)s.",
                                                    cell=value.ref, code=value.code), value.code))  # fmt: skip
    marked = {e.field for e in row.errors}
    clean = {k: ("" if k in marked else v) for k, v in fields.items()}
    try:
        row.parsed = parse_listing(clean)
    except InvalidListing as bad:
        row.errors += [RowError(line, f, m, typed(fields.get(f))) for f, m in bad.errors
                       if f not in marked]  # fmt: skip
    _round_trip_fields(row, fields, mine)
    if row.errors:
        row.status, row.parsed = "error", None
    return row


def _round_trip_fields(row: PreviewRow, fields: dict[str, Any], mine: dict[int, Listing]) -> None:
    typed_id, typed_status = typed(fields.get("id")), typed(fields.get("status"))
    status = folded(typed_status)
    status = STATUS_WORDS.get(status, status)
    if status and status not in [s.value for s in ListingStatus]:
        row.errors.append(RowError(row.line, "status", _(
            "Choose one of: %(options)s.", options="active, paused, withdrawn"), typed_status))  # fmt: skip
    row.new_status = status or None
    if not typed_id:
        if status == ListingStatus.withdrawn:
            row.errors.append(RowError(row.line, "status", _(
                "A new listing cannot be withdrawn; leave the status blank."), typed_status))  # fmt: skip
        return
    number = re.fullmatch(r"#?(\d{1,12})(\.0)?", folded(typed_id))
    listing = mine.get(int(number.group(1))) if number else None
    if listing is None:
        row.errors.append(RowError(row.line, "id", _(
            "No listing of this factory has this id: clear the cell to add the row as a new "
            "listing."), typed_id))  # fmt: skip
        return
    row.listing_id = listing.id
    if listing.status == ListingStatus.withdrawn and status not in ("", "withdrawn"):
        row.errors.append(RowError(row.line, "status", _(
            "A withdrawn listing cannot be changed."), typed_status))  # fmt: skip
    if row.parsed is not None and not row.errors:
        same = _signature(row.parsed) == _signature_of(listing)
        if not same and listing.status == ListingStatus.withdrawn:
            row.errors.append(RowError(row.line, "id", _("A withdrawn listing cannot be changed."),
                                       typed_id))  # fmt: skip
        row.status = "unchanged" if same and status in ("", listing.status) else "update"


def typed(value: Any) -> str:
    """A cell as the user typed it, for an error message."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value.isoformat() if hasattr(value, "isoformat") else normal_text(value)


def _signature(item: ListingInput) -> tuple:
    data = item.to_fields()
    return tuple(sorted((k, repr(v)) for k, v in data.items()))


def _signature_of(listing: Listing) -> tuple | None:
    try:
        return _signature(parse_listing(listing_to_raw(listing)))
    except InvalidListing:  # a listing stored under older rules: never "the same"
        return None


def rejected_message(checked: Preview) -> str:
    return _("%(bad)d of %(total)d rows have errors; nothing was imported.",
             bad=checked.count("error"), total=len(checked.rows))  # fmt: skip


def apply_preview(*, session: Session, factory: Factory, user: User, checked: Preview) -> dict:
    """Write a preview without errors: create the new rows, update the changed ones; flush,
    never commit. Returns the counts by status."""
    if checked.errors:
        raise SheetRejected(rejected_message(checked), checked.errors)
    for row in checked.rows:
        if row.status == "new":
            listing = create_listing(session=session, factory=factory, listing_in=row.parsed,
                                     user=user, action="imported")  # fmt: skip
            if row.new_status == ListingStatus.paused:
                set_status(session=session, listing=listing, status=ListingStatus.paused,
                           user=user)  # fmt: skip
        elif row.status == "update":
            listing = session.get(Listing, row.listing_id)
            if listing.status != ListingStatus.withdrawn:
                update_listing(session=session, listing=listing, listing_in=row.parsed, user=user)
            if row.new_status and row.new_status != listing.status:
                set_status(session=session, listing=listing,
                           status=ListingStatus(row.new_status), user=user)  # fmt: skip
    return checked.counts()


def export_rows(listings: list[Listing]) -> list[list[Any]]:
    """The header then one row a listing, its id and status last-but-not-lost: an edited
    export imported again updates these listings."""
    cols = ROUND_TRIP + columns()
    out: list[list[Any]] = [cols]
    for listing in listings:
        raw = listing_to_raw(listing)
        raw["id"], raw["status"] = str(listing.id), str(listing.status)
        out.append([raw.get(c, "") for c in cols])
    return out


def to_csv(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[safe_cell(v) for v in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM lets Excel read Korean text


def safe_cell(value: Any) -> Any:
    """A value as every sheet the app writes carries it. Text that begins like a formula,
    after any white space (a space, the ideographic or no-break space), or with a tab or CR,
    would run when the sheet is opened (CSV injection): an apostrophe before it makes it
    text, and the import takes the apostrophe off. Plain numbers stay numbers."""
    if not isinstance(value, str):
        return value
    if value.startswith(("\t", "\r")) or (
        value.lstrip().startswith(FORMULA_START) and isinstance(_cell(value), str)
    ):
        return "'" + value
    return value


def _uninert(value: str) -> str:
    if value.startswith("'") and (
        value[1:].startswith(("\t", "\r")) or value[1:].lstrip().startswith(FORMULA_START)
    ):
        return value[1:]
    return value


def to_xlsx(rows: list[list[Any]], book: Workbook | None = None) -> bytes:
    book = book or Workbook()
    sheet = book.active
    sheet.title = sheet.title if book.sheetnames != ["Sheet"] else "listings"
    for row in rows:
        # no apostrophe here: a cell typed as text ("s") is never run as a formula
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


__all__ += ["header_map", "export_rows", "to_csv", "to_xlsx", "sheet_columns"]
