"""A database that cannot be reached answers 503, a full disk 507: a page that says so.

The pages are drawn without base.html (it asks the database who is signed in), in the
reader's language; the API answers JSON. tests/faults/ shows the same with a real restart
and a real full disk.
"""

from __future__ import annotations

import errno
import io
import re
import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import select

from exchange.errors import disk_full
from exchange.models import Listing
from tests.exchange.conftest import sign_in


def _refused(*_args, **_kwargs):
    raise OperationalError("SELECT 1", {}, Exception("connection refused"))


def test_an_unreachable_database_gives_503_with_a_message(client, monkeypatch):
    monkeypatch.setattr("exchange.services.summary.park_overview", _refused)
    reply = client.get("/")
    assert reply.status_code == 503
    assert reply.headers["Retry-After"] == "5"
    text = reply.get_data(as_text=True)
    assert "The database cannot be reached just now. Please try again in a moment." in text
    assert "Traceback" not in text


def test_the_503_page_speaks_korean_by_default(app, monkeypatch):
    app.config["BABEL_DEFAULT_LOCALE"] = "ko"
    monkeypatch.setattr("exchange.services.summary.park_overview", _refused)
    text = app.test_client().get("/").get_data(as_text=True)
    assert "지금은 데이터베이스에 연결할 수 없습니다." in text
    assert '<html lang="ko">' in text


def test_the_api_answers_json(client, monkeypatch):
    monkeypatch.setattr("exchange.services.factories.park_ids", _refused)
    reply = client.get("/api/v1/summary")
    assert (reply.status_code, reply.headers["Retry-After"]) == (503, "5")
    assert reply.get_json() == {"error": {
        "code": "unavailable", "field": None,
        "message": "The database cannot be reached just now. Please try again in a moment.",
    }}  # fmt: skip


def test_a_full_disk_during_an_import_gives_507_and_imports_nothing(client, world, session,
                                                                    monkeypatch):  # fmt: skip
    def no_space(**_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    sign_in(client, world.manager_a)
    sheet = b"kind,material,tonnes_per_month\noffer,fgd-gypsum,1\n"
    # the disk fills while the preview is kept, or while the confirmed rows are saved
    with monkeypatch.context() as patch:
        patch.setattr("exchange.services.import_drafts.save_draft", no_space)
        reply = client.post(f"/factories/{world.factory_a.id}/import",
                            data={"sheet": (io.BytesIO(sheet), "s.csv")},
                            content_type="multipart/form-data")  # fmt: skip
    assert reply.status_code == 507
    assert "nothing was saved" in reply.get_data(as_text=True)
    preview = client.post(f"/factories/{world.factory_a.id}/import",
                          data={"sheet": (io.BytesIO(sheet), "s.csv")},
                          content_type="multipart/form-data")  # fmt: skip
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', preview.get_data(as_text=True))
    monkeypatch.setattr("exchange.services.sheets.apply_preview", no_space)
    reply = client.post(f"/factories/{world.factory_a.id}/import/confirm",
                        data={"token": token.group(1)})  # fmt: skip
    assert reply.status_code == 507
    assert session.exec(select(Listing)).all() == []


def _sqlite_error(code: int) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("database or disk is full")
    error.sqlite_errorcode = code
    return error


class _PostgresError(Exception):
    sqlstate = "53100"


@pytest.mark.parametrize(
    ("error", "full"),
    [
        (OSError(errno.ENOSPC, "no space"), True),
        (OSError(errno.EFBIG, "file too large"), True),
        (OSError(errno.EACCES, "permission denied"), False),
        (OperationalError("INSERT", {}, _sqlite_error(13)), True),
        (OperationalError("INSERT", {}, _sqlite_error(5)), False),  # SQLITE_BUSY
        (OperationalError("INSERT", {}, _PostgresError()), True),
        (IntegrityError("INSERT", {}, Exception("unique")), False),
    ],
)
def test_disk_full_is_told_from_other_errors(error, full):
    assert disk_full(error) is full


def test_other_database_errors_still_propagate(client, monkeypatch):
    def broken(*_args, **_kwargs):
        raise IntegrityError("INSERT", {}, Exception("unique"))

    monkeypatch.setattr("exchange.services.summary.park_overview", broken)
    with pytest.raises(IntegrityError):  # TESTING propagates what no handler answers
        client.get("/")
