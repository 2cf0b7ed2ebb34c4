"""An .xlsx sheet read row by row straight from its XML, trusting nothing it declares.

openpyxl's reader sizes every row by the sheet's declared range: a sheet declaring `A1` gives
one column, one declaring `A1:XFD1048576` builds a million rows of 16,384 cells. Here only the
cells that hold a value are kept, a row is a dict {column number: value}, rows without a value
are never yielded, and the XML is parsed by defusedxml (no DTD, no entity expansion) with each
row dropped once read, so memory follows the rows that hold data.

Values: text, float, bool, `date`/`datetime` for a number in a date format, `Percent` (a float,
the fraction) for a number in a percent format, `NoSavedValue` for a formula the file holds
no result of (written by a generator, not by Excel), `CellError` for `#DIV/0!` and the like.
"""

from __future__ import annotations

import posixpath
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError
from xml.sax import SAXException
from xml.sax.handler import ContentHandler

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from defusedxml.sax import make_parser
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MAX_XML_BYTES = 200 * 1024 * 1024  # unzipped; a zip bomb stops here if the clock has not


class BadWorkbook(ValueError):
    """The file is no readable workbook (broken zip or XML, a DTD, no sheet)."""


class OutOfTime(ValueError):
    """Reading took longer than the import's time budget."""


class Percent(float):
    """A number formatted as a percentage in the sheet: the stored fraction (0.08 for 8 %)."""


@dataclass(frozen=True)
class NoSavedValue:
    """A formula cell with no result saved in the file."""

    ref: str


@dataclass(frozen=True)
class CellError:
    ref: str
    code: str  # "#DIV/0!", "#REF!" …


@dataclass(frozen=True)
class Sheet:
    name: str
    path: str
    hidden: bool
    active: bool


def sheets(book: zipfile.ZipFile) -> list[Sheet]:
    """The workbook's sheets in tab order, with which is hidden and which is active."""
    root = _tree(book, "xl/workbook.xml")
    rels = {
        r.get("Id"): r.get("Target", "")
        for r in _tree(book, "xl/_rels/workbook.xml.rels").iter(f"{PKG_REL}Relationship")
    }
    view = root.find(f"{MAIN}bookViews/{MAIN}workbookView")
    active = int(view.get("activeTab", "0")) if view is not None else 0
    out = []
    for i, s in enumerate(root.iter(f"{MAIN}sheet")):
        target = rels.get(s.get(f"{REL}id"), "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        out.append(Sheet(s.get("name", ""), posixpath.normpath(path),
                         s.get("state", "visible") != "visible", i == active))  # fmt: skip
    if not out:
        raise BadWorkbook("no sheet")
    return out


def read_rows(
    book: zipfile.ZipFile, sheet: Sheet, *, deadline: float
) -> Iterator[tuple[int, dict[int, object]]]:
    """(row number, {column number: value}) for each row holding a value, in sheet order.

    SAX over the zip member, fed in chunks: no element tree is built, so a row costs only
    the cells that hold a value, and rows are handed on as each chunk is read."""
    handler = _RowHandler(_shared_strings(book, deadline), _styles(book), _epoch(book))
    parser = make_parser()
    parser.setContentHandler(handler)
    try:
        stream = _Bounded(book.open(sheet.path))
        while chunk := stream.read(1 << 16):
            parser.feed(chunk)
            yield from handler.rows
            handler.rows.clear()
            if time.monotonic() > deadline:
                raise OutOfTime(handler.row_number)
        parser.close()
        yield from handler.rows
    except (SAXException, DefusedXmlException, KeyError, zipfile.BadZipFile, OSError,
            EOFError, ValueError, IndexError) as bad:  # fmt: skip
        if isinstance(bad, OutOfTime | BadWorkbook):
            raise
        raise BadWorkbook(str(bad)) from None


class _RowHandler(ContentHandler):
    """Collects the rows of a worksheet's XML; `rows` is emptied by the reader as it goes."""

    def __init__(self, strings: list[str], styles: list[str], epoch):
        super().__init__()
        self.strings, self.styles, self.epoch = strings, styles, epoch
        self.rows: list[tuple[int, dict[int, object]]] = []
        self.row_number = 0
        self.cells: dict[int, object] = {}
        self.column, self.ref, self.kind, self.style = 0, "", "n", 0
        self.formula, self.text, self.buffer = False, None, None

    def startElement(self, name, attrs):
        local = name.rpartition(":")[2]
        if local == "c":
            self.ref = attrs.get("r") or ""
            self.column = _column(self.ref) if self.ref else self.column + 1
            self.kind, self.style = attrs.get("t", "n"), int(attrs.get("s", "0"))
            self.formula, self.text = False, None
        elif local in ("v", "t"):
            self.buffer = []
        elif local == "f":
            self.formula = True
        elif local == "row":
            self.row_number = int(attrs.get("r") or self.row_number + 1)
            self.cells, self.column = {}, 0

    def characters(self, content):
        if self.buffer is not None:
            self.buffer.append(content)

    def endElement(self, name):
        local = name.rpartition(":")[2]
        if local in ("v", "t") and self.buffer is not None:
            self.text = (self.text or "") + "".join(self.buffer)
            self.buffer = None
        elif local == "c":
            ref = self.ref or f"R{self.row_number}C{self.column}"
            value = _value(self.kind, self.text, self.formula, self.style, ref, self)
            if value is not None and value != "":
                self.cells[self.column] = value
        elif local == "row" and self.cells:
            self.rows.append((self.row_number, self.cells))


def _value(kind: str, text: str | None, formula: bool, style: int, ref: str, book: _RowHandler):
    if kind == "inlineStr":
        return text or ""
    if text is None or text == "":
        return NoSavedValue(ref) if formula else None
    if kind == "s":
        return book.strings[int(text)]
    if kind in ("str", "d"):
        return text
    if kind == "b":
        return text == "1"
    if kind == "e":
        return CellError(ref, text)
    number = float(text)
    shown = book.styles[style] if style < len(book.styles) else ""
    if shown == "date":
        moment = from_excel(number, book.epoch)
        return moment.date() if moment.time() == moment.min.time() else moment
    if shown == "percent":
        return Percent(number)
    return number


def _column(ref: str) -> int:
    number = 0
    for ch in ref:
        if ch.isdigit():
            break
        number = number * 26 + (ord(ch) & 0x1F)  # A or a is 1
    return number


def _shared_strings(book: zipfile.ZipFile, deadline: float) -> list[str]:
    if "xl/sharedStrings.xml" not in book.namelist():
        return []
    out = []
    for _event, elem in iterparse(_Bounded(book.open("xl/sharedStrings.xml")), events=("end",)):
        if elem.tag == f"{MAIN}si":
            # rich text: the runs' <t>, never the phonetic guide (<rPh>) Korean and Japanese add
            runs = [elem.find(f"{MAIN}t")] + [r.find(f"{MAIN}t") for r in elem.iter(f"{MAIN}r")]
            out.append("".join(t.text or "" for t in runs if t is not None))
            elem.clear()
            if len(out) % 4096 == 0 and time.monotonic() > deadline:
                raise OutOfTime(0)
    return out


def _styles(book: zipfile.ZipFile) -> list[str]:
    """Each cell style as "date", "percent" or ""."""
    if "xl/styles.xml" not in book.namelist():
        return []
    root = _tree(book, "xl/styles.xml")
    codes = dict(BUILTIN_FORMATS)
    for f in root.iter(f"{MAIN}numFmt"):
        codes[int(f.get("numFmtId", "0"))] = f.get("formatCode", "")
    out = []
    xfs = root.find(f"{MAIN}cellXfs")
    for xf in xfs.iter(f"{MAIN}xf") if xfs is not None else []:
        code = codes.get(int(xf.get("numFmtId", "0")), "")
        out.append("percent" if "%" in code else "date" if is_date_format(code) else "")
    return out


def _epoch(book: zipfile.ZipFile):
    pr = _tree(book, "xl/workbook.xml").find(f"{MAIN}workbookPr")
    on = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
    return CALENDAR_MAC_1904 if on else CALENDAR_WINDOWS_1900


def _tree(book: zipfile.ZipFile, name: str):
    try:
        root = None
        for _event, elem in iterparse(_Bounded(book.open(name)), events=("end",)):
            root = elem
        return root
    except (KeyError, ParseError, DefusedXmlException, zipfile.BadZipFile, OSError,
            EOFError) as bad:  # fmt: skip
        raise BadWorkbook(str(bad)) from None


class _Bounded:
    """A zip member read with a cap on the unzipped bytes."""

    def __init__(self, stream):
        self.stream, self.read_bytes = stream, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(65536 if size is None or size < 0 else size)
        self.read_bytes += len(chunk)
        if self.read_bytes > MAX_XML_BYTES:
            raise BadWorkbook("too large unzipped")
        return chunk


def pick_sheet(
    book: zipfile.ZipFile, header_ok: Callable[[dict[int, object]], bool], *, deadline: float
) -> Sheet:
    """The sheet to read: the first (active first, then visible ones in tab order, hidden last)
    whose first row with a value is a header; else the active sheet, so the header message
    speaks of the sheet the user sees."""
    tabs = sheets(book)
    order = sorted(tabs, key=lambda s: (not s.active, s.hidden))
    for sheet in order:
        for _number, cells in read_rows(book, sheet, deadline=deadline):
            if header_ok(cells):
                return sheet
            break
    return order[0]
