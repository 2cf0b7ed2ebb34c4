"""A full disk on the import path: where uploads are spooled, where the preview's rows are
kept until confirmed, and where SQLite writes.

A small tmpfs holds the SQLite database, the server's TMPDIR (where Werkzeug spools uploads
over 500 KB) and the import drafts folder (IMPORT_DRAFTS). A filler file takes the rest of
its space. A large sheet then fails while it is spooled, a small one (kept in memory) when
its preview is kept, and the confirmation of a preview kept before the disk filled when
SQLite writes: each time the person gets a 507 page that says nothing was saved, no listing
is added, no file is left behind, and the database passes its integrity check. Once the
filler is gone, the same confirmation and the same uploads go through.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from tests.faults.conftest import count, demo_database, manager, missing
from tests.faults.servers import form_fields
from tests.faults.test_worker_killed import sheet

LISTINGS = "SELECT count(*) FROM listing"
INTACT = "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"
MESSAGE = "The server has no room left to store this; nothing was saved."


@pytest.fixture
def small_disk(tmp_path):
    """A 24 MB tmpfs mounted for the test (root, and a sandbox that allows mounts)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(disk)],
                             capture_output=True, text=True)  # fmt: skip
    if mounted.returncode != 0:
        missing(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path) -> Path:
    """Write until the disk refuses: what is left is nothing."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError as error:
            assert error.errno == 28, error  # ENOSPC
    return filler


def truncate_wal(database: Path) -> None:
    """Give the write-ahead log back to the disk, so SQLite's next write must grow it."""
    with closing(sqlite3.connect(database)) as conn:
        busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    assert busy == 0


def test_a_full_disk_refuses_uploads_cleanly_and_keeps_the_data(small_disk, serve):
    database = small_disk / "exchange.db"
    url = f"sqlite:///{database}"
    demo_database(url)
    spool, drafts = small_disk / "spool", small_disk / "imports"
    spool.mkdir()
    server = serve(url, TMPDIR=str(spool), EXCHANGE_IMPORT_DRAFTS=str(drafts))
    person = manager(server)
    before = count(url, LISTINGS)
    large = sheet(400, "full " + "x" * 1500)  # over 500 KB: spooled to TMPDIR
    small = sheet(20, "full")
    early = sheet(20, "early")  # previewed before the disk fills, confirmed while it is full
    assert len(large) > 600_000 and len(small) < 10_000 and len(early) < 10_000

    def upload(content: bytes):
        token = person.csrf_token("/factories/1/import")
        return person.upload("/factories/1/import", {"csrf_token": token}, "sheet", "s.csv",
                             content)  # fmt: skip

    def confirmation(preview) -> list[tuple[str, str]]:
        assert preview.status == 200, preview.text[:300]
        fields = form_fields(preview.text, "/factories/1/import/confirm")
        assert {name for name, _v in fields} >= {"csrf_token", "token"}, preview.text[:2000]
        return fields

    def confirm(fields: list[tuple[str, str]]):
        return person.post("/factories/1/import/confirm", fields)

    def refused(reply) -> None:
        assert reply.status == 507, reply.text[:300]
        assert MESSAGE in reply.text
        assert "Traceback" not in reply.text
        assert count(url, LISTINGS) == before
        assert count(url, INTACT) == 1

    kept = confirmation(upload(early))  # a preview kept while there is room: nothing saved
    assert count(url, LISTINGS) == before
    drafts_before = sorted(os.listdir(drafts))
    assert len(drafts_before) == 1

    truncate_wal(database)
    filler = fill(small_disk)
    refused(upload(large))  # while it is spooled
    refused(upload(small))  # while its preview is kept in the drafts folder
    refused(confirm(kept))  # while SQLite writes the rows
    assert not os.listdir(spool), "a spooled upload was left behind"
    assert sorted(os.listdir(drafts)) == drafts_before, "a draft was left behind, or lost"

    filler.unlink()
    imported = confirm(kept)
    assert imported.status == 302, imported.text[:300]
    assert count(url, LISTINGS) == before + 20
    for content in (large, small):
        reply = confirm(confirmation(upload(content)))
        assert reply.status == 302, reply.text[:300]
    assert count(url, LISTINGS) == before + 20 + 420
    assert count(url, INTACT) == 1
    assert not os.listdir(drafts), "a confirmed draft was kept"
