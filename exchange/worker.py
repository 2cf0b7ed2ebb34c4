"""The match-run worker: claims queued runs and executes them outside any web request.

`flask --app exchange worker` runs it; `make run` starts one beside the web server. Each
stage is committed on its own so the run page can show it; the proposals are stored in one
transaction at the end, so a worker that dies leaves no half-stored plan. A heartbeat thread
marks the run alive; a run whose heartbeat stops is failed by the next worker that looks.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session

from exchange.models import MatchRun, Park, RunStatus, utcnow
from exchange.services import runs
from exchange.services.problems import build_run_problem
from matching import ProblemError, SolverError, load_problem, solve

log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class _Heartbeat(threading.Thread):
    def __init__(self, engine: Engine, run_id: int, every_s: float):
        super().__init__(daemon=True)
        self.engine, self.run_id, self.every_s = engine, run_id, every_s
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every_s):
            try:
                with Session(self.engine) as s:
                    runs.heartbeat(session=s, run_id=self.run_id)
                    s.commit()
            except (OperationalError, InterfaceError) as error:  # a restart: beat again later
                log.warning("heartbeat of run %s missed: %s", self.run_id, error.orig)


def execute_run(engine: Engine, run_id: int, *, heartbeat_s: float = 2.0) -> None:
    """Build, solve and store one claimed run; any failure leaves it `failed` with the reason."""
    beat = _Heartbeat(engine, run_id, heartbeat_s)
    beat.start()
    try:
        _execute(engine, run_id)
    except (ProblemError, SolverError) as error:
        _fail(engine, run_id, f"matcher: {error}")
    except Exception as error:  # the run must end failed, whatever went wrong
        log.exception("run %s failed", run_id)
        _fail(engine, run_id, f"error: {error.__class__.__name__}: {error}")
    finally:
        beat.stopped.set()
        beat.join()


def _execute(engine: Engine, run_id: int) -> None:
    with Session(engine, expire_on_commit=False) as s:
        run = s.get(MatchRun, run_id)
        park = s.get(Park, run.park_id)
        built = build_run_problem(session=s, park=park, options=run.options,
                                  month=run.month or runs.run_month(park, run.options))
        problem, versions = built.problem, built.versions
        if not runs.set_stage(session=s, run_id=run_id, status=RunStatus.solving,
                              expect=RunStatus.building, problem=problem,
                              listing_versions=versions, notes=built.notes()):  # fmt: skip
            return _lost(run_id, RunStatus.building)
        s.commit()
    plan = solve(load_problem(problem), time_limit_s=run.options.get("time_limit_s"))
    if plan.status == "infeasible":
        _fail(engine, run_id, f"infeasible: {plan.message or ''}")
        return
    # each unmatched item carries the matcher's own `detail`: the app words it, never re-derives it
    plan_dict = plan.to_dict()
    with Session(engine, expire_on_commit=False) as s:
        if not runs.set_stage(session=s, run_id=run_id, status=RunStatus.storing,
                              expect=RunStatus.solving):  # fmt: skip
            return _lost(run_id, RunStatus.solving)
        s.commit()
    with Session(engine, expire_on_commit=False) as s:
        run = s.get(MatchRun, run_id)
        count = runs.store_plan(session=s, run=run, plan=plan_dict)
        if not runs.set_stage(session=s, run_id=run_id, status=RunStatus.done,
                              expect=RunStatus.storing, message=str(count),
                              plan=plan_dict, finished_at=utcnow(),
                              notes={**(run.notes or {}),
                                     "summary": runs.plan_summary(problem, plan_dict)},
                              baseline_kg_co2e=plan.baseline_kg_co2e,
                              objective_kg_co2e=plan.objective_kg_co2e,
                              saved_kg_co2e=plan.saved_kg_co2e):  # fmt: skip
            s.rollback()
            return _lost(run_id, RunStatus.storing)
        s.commit()


def _lost(run_id: int, stage: RunStatus) -> None:
    """The run was failed under this worker (a solve that held the GIL stops the heartbeat
    thread too): its result is dropped, never stored beside a retry."""
    log.warning("run %s was failed by a reaper while %s; its result is dropped", run_id, stage)


def _fail(engine: Engine, run_id: int, reason: str) -> None:
    with Session(engine) as s:
        runs.fail_run(session=s, run_id=run_id, reason=reason)
        s.commit()


def work_once(app: Flask, name: str) -> bool:
    """Reap stale runs, then claim and execute one queued run; False when none was queued."""
    engine = app.extensions["db_engine"]
    timeout = timedelta(seconds=app.config["RUN_HEARTBEAT_TIMEOUT_S"])
    with Session(engine) as s:
        runs.reap_stale_runs(session=s, older_than=timeout)
        run_id = runs.claim_next_run(session=s, worker=name)
        s.commit()
    if run_id is None:
        return False
    log.info("worker %s executing run %s", name, run_id)
    execute_run(engine, run_id, heartbeat_s=app.config["RUN_HEARTBEAT_S"])
    return True


def work_forever(app: Flask, *, poll_s: float = 1.0, stop: threading.Event | None = None) -> None:
    """Poll until stopped. A database that restarts or is unreachable is waited for: the pool
    checks each connection before use (`pool_pre_ping`), so the next poll reconnects."""
    name = worker_name()
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            worked = work_once(app, name)
        except (OperationalError, InterfaceError) as error:
            log.warning("database unavailable, polling again in %s s: %s", poll_s, error.orig)
            worked = False
        if not worked:
            stop.wait(poll_s)
