"""The field cases (tests/exchange/field_cases, copied from the field; `ours-*` made by us, see
make_ours.py): each kind of real-world file behaves as the field-cases README says, through a
manager's preview-then-confirm import."""

from __future__ import annotations

import csv
import io
import re
import time
import tracemalloc
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import col, select

from exchange.models import Listing
from exchange.services import sheets
from tests.exchange.conftest import sign_in

CASES = Path(__file__).resolve().parent / "field_cases"


@pytest.fixture(autouse=True)
def drafts_in_tmp(app, tmp_path):
    app.config["IMPORT_DRAFTS"] = str(tmp_path / "imports")


def upload(client, factory_id: int, name: str, content: bytes | None = None, encoding: str = ""):
    content = (CASES / name).read_bytes() if content is None else content
    return client.post(f"/factories/{factory_id}/import",
                       data={"sheet": (io.BytesIO(content), name), "encoding": encoding},
                       content_type="multipart/form-data")  # fmt: skip


def confirm(client, factory_id: int, preview):
    html = preview.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html)
    assert preview.status_code == 200 and token, html[:4000]
    return client.post(f"/factories/{factory_id}/import/confirm", data={"token": token.group(1)})


def import_file(client, factory_id: int, name: str, **kw):
    response = confirm(client, factory_id, upload(client, factory_id, name, **kw))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/factories/{factory_id}")
    return response


def stored(session) -> list[Listing]:
    session.expire_all()
    return list(session.exec(select(Listing).order_by(col(Listing.id))).all())


def error_rows(html: str) -> list[tuple[str, str, str, str]]:
    """(line, column, message, value as read) of the page's error table."""
    found = re.findall(r'<td class="line">(\d+)</td><td><code>([^<]*)</code></td><td>(.*?)</td>'
                       r'<td class="typed">(.*?)</td>', html)  # fmt: skip
    return [(line, column, message.replace("&#34;", '"').replace("&#39;", "'"), value)
            for line, column, message, value in found]  # fmt: skip


@pytest.mark.parametrize("name, expected", [
    ("dimension-A1.xlsx", [("fgd-gypsum", 120.0, 8.0), ("coal-fly-ash", 30.0, 12.0)]),
    ("ours-dimension-B2.xlsx", [("fgd-gypsum", 10.0, None), ("coal-fly-ash", 20.0, None),
                                ("steel-slag", 30.0, None)]),
])  # fmt: skip
def test_a_declared_range_is_never_trusted(client, world, session, name, expected):
    sign_in(client, world.manager_a)
    import_file(client, world.factory_a.id, name)
    assert [(x.material_key, x.tonnes_per_month, x.properties.get("moisture_pct"))
            for x in stored(session)] == expected  # fmt: skip


@pytest.mark.parametrize("name", ["styled-A1048576.xlsx", "styled-XFD1048576.xlsx",
                                  "ours-styled-rows.xlsx", "ours-styled-XFD-each-row.xlsx"])
def test_styled_empty_cells_far_off_cost_nothing(app, name):
    """Two rows read in well under a second and a few MiB, whatever range the sheet declares."""
    content = (CASES / name).read_bytes()
    with app.test_request_context():
        sheets.read_sheet(filename=name, content=content, max_rows=5000)  # warm the imports
        started = time.perf_counter()
        read = sheets.read_sheet(filename=name, content=content, max_rows=5000)
        seconds = time.perf_counter() - started
        tracemalloc.start()
        sheets.read_sheet(filename=name, content=content, max_rows=5000)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert [(r["_line"], r["material"]) for r in read.rows] == [(2, "fgd-gypsum"),
                                                                (3, "coal-fly-ash")]
    assert seconds < 1.0
    assert peak < 8 * 2**20


def test_the_row_limit_is_counted_while_reading(app):
    with app.test_request_context():
        content = (CASES / "ours-dimension-B2.xlsx").read_bytes()
        assert len(sheets.read_sheet(filename="x.xlsx", content=content, max_rows=3).rows) == 3
        with pytest.raises(sheets.SheetRejected, match="more than 2 rows; at most 2"):
            sheets.read_sheet(filename="x.xlsx", content=content, max_rows=2)
        rows = "".join(f"offer,fgd-gypsum,{i}\n" for i in range(1, 12))
        with pytest.raises(sheets.SheetRejected, match="more than 10 rows"):
            sheets.read_sheet(filename="x.csv", content=("kind,material,tonnes_per_month\n"
                                                         + rows).encode(), max_rows=10)  # fmt: skip


def test_a_formula_without_a_saved_value_is_refused_naming_the_cell(client, world, session):
    sign_in(client, world.manager_a)
    response = upload(client, world.factory_a.id, "formulas-and-percent.xlsx")
    assert response.status_code == 422
    message = ("Cell {} is a formula with no saved value: save the file in Excel, or paste the "
               "values.")  # fmt: skip
    assert error_rows(response.get_data(as_text=True)) == [
        ("2", "tonnes_per_month", message.format("C2"), "="),
        ("2", "moisture_pct", message.format("D2"), "="),
    ]
    response = upload(client, world.factory_a.id, "ours-formulas-and-percent.xlsx")
    assert error_rows(response.get_data(as_text=True)) == [
        ("2", "material", message.format("B2"), "=")]
    assert stored(session) == []


def test_percent_cells_read_as_shown_and_formula_results_kept(app):
    """0.08 formatted 0% is 8 in a _pct column; 0.125 as 0.0% is 12.5; =100+20 saved as 120."""
    with app.test_request_context():
        read = sheets.read_sheet(filename="f.xlsx", max_rows=10,
                                 content=(CASES / "formulas-and-percent.xlsx").read_bytes())
        assert read.rows[1]["moisture_pct"] == 8.0
        read = sheets.read_sheet(filename="f.xlsx", max_rows=10,
                                 content=(CASES / "percent-only.xlsx").read_bytes())
        assert read.rows[0]["moisture_pct"] == 8.0
        read = sheets.read_sheet(filename="f.xlsx", max_rows=10,
                                 content=(CASES / "ours-formulas-and-percent.xlsx").read_bytes())
        assert (read.rows[1]["tonnes_per_month"], read.rows[1]["moisture_pct"]) == (120.0, 12.5)
        assert (read.rows[2]["max_moisture_pct"], read.rows[2]["purity_pct"]) == (10.0, 95.12)


def test_a_percent_only_sheet_stores_the_percent(client, world, session):
    sign_in(client, world.manager_a)
    import_file(client, world.factory_a.id, "percent-only.xlsx")
    assert [x.properties for x in stored(session)] == [{"moisture_pct": 8.0}]


@pytest.mark.parametrize("name, materials", [
    ("hidden-first-sheet.xlsx", ["fgd-gypsum"]),
    ("ours-notes-sheet-first.xlsx", ["fgd-gypsum", "steel-slag"]),
])  # fmt: skip
def test_the_visible_sheet_with_the_header_is_read(client, world, session, name, materials):
    sign_in(client, world.manager_a)
    import_file(client, world.factory_a.id, name)
    assert [x.material_key for x in stored(session)] == materials


@pytest.mark.parametrize("name, periods", [
    ("date-cell-vs-text.xlsx", [(date(2026, 1, 1), date(2026, 3, 31))]),
    ("date-text-vs-cell.xlsx", [(date(2026, 1, 1), date(2026, 3, 31))]),
    ("ours-dates.xlsx", [(date(2026, 12, 1), date(2026, 12, 31)),
                         (date(2026, 12, 1), date(2026, 12, 31)),
                         (date(2026, 12, 1), date(2027, 1, 31))]),
])  # fmt: skip
def test_date_cells_beside_text_dates(client, world, session, name, periods):
    sign_in(client, world.manager_a)
    import_file(client, world.factory_a.id, name)
    assert [(x.available_from, x.available_until) for x in stored(session)] == periods


def test_a_date_cell_after_a_text_date_is_read_and_the_period_checked(client, world, session):
    """From the cell 2026-03-31 until the text 2026-01-01: read right (no 500), and refused as
    the end before the start, showing the date typed."""
    sign_in(client, world.manager_a)
    response = upload(client, world.factory_a.id, "date-cell-after-text.xlsx")
    assert response.status_code == 422
    assert error_rows(response.get_data(as_text=True)) == [
        ("2", "available_until", "The end date is before the start date.", "2026-01-01")]


COMMA = ("A comma here can only separate thousands in groups of three (1,200); write decimals "
         "with a point (3.5).")  # fmt: skip


@pytest.mark.parametrize("name, errors", [
    ("decimal-comma.csv", [("2", "tonnes_per_month", COMMA, "3,5"),
                           ("2", "moisture_pct", COMMA, "8,5"),
                           ("4", "tonnes_per_month", COMMA, "1,2,0")]),
    ("ours-decimal-comma.csv", [("2", "tonnes_per_month", COMMA, "0,5"),
                                ("3", "tonnes_per_month", COMMA, "1,20"),
                                ("4", "max_km", COMMA, "12,5"),
                                ("4", "max_moisture_pct", COMMA, "8,25")]),
])  # fmt: skip
def test_an_ambiguous_comma_is_refused_naming_the_value(client, world, session, name, errors):
    sign_in(client, world.manager_a)
    response = upload(client, world.factory_a.id, name)
    assert response.status_code == 422
    assert error_rows(response.get_data(as_text=True)) == errors
    assert stored(session) == []


@pytest.mark.parametrize("name, expected", [
    ("thousands-ok.csv", [(1200.0, None), (12000.5, None)]),
    ("ours-thousands-ok.csv", [(1200.0, 1250000.0), (0.5, 45000.0), (2500.75, 0.0)]),
])  # fmt: skip
def test_thousands_commas_and_units_read_right(client, world, session, name, expected):
    sign_in(client, world.manager_a)
    import_file(client, world.factory_a.id, name)
    assert [(x.tonnes_per_month, x.disposal_cost_krw_per_t) for x in stored(session)] == expected


@pytest.mark.parametrize("name, errors", [
    ("fullwidth-and-lax.csv", [("5", "tonnes_per_month", "Enter a number.", "1_000"),
                               ("6", "tonnes_per_month", "Enter a number.", "٣٠"),
                               ("7", "tonnes_per_month", "Enter a finite number.", "1e400"),
                               ("8", "tonnes_per_month", "Enter a finite number.", "NaN")]),
    ("ours-fullwidth.csv", [("3", "tonnes_per_month", "Enter a finite number.", "Infinity"),
                            ("4", "tonnes_per_month", "Enter a finite number.", "-inf"),
                            ("5", "tonnes_per_month", "Enter a finite number.", "1e999")]),
])  # fmt: skip
def test_full_width_forms_read_as_ascii_and_lax_numbers_refused(client, world, name, errors):
    sign_in(client, world.manager_a)
    response = upload(client, world.factory_a.id, name)
    assert error_rows(response.get_data(as_text=True)) == errors


def test_full_width_rows_import_as_their_ascii_twins(client, world, session):
    sign_in(client, world.manager_a)
    lines = (CASES / "fullwidth-and-lax.csv").read_text("utf-8").splitlines()
    good = "\r\n".join(lines[:4] + lines[8:]).encode()
    import_file(client, world.factory_a.id, "fullwidth.csv", content=good)
    lines = (CASES / "ours-fullwidth.csv").read_text("utf-8").splitlines()
    import_file(client, world.factory_a.id, "ours.csv", content="\r\n".join(lines[:2]).encode())
    got = [(x.tonnes_per_month, x.available_from, x.properties) for x in stored(session)]
    assert got[:3] == [(120.0, None, {}), (1200.0, None, {}), (120.5, None, {})]
    assert got[-1] == (30.0, date(2026, 12, 1), {"moisture_pct": 12.5})


def test_the_same_number_rule_on_the_form_and_the_api(client, world, session, app):
    sign_in(client, world.manager_a)
    form = {"kind": "offer", "material": "fgd-gypsum", "tonnes_per_month": "１，２００",
            "steadiness": "continuous"}  # fmt: skip
    response = client.post(f"/factories/{world.factory_a.id}/listings/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert [x.tonnes_per_month for x in stored(session)] == [1200.0]
    response = client.post(f"/factories/{world.factory_a.id}/listings/new",
                           data={**form, "tonnes_per_month": "3,5"})  # fmt: skip
    assert COMMA in response.get_data(as_text=True)
    assert 'value="3,5"' in response.get_data(as_text=True)  # what was typed is kept


@pytest.mark.parametrize("name, material, description", [
    ("nfd.csv", "fgd-gypsum", "건조 후 출하"),
    ("nfd-description-only.csv", "fgd-gypsum", "건조 후 출하"),
    ("ours-nfd.csv", "waste-paper-cardboard", "골판지 묶음 상차"),
])  # fmt: skip
def test_decomposed_hangul_is_stored_composed(client, world, session, name, material,
                                              description):  # fmt: skip
    sign_in(client, world.manager_a)
    import_file(client, world.factory_a.id, name)
    [listing] = stored(session)
    assert (listing.material_key, listing.description) == (material, description)
    assert unicodedata.is_normalized("NFC", listing.description)
    other = "kind,material,tonnes_per_month,description\noffer,steel-slag,5,slag heap\n"
    import_file(client, world.factory_a.id, "other.csv", content=other.encode())
    for query in (description.split()[0], unicodedata.normalize("NFD", description.split()[0])):
        page = client.get(f"/factories/{world.factory_a.id}", query_string={"q": query})
        html = page.get_data(as_text=True)
        assert description in html and "slag heap" not in html
    exported = client.get(f"/factories/{world.factory_a.id}/export.csv").data.decode("utf-8-sig")
    assert description in exported


@pytest.mark.parametrize("name, descriptions", [
    ("cp949-short.csv", ["철 칩", "탈황"]),
    ("cp949-long.csv", ["철 칩 (선반 가공)", "탈황석고 건조 후 출하"]),
    ("ours-cp949-short.csv", ["활탄", "황"]),
    ("ours-cp949-long.csv", [f"탈황석고 {i}번 라인 건조 후 출하" for i in range(20)]),
])  # fmt: skip
def test_cp949_is_detected_shown_and_can_be_chosen(client, world, session, name, descriptions):
    sign_in(client, world.manager_a)
    preview = upload(client, world.factory_a.id, name)
    html = preview.get_data(as_text=True)
    assert "Read as CP949." in html and descriptions[0] in html
    chosen = upload(client, world.factory_a.id, name, encoding="utf-8")
    if name.endswith("short.csv"):  # valid UTF-8 too: read as the user chose, mojibake shown
        assert "Read as UTF-8." in chosen.get_data(as_text=True)
        assert descriptions[0] not in chosen.get_data(as_text=True)
    else:
        assert "The file is not a sheet" in chosen.get_data(as_text=True)
    import_file(client, world.factory_a.id, name)
    assert [x.description for x in stored(session)] == descriptions


def _cells(name: str) -> list[str]:
    rows = list(csv.reader(io.StringIO((CASES / name).read_text("utf-8-sig"), newline="")))
    return [row[1] for row in rows[1:]]


def test_every_sheet_written_neutralises_formula_starts():
    values = _cells("csv-injection-variants.csv") + _cells("ours-csv-injection.csv")
    safe = {v: sheets.safe_cell(v) for v in values}
    assert [v for v, s in safe.items() if s == v] == ["'=1+1", "-12.5", "a=b"]
    assert all(s == "'" + v for v, s in safe.items() if v not in ("'=1+1", "-12.5", "a=b"))
    # the import takes the apostrophe off again
    assert {sheets._uninert(s) for s in safe.values()} == (set(values) | {"=1+1"}) - {"'=1+1"}


@pytest.mark.parametrize("name, partner", [(" @SUM(1+1)", " =1+1"), ("\u3000=HYPERLINK(1)", "\t-1+1")])
def test_the_esg_csv_neutralises_factory_fields(name, partner):
    """csv-injection-esg-4.csv is what the ESG CSV wrote for a factory named ` @SUM(1+1)`."""
    written = (CASES / "csv-injection-esg-4.csv").read_text("utf-8-sig").splitlines()[1]
    assert written.startswith("'@SUM(1+1),")  # the file as it was found
    rows = [["factory", "partner_industry"], [name, partner]]
    text = sheets.to_csv(rows).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1] == ["'" + name, "'" + partner]
