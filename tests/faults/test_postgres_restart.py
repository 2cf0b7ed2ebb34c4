"""PostgreSQL restarted while factory managers save listings, on a cluster of the test's own.

Three managers keep creating listings through the form, each with a unique description,
and note which ones the app confirmed (its redirect to the new listing). The cluster is
stopped (`pg_ctl stop -m fast`: sessions are cut), left down a moment, and started again.
While it is down every request gets the 503 page at once; afterwards the same processes
serve again (the pool checks connections before use). Every confirmed listing is in the
database, once; nothing is there that was never sent. The match-run worker beside them
lives through the restart and executes a run queued after it.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from exchange import create_app
from exchange.models import Listing, MatchRun, Park, RunStatus
from exchange.services import runs
from tests.faults.conftest import demo_database, manager
from tests.faults.servers import REPO, Browser

WRITERS = 3
DOWN_S = 1.5
UNAVAILABLE = "The database cannot be reached just now."


@dataclass
class Writer:
    """One manager saving listings until told to stop; what was sent and what came back."""

    person: Browser
    name: str
    sent: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    refused: list[tuple[int, bool]] = field(default_factory=list)  # status, said why
    slowest_s: float = 0.0

    def run(self, stop: threading.Event) -> None:
        path = f"{self.person.factory_pages()[0]}/listings/new"
        token = self.person.csrf_token(path)
        while not stop.is_set():
            description = f"{self.name}-{len(self.sent)}"
            self.sent.append(description)
            reply = self.person.post(path, {
                "csrf_token": token, "kind": "offer", "material": "fgd-gypsum",
                "tonnes_per_month": "5", "steadiness": "continuous", "description": description,
            })  # fmt: skip
            self.slowest_s = max(self.slowest_s, reply.seconds)
            if reply.status == 302 and "/factories/listings/" in reply.headers["Location"]:
                self.confirmed.append(description)
                self.person.get(reply.headers["Location"])  # as a browser does: the flash shown
            else:
                self.refused.append((reply.status, UNAVAILABLE in reply.text))


def wait_until(check, limit_s: float, what: str) -> None:
    deadline = time.monotonic() + limit_s
    while not check():
        assert time.monotonic() < deadline, f"{what} within {limit_s} s"
        time.sleep(0.05)


def stored_descriptions(url: str) -> list[str]:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "faults"})
    engine = app.extensions["db_engine"]
    try:
        with Session(engine) as s:
            return list(s.exec(select(Listing.description).where(
                Listing.description.like("restart-%"))))  # fmt: skip
    finally:
        engine.dispose()


def run_status_after_queueing(url: str, limit_s: float = 30) -> str:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "faults"})
    engine = app.extensions["db_engine"]
    try:
        with Session(engine, expire_on_commit=False) as s:
            park = s.exec(select(Park)).first()
            run = runs.queue_run(session=s, park=park, user=None, options={})
            s.commit()
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            with Session(engine) as s:
                status = s.get(MatchRun, run.id).status
            if status not in runs.BUSY:
                return status
            time.sleep(0.1)
        return status
    finally:
        engine.dispose()


@contextmanager
def match_run_worker(env: dict[str, str], log: Path):
    with open(log, "wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "exchange", "worker", "--poll", "0.2"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield worker
    finally:
        worker.terminate()
        worker.wait(10)


def restart_while_writing(cluster, writers: list[Writer]) -> int:
    """Writes before, during and after a restart; how many were refused while it was down."""
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(stop,)) for w in writers]
    try:
        for t in threads:
            t.start()
        wait_until(lambda: all(len(w.confirmed) >= 3 for w in writers), 30, "no writes")
        old_pid = cluster.server_pid()
        cluster.stop("fast")
        time.sleep(DOWN_S)
        refused_while_down = sum(len(w.refused) for w in writers)
        cluster.start()
        assert cluster.server_pid() != old_pid
        after = [len(w.confirmed) for w in writers]
        wait_until(lambda: all(len(w.confirmed) >= n + 3 for w, n in zip(writers, after, strict=True)), 30,
                   "no writes after the restart")  # fmt: skip
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    return refused_while_down


def test_postgres_restart_under_load_loses_no_confirmed_write(cluster, serve, tmp_path):
    url = cluster.url()
    demo_database(url)
    server = serve(url)
    writers = [Writer(manager(server, n), f"restart-{n}") for n in range(1, WRITERS + 1)]
    log = tmp_path / "worker.log"
    with match_run_worker(server.env, log) as worker:
        wait_until(lambda: "waiting for match runs" in log.read_text(), 60, "no worker")
        refused_while_down = restart_while_writing(cluster, writers)
        assert worker.poll() is None, "the match-run worker died with the database"
        assert "database unavailable, polling again" in log.read_text()
        assert run_status_after_queueing(url) == RunStatus.done

    refused = [r for w in writers for r in w.refused]
    assert refused_while_down > 0, "no request came while the database was down"
    assert all(code == 503 and said for code, said in refused), refused[:5]
    assert max(w.slowest_s for w in writers) < 5, "a request hung"
    stored = stored_descriptions(url)
    confirmed = {d for w in writers for d in w.confirmed}
    assert len(stored) == len(set(stored)), "a listing was stored twice"
    assert confirmed <= set(stored), f"lost: {sorted(confirmed - set(stored))}"
    assert set(stored) <= {d for w in writers for d in w.sent}
