"""Bulk import and export: all rows or none, every bad row listed with its line and column."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import col, select

from exchange.models import Listing
from tests.exchange.conftest import sign_in

HEADER = ["kind", "material", "tonnes_per_month", "description", "moisture_pct", "max_moisture_pct"]


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows])
    return buffer.getvalue().encode("utf-8")


def _upload(client, factory_id: int, content: bytes, name: str, encoding: str = ""):
    """The preview: nothing saved yet."""
    return client.post(
        f"/factories/{factory_id}/import",
        data={"sheet": (io.BytesIO(content), name), "encoding": encoding},
        content_type="multipart/form-data",
    )


def _confirm(client, factory_id: int, preview):
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', preview.get_data(as_text=True))
    assert token, preview.get_data(as_text=True)[:3000]
    return client.post(f"/factories/{factory_id}/import/confirm", data={"token": token.group(1)})


def _import(client, factory_id: int, content: bytes, name: str, encoding: str = ""):
    """Upload, then confirm the preview: the confirmation's answer."""
    preview = _upload(client, factory_id, content, name, encoding)
    assert preview.status_code == 200, preview.get_data(as_text=True)[:3000]
    return _confirm(client, factory_id, preview)


@pytest.fixture(autouse=True)
def drafts_in_tmp(app, tmp_path):
    app.config["IMPORT_DRAFTS"] = str(tmp_path / "imports")


def _count(session) -> int:
    session.expire_all()
    return len(session.exec(select(Listing.id)).all())


def test_good_csv_imports_every_row(client, world, session):
    sign_in(client, world.manager_a)
    rows = [["offer", "fgd-gypsum", "120", "탈황석고", "8", ""],
            ["want", "coal-fly-ash", "50", "fly ash intake", "", "15"]]  # fmt: skip
    preview = _upload(client, world.factory_a.id, _csv(rows), "listings.csv")
    assert _count(session) == 0  # the preview saves nothing
    assert _confirm(client, world.factory_a.id, preview).status_code == 302
    stored = session.exec(select(Listing).order_by(col(Listing.id))).all()
    assert [(x.kind, x.material_key, x.tonnes_per_month) for x in stored] == [
        ("offer", "fgd-gypsum", 120), ("want", "coal-fly-ash", 50),
    ]  # fmt: skip
    assert stored[0].description == "탈황석고"
    assert stored[1].requirements == {"moisture_pct": {"max": 15.0}}


def test_korean_excel_csv_in_cp949_is_read(client, world, session):
    sign_in(client, world.manager_a)
    content = "kind,material,tonnes_per_month,description\noffer,fgd-gypsum,10,탈황석고\n".encode(
        "cp949"
    )
    assert _import(client, world.factory_a.id, content, "l.csv").status_code == 302
    assert session.exec(select(Listing.description)).one() == "탈황석고"


def test_five_bad_rows_among_500_import_nothing_and_are_all_listed(client, world, session):
    sign_in(client, world.manager_a)
    rows = [["offer", "fgd-gypsum", str(10 + i), f"row {i}", "8", ""] for i in range(500)]
    bad = {
        17: ("tonnes_per_month", "-3", "Must be greater than 0."),
        101: ("material", "kryptonite", "Unknown material “kryptonite”"),
        250: ("tonnes_per_month", "nan", "Enter a finite number."),
        377: ("moisture_pct", "150", "Must be at most 100."),
        499: ("kind", "swap", "Choose one of: offer, want."),
    }
    for index, (column, value, _message) in bad.items():
        rows[index][HEADER.index(column)] = value
    response = _upload(client, world.factory_a.id, _csv(rows), "big.csv")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "5 of 500 rows have errors; nothing was imported." in html
    for index, (column, _value, message) in bad.items():
        line = index + 2  # the header is line 1
        assert f'<td class="line">{line}</td><td><code>{column}</code></td><td>{message}' in html
    assert html.count('<td class="typed">') == 5
    assert 'name="token"' not in html  # nothing to confirm
    assert _count(session) == 0


def test_xlsx_imports_and_exports_round_trip(client, world, session):
    sign_in(client, world.manager_a)
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["offer", "fgd-gypsum", 120, "gypsum", 8, None])
    sheet.append(["want", "fgd-gypsum", 300, "intake", None, 10])
    buffer = io.BytesIO()
    book.save(buffer)
    assert _import(client, world.factory_a.id, buffer.getvalue(), "l.xlsx").status_code == 302

    exported = client.get(f"/factories/{world.factory_a.id}/export.xlsx")
    assert exported.status_code == 200
    rows = list(load_workbook(io.BytesIO(exported.data)).active.iter_rows(values_only=True))
    header = rows[0]
    by_kind = {r[header.index("kind")]: r for r in rows[1:]}
    assert by_kind["offer"][header.index("tonnes_per_month")] == 120  # a number in Excel
    assert by_kind["want"][header.index("max_moisture_pct")] == 10

    # the export, its id and status columns emptied, imports as new listings elsewhere
    sign_in(client, world.manager_b)
    csv_export = client.get(f"/factories/{world.factory_a.id}/export.csv")
    assert csv_export.status_code == 404  # another's factory answers as one that is not there
    sign_in(client, world.admin)
    text = client.get(f"/factories/{world.factory_a.id}/export.csv").data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:2] == ["id", "status"]
    copied = [["", ""] + row[2:] for row in table[1:]]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([table[0], *copied])
    assert _import(client, world.factory_b.id, buffer.getvalue().encode(), "again.csv").status_code == 302
    stored = session.exec(select(Listing).order_by(col(Listing.id))).all()
    originals = [x for x in stored if x.factory_id == world.factory_a.id]
    copies = [x for x in stored if x.factory_id == world.factory_b.id]
    fields = ("kind", "material_key", "tonnes_per_month", "properties", "requirements", "accepts")
    assert sorted(tuple(str(getattr(x, f)) for f in fields) for x in copies) == sorted(
        tuple(str(getattr(x, f)) for f in fields) for x in originals
    )
    # ... while the other factory's ids are refused, naming the id typed
    again = _upload(client, world.factory_b.id, text.encode(), "ids.csv")
    assert again.status_code == 422
    assert "No listing of this factory has this id" in again.get_data(as_text=True)


def test_a_file_that_is_not_a_sheet_is_refused(client, world, session):
    sign_in(client, world.manager_a)
    for content, name in [(b"%PDF-1.4 binary", "report.pdf"), (b"PK\x03\x04 broken zip", "fake.xlsx"),
                          (b"\x00\x01\x02\x03", "bytes.csv")]:  # fmt: skip
        response = _upload(client, world.factory_a.id, content, name)
        assert response.status_code == 422, name
        assert "The file is not a sheet: upload a .csv or .xlsx file." in response.get_data(
            as_text=True
        )
    assert _count(session) == 0


def test_a_10_mb_sheet_is_refused_with_a_message(client, world, session):
    sign_in(client, world.manager_a)
    row = "offer,fgd-gypsum,10,padding " + "x" * 1000 + ",8,\n"
    content = (",".join(HEADER) + "\n" + row * 10_300).encode()
    assert len(content) > 10 * 1024 * 1024
    # the body is built in memory: the test client would spool it to a file it never closes
    boundary = "sheetboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="sheet"; filename="huge.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        f"/factories/{world.factory_a.id}/import",
        input_stream=io.BytesIO(body),
        content_type=f"multipart/form-data; boundary={boundary}",
        content_length=len(body),
    )
    assert response.status_code == 413
    assert "The file is larger than 5 MB; nothing was imported." in response.get_data(as_text=True)
    assert _count(session) == 0


def test_unknown_columns_are_noted_and_a_missing_header_named(client, world, session):
    sign_in(client, world.manager_a)
    response = _upload(
        client, world.factory_a.id,
        "kind,material,tonnes_per_month,비고\noffer,fgd-gypsum,1,red\n".encode(), "l.csv",
    )  # fmt: skip
    assert response.status_code == 200
    assert "Columns not read (not in the template): 비고." in response.get_data(as_text=True)
    response = _upload(client, world.factory_a.id, b"offer,fgd-gypsum,10\n", "l.csv")
    assert "The first row must name the columns" in response.get_data(as_text=True)
    assert _count(session) == 0


def test_templates_download(client, world):
    sign_in(client, world.manager_a)
    response = client.get("/factories/import-template.csv")
    assert response.status_code == 200
    header = response.data.decode("utf-8-sig").splitlines()[0].split(",")
    assert header[:3] == ["kind", "material", "accepts"]
    assert "min_moisture_pct" in header
    xlsx = client.get("/factories/import-template.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
