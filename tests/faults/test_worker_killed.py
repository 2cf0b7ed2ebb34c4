"""A gunicorn worker killed (SIGKILL) in the middle of a sheet import.

The import has two steps: the upload reads and checks the sheet and shows a preview (nothing
saved), and the confirmation checks the kept rows again and writes them in one transaction.
The confirmation is the real slow request that writes: thousands of rows. The worker that
holds the client's connection is found through /proc and killed while it works. The client
gets an error, the master starts a new worker, the next requests succeed, the database holds
all of the sheet's listings or none of them, and the same confirmation then imports them.
"""

from __future__ import annotations

import csv
import http.client
import io
import time
from pathlib import Path
from urllib.parse import urlencode

from tests.faults.conftest import count, demo_database, manager, sqlite_file
from tests.faults.servers import form_fields, kill

ROWS = 3000
LISTINGS = "SELECT count(*) FROM listing"


def sheet(rows: int, tag: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["kind", "material", "tonnes_per_month", "description"])
    writer.writerows(["offer", "fgd-gypsum", str(10 + i % 90), f"{tag} {i}"] for i in range(rows))
    return out.getvalue().encode()


def worker_serving(client_port: int, server_port: int, workers: list[int]) -> int | None:
    """The worker whose socket is connected to the client's port (from /proc/net/tcp)."""
    wanted = (f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}")
    inodes = {line.split()[9] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
              if tuple(line.split()[1:3]) == wanted}  # fmt: skip
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if fd.readlink().name in {f"socket:[{i}]" for i in inodes}:
                    return pid
            except OSError:
                continue
    return None


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks


def preview(person, content: bytes) -> list[tuple[str, str]]:
    """Upload the sheet: a preview, nothing saved; the fields of its confirmation form."""
    reply = person.upload("/factories/1/import", {"csrf_token": person.csrf_token(
        "/factories/1/import")}, "sheet", "big.csv", content)  # fmt: skip
    assert reply.status == 200, reply.text[:500]
    fields = form_fields(reply.text, "/factories/1/import/confirm")
    assert {name for name, _v in fields} >= {"csrf_token", "token"}, reply.text[:2000]
    return fields


def start_confirm(server, person, fields: list[tuple[str, str]]) -> http.client.HTTPConnection:
    """Send the preview's confirmation; the answer is read later (or never, when the worker
    dies)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.connect()
    conn.request("POST", "/factories/1/import/confirm", body=urlencode(fields).encode(), headers={
        "Cookie": person.cookie_header(),
        "Content-Type": "application/x-www-form-urlencoded",
    })  # fmt: skip
    return conn


def test_a_worker_killed_mid_import_leaves_all_or_nothing(tmp_path, serve):
    url = sqlite_file(tmp_path)
    demo_database(url)
    before = count(url, LISTINGS)
    server = serve(url)
    person = manager(server)
    fields = preview(person, sheet(ROWS, "killed"))
    assert count(url, LISTINGS) == before, "the preview saved something"

    conn = start_confirm(server, person, fields)
    try:  # closed whatever happens: a socket left open fails a later test (ResourceWarning)
        deadline = time.monotonic() + 10
        while (victim := worker_serving(conn.sock.getsockname()[1], server.port,
                                        server.worker_pids())) is None:  # fmt: skip
            assert time.monotonic() < deadline, "no worker took the confirmation's connection"
            time.sleep(0.02)
        started = cpu_seconds(victim)
        while cpu_seconds(victim) - started < 0.5:  # well into checking and writing the rows
            assert time.monotonic() < deadline, "the import did not start"
            time.sleep(0.02)
        kill(victim)
        try:
            status = conn.getresponse().status
        except (http.client.HTTPException, ConnectionError) as error:
            status = type(error).__name__
    finally:
        conn.close()
    assert status in ("RemoteDisconnected", "ConnectionResetError"), f"got {status}"

    deadline = time.monotonic() + 20
    while len(server.worker_pids()) < 2 or victim in server.worker_pids():
        assert time.monotonic() < deadline, "the master did not start a new worker"
        time.sleep(0.1)
    after_kill = count(url, LISTINGS)
    assert after_kill in (before, before + ROWS), f"a partial import: {after_kill - before} rows"

    for _ in range(4):  # both workers answer (sync workers take turns)
        assert person.get("/factories/1").status == 200
    reply = person.post("/factories/1/import/confirm", fields)  # the same confirmation again
    assert reply.status == 302, reply.text[:500]
    assert reply.headers["Location"].endswith("/factories/1"), reply.headers
    assert count(url, LISTINGS) == after_kill + ROWS
    imported = "SELECT count(*) FROM listingchange WHERE action = 'imported'"
    assert count(url, imported) == after_kill - before + ROWS
    assert count(url, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'") == 1
