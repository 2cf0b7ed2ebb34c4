"""A gunicorn worker killed (SIGKILL) in the middle of a sheet import.

The import is a real slow request: thousands of rows, checked and then written in one
transaction. The worker that holds the client's connection is found through /proc and
killed while it writes. The client gets an error, the master starts a new worker, the next
requests succeed, and the database holds all of the sheet's listings or none of them.
"""

from __future__ import annotations

import csv
import http.client
import io
import time
from pathlib import Path

from tests.faults.conftest import count, demo_database, manager, sqlite_file
from tests.faults.servers import kill

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


def start_upload(server, person, content: bytes) -> http.client.HTTPConnection:
    """Send the import form; the answer is read later (or never, when the worker dies)."""
    factory_id = 1
    token = person.csrf_token(f"/factories/{factory_id}/import")
    boundary = "faultsboundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="sheet"; filename="big.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.connect()
    conn.request("POST", f"/factories/{factory_id}/import", body=body, headers={
        "Cookie": person.cookie_header(),
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    })  # fmt: skip
    return conn


def test_a_worker_killed_mid_import_leaves_all_or_nothing(tmp_path, serve):
    url = sqlite_file(tmp_path)
    demo_database(url)
    before = count(url, LISTINGS)
    server = serve(url)
    person = manager(server)
    content = sheet(ROWS, "killed")

    conn = start_upload(server, person, content)
    deadline = time.monotonic() + 10
    while (victim := worker_serving(conn.sock.getsockname()[1], server.port,
                                    server.worker_pids())) is None:  # fmt: skip
        assert time.monotonic() < deadline, "no worker took the upload's connection"
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
    reply = person.upload("/factories/1/import", {"csrf_token": person.csrf_token(
        "/factories/1/import")}, "sheet", "big.csv", content)  # fmt: skip
    assert reply.status == 302, reply.text[:500]
    assert count(url, LISTINGS) == after_kill + ROWS
    imported = "SELECT count(*) FROM listingchange WHERE action = 'imported'"
    assert count(url, imported) == after_kill - before + ROWS
    assert count(url, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'") == 1
