"""An uploaded sheet file (CSV or .xlsx) to a header and rows, bounded in rows, bytes and time.

Every way a file can be malformed ends in `SheetRejected` with a message for the user, never
an exception the page would show as a 500.
"""

from __future__ import annotations

import codecs
import csv
import io
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from exchange.services import allbaro
from exchange.services.field_reader import folded
from exchange.services.xlsx_rows import (
    BadWorkbook,
    CellError,
    NoSavedValue,
    OutOfTime,
    Percent,
    pick_sheet,
    read_rows,
)

ENCODINGS = {"utf-8": "UTF-8", "cp949": "CP949 (EUC-KR)"}  # what a user may choose
SAMPLE_BYTES = 64 * 1024  # what the encoding is judged on
CSV_FIELD_LIMIT = 100_000  # characters; a longer field is no listing

__all__ = ["SheetRejected", "read_table", "header_map", "CellError", "NoSavedValue", "Percent",
           "ENCODINGS", "column_labels"]  # fmt: skip


class SheetRejected(ValueError):
    """The sheet as a whole could not be read, or some rows are bad: nothing was imported."""

    def __init__(self, message: str, row_errors=()):
        super().__init__(message)
        self.message = message
        self.row_errors = list(row_errors)


@dataclass
class Table:
    keys: dict[int, str]  # column number -> field
    rows: list[tuple[int, dict[int, Any]]]  # (line, {column number: value}), non-empty only
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None
    kind: str = "listings"  # or "allbaro": a transfer-slip export (services.allbaro)


def not_a_sheet() -> SheetRejected:
    return SheetRejected(_("The file is not a sheet: upload a .csv or .xlsx file."))


def read_table(
    *, filename: str, content: bytes, max_rows: int, known: list[str], encoding: str | None = None,
    time_budget_s: float = 15.0,
) -> Table:  # fmt: skip
    """The header (keys or labels, either row of the template) and the rows under it."""
    deadline = time.monotonic() + time_budget_s
    name = (filename or "").lower()
    labels = column_labels(known)
    used = None
    try:
        if name.endswith(".xlsx"):
            rows = _xlsx_rows(content, labels, deadline)
        elif name.endswith(".csv"):
            used = encoding if encoding in ENCODINGS else detect_encoding(content)
            rows = _csv_rows(content, used)
        else:
            raise not_a_sheet()
        table = _table(rows, labels, max_rows, deadline)
    except OutOfTime:
        raise SheetRejected(_("Reading the sheet took longer than %(s)d seconds; split it "
                              "into smaller sheets.", s=time_budget_s)) from None  # fmt: skip
    except (BadWorkbook, csv.Error, UnicodeDecodeError, zipfile.BadZipFile, OSError):
        raise not_a_sheet() from None
    table.encoding = used
    return table


def _table(rows: Iterator, labels: dict[str, str], max_rows: int, deadline: float) -> Table:
    header = None
    table = Table(keys={}, rows=[])
    count = 0
    for line, cells in rows:
        if header is None:
            header = cells
            table.keys = header_map(cells, labels)
            if slips := allbaro.header_keys(cells):
                table.keys, table.kind = slips, "allbaro"
            elif "kind" not in table.keys.values() or "material" not in table.keys.values():
                raise SheetRejected(
                    _("The first row must name the columns; download the template.")
                )
            unknown = [str(v) for c, v in header.items() if c not in table.keys]
            if unknown and table.kind == "listings":
                table.notes.append(_("Columns not read (not in the template): %(cols)s.",
                                     cols=", ".join(unknown)))  # fmt: skip
            continue
        if not table.rows and count == 0 and header_map(cells, labels) == table.keys:
            continue  # the template's label row under the keys (or keys under labels)
        count += 1
        if count > max_rows:
            raise SheetRejected(_("The sheet has more than %(max)d rows; at most %(max)d at a "
                                  "time.", max=max_rows))  # fmt: skip
        if count % 512 == 0 and time.monotonic() > deadline:
            raise OutOfTime(line)
        table.rows.append((line, cells))
    if header is None:
        raise SheetRejected(_("The sheet is empty."))
    return table


def header_map(cells: dict[int, Any], labels: dict[str, str]) -> dict[int, str]:
    """Column number -> field for the header cells that name a field (by key or label)."""
    out = {}
    for column, value in cells.items():
        key = labels.get(folded(value))
        if key and key not in out.values():
            out[column] = key
    return out


def column_labels(known: list[str]) -> dict[str, str]:
    """Folded header words -> field: each key, and its label in Korean and in English."""
    from exchange.services.listing_input import column_label

    words = {folded(k): k for k in known}
    for locale in ("ko", "en"):
        try:
            with force_locale(locale):
                words.update({folded(column_label(k)): k for k in known})
        except RuntimeError:  # outside an app: the keys alone
            break
    return words


def detect_encoding(content: bytes) -> str:
    """UTF-8 or CP949, decided by charset-normalizer among these two, not by "it decodes as
    UTF-8": a short CP949 text can be valid UTF-8 too (as mojibake)."""
    from charset_normalizer import from_bytes

    if content.startswith(codecs.BOM_UTF8):
        return "utf-8"
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return "cp949"
    try:
        content.decode("cp949")
    except UnicodeDecodeError:
        return "utf-8"
    # both decode: judge on the first lines (a whole 5 MB file would take seconds)
    sample = content[:SAMPLE_BYTES].rpartition(b"\n")[0] or content[:SAMPLE_BYTES]
    best = from_bytes(sample, cp_isolation=["utf_8", "cp949"]).best()
    guessed = best.encoding if best is not None else "utf_8"
    return "cp949" if guessed == "cp949" or _looks_like_mojibake(sample) else "utf-8"


def _looks_like_mojibake(content: bytes) -> bool:
    """Valid UTF-8 that holds no Hangul while CP949 reads it all as Hangul: Korean Excel's
    CP949 bytes that happen to pair up as UTF-8 (ö Ĩ for 철 스)."""
    try:
        text, korean = content.decode("utf-8"), content.decode("cp949")
    except UnicodeDecodeError:  # the sample cut a character in two
        return False
    if any("\uac00" <= ch <= "\ud7a3" for ch in text):
        return False
    odd = [ch for ch in text if ord(ch) > 127]
    return bool(odd) and sum("\uac00" <= ch <= "\ud7a3" for ch in korean) > 0


def _csv_rows(content: bytes, encoding: str) -> Iterator[tuple[int, dict[int, Any]]]:
    text = content.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    if "\x00" in text:
        raise not_a_sheet()
    limit = csv.field_size_limit()
    csv.field_size_limit(CSV_FIELD_LIMIT)
    try:
        for line, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            cells = {i: v for i, v in enumerate(row, start=1) if v.strip()}
            if cells:
                yield line, cells
    finally:
        csv.field_size_limit(limit)


def _xlsx_rows(content: bytes, labels: dict[str, str], deadline: float):
    try:
        book = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise not_a_sheet() from None

    def is_header(cells: dict[int, Any]) -> bool:
        keys = header_map(cells, labels).values()
        return ("kind" in keys and "material" in keys) or allbaro.header_keys(cells) is not None

    sheet = pick_sheet(book, is_header, deadline=deadline)
    yield from read_rows(book, sheet, deadline=deadline)
