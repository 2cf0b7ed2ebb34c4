"""A full disk on the upload path: where uploads are spooled, and where SQLite writes.

A small tmpfs holds both the SQLite database and the server's TMPDIR (where Werkzeug spools
uploads over 500 KB). A filler file takes the rest of its space. A large sheet then fails
while it is spooled, a small one (kept in memory) when SQLite writes: each time the person
gets a 507 page that says nothing was saved, no listing is added, and the database passes
its integrity check. Once the filler is gone, the same uploads go through.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from tests.faults.conftest import count, demo_database, manager, missing
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
    (small_disk / "spool").mkdir()
    server = serve(url, TMPDIR=str(small_disk / "spool"))
    person = manager(server)
    before = count(url, LISTINGS)
    large = sheet(400, "full " + "x" * 1500)  # over 500 KB: spooled to TMPDIR
    small = sheet(20, "full")
    assert len(large) > 600_000 and len(small) < 10_000

    def upload(content: bytes):
        token = person.csrf_token("/factories/1/import")
        return person.upload("/factories/1/import", {"csrf_token": token}, "sheet", "s.csv",
                             content)  # fmt: skip

    truncate_wal(database)
    filler = fill(small_disk)
    for content in (large, small):
        reply = upload(content)
        assert reply.status == 507, reply.text[:300]
        assert MESSAGE in reply.text
        assert "Traceback" not in reply.text
        assert count(url, LISTINGS) == before
        assert count(url, INTACT) == 1
    assert not os.listdir(small_disk / "spool"), "a spooled upload was left behind"

    filler.unlink()
    assert upload(large).status == 302
    assert upload(small).status == 302
    assert count(url, LISTINGS) == before + 420
    assert count(url, INTACT) == 1
