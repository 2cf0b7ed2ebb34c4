"""Sheet import: time and peak memory of reading and previewing; never part of the suite.

    .venv/bin/python -m benchmarks.imports [--rows 5000]

Targets on the 2-core development machine: 5,000 rows previewed (read, every row checked and
sorted against the factory's listings) in under 3 s and 150 MiB; every oversized file refused
or read in under 2 s and 100 MiB. Time is measured in one pass, memory (tracemalloc's peak of
Python allocations) in a second, since tracing slows the pass it watches.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

from openpyxl import Workbook
from sqlmodel import Session

from exchange import create_app, migrate
from exchange.models import Factory, Park
from exchange.services import sheets

CASES = Path(__file__).resolve().parents[1] / "tests" / "exchange" / "field_cases"
LARGE = ["styled-A1048576.xlsx", "styled-XFD1048576.xlsx", "ours-styled-rows.xlsx",
         "ours-styled-XFD-each-row.xlsx"]  # fmt: skip


def sheet_of(rows: int) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("listings")
    sheet.append(["kind", "material", "tonnes_per_month", "description", "moisture_pct",
                  "disposal_route", "available_from"])  # fmt: skip
    for i in range(rows):
        sheet.append(["제공" if i % 2 else "offer", "탈황석고" if i % 3 else "fgd-gypsum",
                      f"{1000 + i:,}", f"line {i}", 8 + i % 10, "매립", "2026.12.01"])  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def million_rows_xlsx() -> bytes:
    """A sheet of 1,048,575 one-cell rows under a header, compressed under the 5 MB limit."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    template = io.BytesIO(sheet_of(1))
    source, out = zipfile.ZipFile(template), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if not item.filename.startswith("xl/worksheets/"):
                target.writestr(item, source.read(item.filename))
        body = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>offer</t></is></c></row>'
                       for n in range(2, 1_048_577))  # fmt: skip
        head = ('<row r="1"><c r="A1" t="inlineStr"><is><t>kind</t></is></c><c r="B1" '
                't="inlineStr"><is><t>material</t></is></c></row>')  # fmt: skip
        target.writestr("xl/worksheets/sheet1.xml",
                        f'<worksheet xmlns="{main}"><sheetData>{head}{body}</sheetData></worksheet>')
    return out.getvalue()


def measure(label: str, action) -> None:
    action()  # imports and caches warm
    started = time.perf_counter()
    outcome = action()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"{label:<40} {seconds:6.2f} s {peak:8.1f} MiB  {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="imports-bench-")
    app = create_app({"DATABASE_URL": f"sqlite:///{folder}/b.db", "SECRET_KEY": "b",
                      "TESTING": True})  # fmt: skip
    migrate.upgrade(app)
    with app.test_request_context(), Session(app.extensions["db_engine"]) as s:
        park = Park(slug="p", name_ko="산단", name_en="Park")
        s.add(park)
        s.flush()
        factory = Factory(park_id=park.id, slug="f", name="F", lat=37.3, lon=126.7)
        s.add(factory)
        s.commit()
        big = sheet_of(args.rows)
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
              "(figures scale with it on a shared machine)")

        def preview(content: bytes, name: str):
            def run():
                try:
                    read = sheets.read_sheet(filename=name, content=content, max_rows=args.rows)
                except sheets.SheetRejected as no:
                    return f"refused: {no.message}"
                checked = sheets.preview(session=s, factory=factory, rows=read.rows)
                return checked.counts()

            return run

        measure(f"{args.rows} rows ({len(big) // 1024} KB)", preview(big, "big.xlsx"))
        for name in LARGE:
            measure(name, preview((CASES / name).read_bytes(), name))
        bomb = million_rows_xlsx()
        measure(f"1,048,576 rows ({len(bomb) // 1024} KB)", preview(bomb, "m.xlsx"))
        csv_rows = b"kind,material,tonnes_per_month\n" + b"offer,fgd-gypsum,1\n" * 250_000
        measure(f"CSV 250,000 rows ({len(csv_rows) // 1024} KB)", preview(csv_rows, "m.csv"))


if __name__ == "__main__":
    main()
