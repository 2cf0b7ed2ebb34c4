"""A worker killed in the middle of a run: the run is failed, nothing half-stored, retried.

A real worker process (`flask --app exchange worker`) solves a synthetic park big enough
to take seconds; it is killed with SIGKILL while the run is `solving`, so nothing of its own
can clean up. The heartbeat stops, the reaper fails the run, and a retry stores the plan.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from exchange import worker
from exchange.models import Listing, MatchRun, Proposal, RunStatus, UnmatchedOffer, utcnow
from exchange.services import runs
from tests.exchange.parks import make_park

REPO = Path(__file__).resolve().parents[2]
LISTINGS = 1500  # offers, and as many wants: about 750,000 arcs, seconds of solving


def _status(engine, run_id: int) -> MatchRun:
    with Session(engine, expire_on_commit=False) as s:
        return s.get(MatchRun, run_id)


def _wait_for(engine, run_id: int, status: str, process, limit_s: float = 40) -> list[MatchRun]:
    """The run's states seen until it reaches `status` (polled every 20 ms)."""
    seen: list[MatchRun] = []
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        run = _status(engine, run_id)
        seen.append(run)
        if run.status == status:
            return seen
        assert run.status in runs.BUSY, f"the run ended before {status}: {run.message}"
        assert process.poll() is None, "the worker stopped by itself"
        time.sleep(0.02)
    raise AssertionError(f"no {status} within {limit_s} s: last seen {seen[-1].status}")


def _rows(session: Session, table, run_id: int) -> int:
    return session.exec(select(func.count()).select_from(table).where(table.run_id == run_id)).one()


def test_a_killed_worker_leaves_a_failed_run_that_can_be_retried(
    app, session, database_url, tmp_path
):
    park = make_park(session, offers=LISTINGS, wants=LISTINGS)
    # a short time limit: a solving run is given its time limit before it is taken for dead
    run = runs.queue_run(session=session, park=park, user=None, options={"time_limit_s": 0.5})
    session.commit()
    engine = app.extensions["db_engine"]

    env = os.environ | {"DATABASE_URL": database_url, "EXCHANGE_RUN_HEARTBEAT_S": "0.5"}
    with open(tmp_path / "worker.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "exchange", "worker", "--poll", "0.2"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            seen = _wait_for(engine, run.id, RunStatus.solving, process)
            os.kill(process.pid, signal.SIGKILL)
        finally:
            if process.poll() is None and process.returncode is None:
                process.kill()
            process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, (tmp_path / "worker.log").read_text()
    solving = seen[-1]
    assert solving.worker.endswith(f":{process.pid}")
    assert len(solving.problem["sources"]) == len(solving.problem["sinks"]) == LISTINGS

    # the worker is gone but its run still looks busy: the park cannot run again yet. On a
    # quiet machine the solve may be over before the kill lands: then it died storing, in
    # one transaction that never committed
    stage = _status(engine, run.id).status
    assert stage in (RunStatus.solving, RunStatus.storing)
    assert runs.reap_stale_runs(session=session, older_than=timedelta(seconds=60)) == 0
    time.sleep(2.5)  # let the last heartbeat grow older than the reaper's limit and the grace
    assert runs.reap_stale_runs(session=session, older_than=timedelta(seconds=1)) == 1
    session.commit()
    failed = _status(engine, run.id)
    assert failed.status == RunStatus.failed
    assert failed.message == f"worker-lost:{stage}"
    assert failed.finished_at is not None
    assert (_rows(session, Proposal, run.id), _rows(session, UnmatchedOffer, run.id)) == (0, 0)

    retry = runs.queue_run(session=session, park=park, user=None, options={}, retry_of=run.id)
    session.commit()
    assert worker.work_once(app, "test") is True
    done = _status(engine, retry.id)
    assert (done.status, done.retry_of_id) == (RunStatus.done, run.id), done.message
    stored = _rows(session, Proposal, retry.id)
    assert stored == int(done.message) == len(done.plan["exchanges"]) > LISTINGS // 2
    assert _rows(session, UnmatchedOffer, retry.id) == len(done.plan["unmatched"])
    assert (done.problem["sources"], done.problem["sinks"]) == (
        solving.problem["sources"],
        solving.problem["sinks"],
    )


def test_a_run_reaped_while_its_worker_still_solves_is_never_stored(
    app, session, world, monkeypatch
):
    """OR-Tools holds the GIL while it solves, so a long solve stops the heartbeat thread
    too: a reaper (another worker, the run page's poll) may fail the run under a live
    worker. That worker's plan must then be dropped, not stored beside a retry."""
    session.add_all([
        Listing(factory_id=world.factory_a.id, kind="offer", material_key="fgd-gypsum",
                tonnes_per_month=100),
        Listing(factory_id=world.factory_b.id, kind="want", material_key="fgd-gypsum",
                accepts="fgd-gypsum", tonnes_per_month=60),
    ])  # fmt: skip
    run = runs.queue_run(session=session, park=world.park, user=None, options={})
    session.commit()
    engine, solve = app.extensions["db_engine"], worker.solve

    def solve_while_reaped(problem, **options):
        with Session(engine) as other:  # every heartbeat counts as too old
            assert runs.reap_stale_runs(session=other, older_than=timedelta(seconds=-60)) == 1
            other.commit()
        return solve(problem, **options)

    monkeypatch.setattr(worker, "solve", solve_while_reaped)
    assert worker.work_once(app, "test") is True
    lost = _status(engine, run.id)
    assert (lost.status, lost.message, lost.plan) == (RunStatus.failed, "worker-lost:solving", None)
    assert (_rows(session, Proposal, run.id), _rows(session, UnmatchedOffer, run.id)) == (0, 0)

    monkeypatch.setattr(worker, "solve", solve)
    retry = runs.queue_run(session=session, park=world.park, user=None, options={}, retry_of=run.id)
    session.commit()
    assert worker.work_once(app, "test") is True
    done = _status(engine, retry.id)
    assert (done.status, done.message) == (RunStatus.done, "1")
    assert (_rows(session, Proposal, retry.id), _rows(session, UnmatchedOffer, retry.id)) == (1, 1)
    assert _status(engine, run.id).status == RunStatus.failed


def test_a_solving_run_gets_its_time_limit_before_it_is_reaped(app, session, world):
    """A solver holds the interpreter, so a solving run's heartbeat may pause that long."""
    now = utcnow()
    solving = MatchRun(park_id=world.park.id, status=RunStatus.solving, options={"time_limit_s": 60},
                       heartbeat_at=now - timedelta(seconds=40))  # fmt: skip
    building = MatchRun(park_id=world.other_park.id, status=RunStatus.building, options={},
                        heartbeat_at=now - timedelta(seconds=40))  # fmt: skip
    session.add_all([solving, building])
    session.commit()
    assert runs.reap_stale_runs(session=session, older_than=timedelta(seconds=30)) == 1
    session.commit()
    assert (_status(app.extensions["db_engine"], solving.id).status,
            _status(app.extensions["db_engine"], building.id).status) == ("solving", "failed")  # fmt: skip
    assert (
        runs.reap_stale_runs(session=session, older_than=timedelta(seconds=-25)) == 1
    )  # 40 > -25 + 60
    session.commit()
    assert _status(app.extensions["db_engine"], solving.id).status == "failed"


def test_a_working_run_keeps_its_heartbeat_fresh(app, session, world, monkeypatch):
    """While the worker builds, solves and stores (here: a solve that sleeps, as a busy
    solver in C that lets go of the interpreter would), its heartbeat moves on."""
    run = runs.queue_run(session=session, park=world.park, user=None, options={})
    session.commit()
    engine = app.extensions["db_engine"]
    beats = []

    def slow_execute(engine, run_id):
        for _ in range(3):
            time.sleep(0.1)
            beats.append(_status(engine, run_id).heartbeat_at)

    monkeypatch.setattr(worker, "_execute", slow_execute)
    worker.execute_run(engine, run.id, heartbeat_s=0.02)
    assert None not in beats and beats[0] < beats[1] < beats[2]  # a new beat each 0.1 s
