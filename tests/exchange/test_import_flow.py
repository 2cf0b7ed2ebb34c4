"""Import beyond the field cases: malformed files, Korean habits, the template, the round trip
(export, edit, import updates by id), re-uploads, and the same flow through the API."""

from __future__ import annotations

import base64
import csv
import io
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from exchange.models import ListingChange
from exchange.services import api_tokens, sheets
from exchange.services.listing_input import CHOICE_WORDS, column_label, material_key
from exchange.services.xlsx_rows import MAIN
from tests.exchange.conftest import sign_in
from tests.exchange.test_field_cases import confirm, error_rows, stored, upload

NOT_A_SHEET = "The file is not a sheet: upload a .csv or .xlsx file."


@pytest.fixture(autouse=True)
def drafts_in_tmp(app, tmp_path):
    app.config["IMPORT_DRAFTS"] = str(tmp_path / "imports")


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def _with_sheet_xml(content: bytes, xml: str, name: str = "xl/worksheets/sheet1.xml") -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item.filename))
        if xml is not None:
            target.writestr(name, xml)
    return out.getvalue()


BOMB = (f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        f'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        f"&lol2;</t></is></c></row></sheetData></worksheet>")  # fmt: skip


def test_malformed_uploads_get_the_sheet_message_never_a_500(client, world, session):
    sign_in(client, world.manager_a)
    good = _xlsx([["kind", "material", "tonnes_per_month"], ["offer", "fgd-gypsum", 10]])
    books = {
        "dtd.xlsx": _with_sheet_xml(good, BOMB),
        "no-sheet-part.xlsx": _with_sheet_xml(good, None),
        "broken-xml.xlsx": _with_sheet_xml(good, "<worksheet><sheetData><row>"),
        "no-workbook.xlsx": _with_sheet_xml(good, None, "xl/workbook.xml"),
        "truncated.xlsx": good[: len(good) // 2],
        "huge-field.csv": b"kind,material,tonnes_per_month,description\noffer,fgd-gypsum,1,"
        + b"x" * 200_000 + b"\n",
        "binary.csv": bytes(range(256)) * 4,
    }
    for name, content in books.items():
        response = upload(client, world.factory_a.id, name, content=content)
        assert response.status_code == 422, name
        assert NOT_A_SHEET in response.get_data(as_text=True), name
    assert stored(session) == []


def test_a_sheet_over_its_time_budget_is_refused(app):
    content = _csv([["kind", "material", "tonnes_per_month"]]
                   + [["offer", "fgd-gypsum", "1"]] * 2000)  # fmt: skip
    with app.test_request_context(), pytest.raises(sheets.SheetRejected, match="longer than 0"):
        sheets.read_sheet(filename="x.csv", content=content, max_rows=5000, time_budget_s=0)


def test_korean_labels_aliases_and_the_label_row_as_header(client, world, session):
    sign_in(client, world.manager_a)
    with client.application.test_request_context():
        from flask_babel import force_locale

        with force_locale("ko"):
            labels = [column_label(c) for c in ("kind", "material", "tonnes_per_month",
                                                "steadiness", "disposal_route", "moisture_pct")]
    assert all(re.search("[가-힣]", label) for label in labels), labels
    rows = [labels, ["제공", "폐골판지", "1,200톤", "연속 발생", "재활용", "8%"],
            ["수요", "탈황석고", "500 kg", "월 단위 일괄", "", ""]]  # fmt: skip
    preview = upload(client, world.factory_a.id, "labels.xlsx", content=_xlsx(rows))
    confirm(client, world.factory_a.id, preview)
    got = [(x.kind, x.material_key, x.tonnes_per_month, x.steadiness, x.disposal_route,
            x.properties) for x in stored(session)]  # fmt: skip
    assert got == [
        ("offer", "waste-paper-cardboard", 1200.0, "continuous", "recycling", {"moisture_pct": 8.0}),
        ("want", "fgd-gypsum", 0.5, "monthly-batches", None, {}),
    ]  # fmt: skip


def test_every_form_label_in_both_languages_is_accepted(app):
    from flask_babel import force_locale

    from exchange.listings.forms import ROUTE_LABELS, STEADINESS_LABELS
    from exchange.services.field_reader import folded

    with app.test_request_context():
        for locale in ("ko", "en"):
            with force_locale(locale):
                for field, labels in (("steadiness", STEADINESS_LABELS),
                                      ("disposal_route", ROUTE_LABELS)):  # fmt: skip
                    for value, label in labels.items():
                        word = folded(str(label))
                        assert CHOICE_WORDS[field].get(word, word) == value, (locale, label)


def test_an_unknown_material_gets_suggestions_and_notes_columns_are_ignored(client, world):
    sign_in(client, world.manager_a)
    content = _csv([["kind", "material", "tonnes_per_month", "비고"],
                    ["offer", "탈황석교", "10", "담당: 김"]])  # fmt: skip
    response = upload(client, world.factory_a.id, "typo.csv", content=content)
    html = response.get_data(as_text=True)
    assert "Columns not read (not in the template): 비고." in html
    [(line, column, message, value)] = error_rows(html)
    assert (line, column, value) == ("2", "material", "탈황석교")
    assert message.startswith("Unknown material “탈황석교”: did you mean “탈황석고”")


def test_materials_by_name_alias_or_code(app):
    with app.test_request_context():
        assert material_key("폐골판지") == "waste-paper-cardboard"
        assert material_key("ＦＧＤ ｇｙｐｓｕｍ") == "fgd-gypsum"
        assert material_key("배연탈황석고") == "fgd-gypsum"


def test_the_template_has_labels_instructions_and_drop_downs(client, world):
    sign_in(client, world.manager_a)
    book = load_workbook(io.BytesIO(client.get("/factories/import-template.xlsx").data))
    assert book.sheetnames[0] == "listings"
    data = book["listings"]
    keys = [c.value for c in data[1]]
    assert keys[:3] == ["kind", "material", "accepts"]
    assert [c.value for c in data[2]][:3] == ["Kind", "Material", "Also accepts"]
    assert data.max_row == 2  # no example rows where they would be imported
    ranges = {str(v.sqref).split(":")[0][:-1]: v.formula1 for v in data.data_validations.dataValidation}
    for key in ("kind", "material", "steadiness", "disposal_route", "hazardous"):
        letter = data.cell(1, keys.index(key) + 1).column_letter
        assert letter in ranges, key
    assert book["lists"].sheet_state == "hidden"
    instructions = book.worksheets[-1]
    examples = {r[0]: r[2:4] for r in instructions.iter_rows(min_row=4, values_only=True)}
    assert examples["tonnes_per_month"] == ("120", "300")
    # the template, filled in, imports
    data.append(["Offer", "fgd-gypsum", None, None, 12])
    buffer = io.BytesIO()
    book.save(buffer)
    preview = upload(client, world.factory_a.id, "t.xlsx", content=buffer.getvalue())
    assert preview.status_code == 200
    assert 'class="badge new">New 1' in preview.get_data(as_text=True)


def _export(client, factory_id: int) -> list[list[str]]:
    text = client.get(f"/factories/{factory_id}/export.csv").data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_round_trip_updates_by_id_and_touches_nothing_else(client, world, session):
    sign_in(client, world.manager_a)
    first = _csv([["kind", "material", "tonnes_per_month", "description"],
                  ["offer", "fgd-gypsum", "120", "a"], ["offer", "steel-slag", "30", "b"],
                  ["want", "coal-fly-ash", "50", "c"]])  # fmt: skip
    confirm(client, world.factory_a.id, upload(client, world.factory_a.id, "a.csv", first))
    # the same file without ids again: every row found unchanged, nothing added
    again = upload(client, world.factory_a.id, "a.csv", first).get_data(as_text=True)
    assert "New 0" in again and "Unchanged 3" in again
    table = _export(client, world.factory_a.id)
    header = table[0]
    assert header[:2] == ["id", "status"]
    ids = [int(r[0]) for r in table[1:]]
    table[1][header.index("tonnes_per_month")] = "125"
    table[3][header.index("status")] = "일시 중지"
    edited = _csv(table)
    preview = upload(client, world.factory_a.id, "edited.csv", edited)
    html = preview.get_data(as_text=True)
    assert "New 0" in html and "Update 2" in html and "Unchanged 1" in html
    versions = {x.id: x.version for x in stored(session)}
    confirm(client, world.factory_a.id, preview)
    after = {x.id: x for x in stored(session)}
    assert sorted(after) == sorted(ids)
    assert (after[ids[0]].tonnes_per_month, after[ids[0]].version) == (125.0, versions[ids[0]] + 1)
    assert after[ids[1]].version == versions[ids[1]]
    assert after[ids[2]].status == "paused"
    # the same file again changes nothing
    changes = len(session.exec(select(ListingChange.id)).all())
    preview = upload(client, world.factory_a.id, "again.csv", edited)
    assert "Unchanged 3" in preview.get_data(as_text=True)
    confirm(client, world.factory_a.id, preview)
    session.expire_all()
    assert len(session.exec(select(ListingChange.id)).all()) == changes
    assert sorted(x.id for x in stored(session)) == sorted(ids)


def test_duplicate_rows_and_ids_are_shown_and_saved_once(client, world, session):
    sign_in(client, world.manager_a)
    rows = [["kind", "material", "tonnes_per_month"], ["offer", "fgd-gypsum", "10"],
            ["offer", "fgd-gypsum", "10.0"], ["offer", "fgd-gypsum", "11"]]  # fmt: skip
    preview = upload(client, world.factory_a.id, "d.csv", _csv(rows))
    html = preview.get_data(as_text=True)
    assert re.findall(r'<tr class="(\w+)"><td class="line">', html) == ["new", "duplicate", "new"]
    confirm(client, world.factory_a.id, preview)
    assert [x.tonnes_per_month for x in stored(session)] == [10.0, 11.0]


def test_a_preview_is_confirmed_only_by_its_user_for_its_factory(client, world, session):
    sign_in(client, world.manager_a)
    preview = upload(client, world.factory_a.id, "x.csv",
                     _csv([["kind", "material", "tonnes_per_month"], ["offer", "fgd-gypsum", 1]]))
    token = re.search(r'name="token" type="hidden" value="([^"]+)"',
                      preview.get_data(as_text=True)).group(1)  # fmt: skip
    sign_in(client, world.admin)
    response = client.post(f"/factories/{world.factory_a.id}/import/confirm", data={"token": token})
    assert response.status_code == 302 and stored(session) == []
    sign_in(client, world.manager_b)
    response = client.post(f"/factories/{world.factory_a.id}/import/confirm", data={"token": token})
    assert response.status_code in (403, 404) and stored(session) == []


def _token(app, session, user) -> dict:
    with app.test_request_context():
        _t, secret = api_tokens.create_token(session=session, user=user, name="erp")
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_the_api_previews_then_confirms(app, client, world, session):
    headers = _token(app, session, world.manager_a)
    url = f"/api/v1/factories/{world.factory_a.id}/imports"
    content = (
        b"kind,material,tonnes_per_month,moisture_pct\noffer,fgd-gypsum,\"1,200\",8\n"
        b"offer,steel-slag,\"3,5\",\n"
    )  # fmt: skip
    body = {"filename": "l.csv", "content": base64.b64encode(content).decode()}
    answer = client.post(url, json=body, headers=headers)
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["token"] is None and data["counts"]["error"] == 1
    assert data["rows"][1]["errors"][0]["value"] == "3,5"
    assert data["rows"][0]["values"]["tonnes_per_month"] == "1,200"
    body["content"] = base64.b64encode(content.splitlines(keepends=True)[0]
                                       + content.splitlines(keepends=True)[1]).decode()
    data = client.post(url, json=body, headers=headers).get_json()
    assert data["counts"] == {"new": 1, "update": 0, "unchanged": 0, "duplicate": 0, "error": 0}
    assert stored(session) == []
    done = client.post(f"{url}/{data['token']}", headers=headers)
    assert done.status_code == 200 and done.get_json()["counts"]["new"] == 1
    assert [x.tonnes_per_month for x in stored(session)] == [1200.0]
    assert client.post(f"{url}/{data['token']}", headers=headers).status_code == 404
    bad = client.post(url, json={**body, "content": base64.b64encode(b"PK\x03\x04").decode(),
                                 "filename": "x.xlsx"}, headers=headers)  # fmt: skip
    assert bad.status_code == 422 and bad.get_json()["error"]["message"] == NOT_A_SHEET
    other = _token(app, session, world.manager_b)
    assert client.post(url, json=body, headers=other).status_code in (403, 404)
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "post" in spec["paths"]["/api/v1/factories/{factory_id}/imports"]
    assert "post" in spec["paths"]["/api/v1/factories/{factory_id}/imports/{token}"]


def test_a_description_over_its_limit_is_refused_not_cut(client, world, session):
    sign_in(client, world.manager_a)
    content = _csv([["kind", "material", "tonnes_per_month", "description"],
                    ["offer", "fgd-gypsum", "1", "가" * 2001]])  # fmt: skip
    response = upload(client, world.factory_a.id, "long.csv", content=content)
    [(line, column, message, _value)] = error_rows(response.get_data(as_text=True))
    assert (line, column, message) == ("2", "description", "At most 2000 characters; this has 2001.")


def test_a_withdrawn_listing_is_not_changed_by_an_import(client, world, session):
    sign_in(client, world.manager_a)
    content = _csv([["kind", "material", "tonnes_per_month"], ["offer", "fgd-gypsum", "10"]])
    confirm(client, world.factory_a.id, upload(client, world.factory_a.id, "a.csv", content))
    [listing] = stored(session)
    table = _export(client, world.factory_a.id)
    asked = client.post(f"/factories/listings/{listing.id}/withdraw")
    assert asked.status_code == 200 and stored(session)[0].status == "active"  # asks first
    withdrawn = client.post(f"/factories/listings/{listing.id}/withdraw", data={"confirm": "1"})
    assert withdrawn.status_code == 302
    assert stored(session)[0].status == "withdrawn"
    table[1][table[0].index("tonnes_per_month")] = "20"
    response = upload(client, world.factory_a.id, "b.csv", _csv(table))
    assert error_rows(response.get_data(as_text=True)) == [
        ("2", "status", "A withdrawn listing cannot be changed.", "active")]
    table[1][table[0].index("status")] = ""
    response = upload(client, world.factory_a.id, "c.csv", _csv(table))
    assert error_rows(response.get_data(as_text=True)) == [
        ("2", "id", "A withdrawn listing cannot be changed.", str(listing.id))]
