"""A match run end to end against the matcher alone; never part of the pass/fail suite.

    .venv/bin/python -m benchmarks.run_end_to_end [--offers 2000] [--wants 2000] [--repeat 3]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

A synthetic park (`tests/exchange/parks.py`) goes into a fresh SQLite database, and into a
fresh PostgreSQL database made beside the one the URL names (dropped afterwards) when a
URL is given. One run is queued and executed by the worker's own code, stage by stage:
build (listings to problem), load + solve (the matcher, with the unmatched offers' reasons),
store (proposals), and the rest (stage commits, the problem and plan written as JSON).
Then the stored problem is solved again by the matcher alone, as `python -m matching`
would (in the same, warm process: no favour to the run): the application's overhead is
end-to-end minus that, and should stay below it. Each repetition has fresh databases.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, func, select

from exchange import create_app, migrate, worker
from exchange.models import MatchRun, Proposal, RunStatus
from exchange.services import runs
from matching import load_problem, solve
from tests.exchange.parks import make_park


class Stopwatch:
    """Wall and CPU seconds (CPU: this process, all its threads) since it was made."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def add_to(self, figures: dict[str, dict[str, float]], stage: str) -> None:
        figures["wall"][stage] += time.perf_counter() - self.wall
        figures["cpu"][stage] += time.process_time() - self.cpu


class StageClock:
    """Seconds spent in the worker's stages, by wrapping the functions it calls."""

    def __init__(self):
        self.figures: dict[str, dict[str, float]] = {
            "wall": defaultdict(float),
            "cpu": defaultdict(float),
        }

    def wrap(self, stage: str, function):
        def timed(*args, **kwargs):
            watch = Stopwatch()
            try:
                return function(*args, **kwargs)
            finally:
                watch.add_to(self.figures, stage)

        return timed

    @contextmanager
    def installed(self) -> Iterator[None]:
        patches = [
            (worker, "build_run_problem", self.wrap("build", worker.build_run_problem)),
            (worker, "load_problem", self.wrap("load", worker.load_problem)),
            (worker, "solve", self.wrap("solve", worker.solve)),
            (runs, "store_plan", self.wrap("store", runs.store_plan)),
        ]
        saved = [(module, name, getattr(module, name)) for module, name, _ in patches]
        for module, name, value in patches:
            setattr(module, name, value)
        try:
            yield
        finally:
            for module, name, value in saved:
                setattr(module, name, value)


@contextmanager
def fresh_postgresql(url: str, suffix: str = "") -> Iterator[str]:
    """A new database on the server `url` points at, dropped afterwards."""
    admin_url = make_url(url)
    name = f"exchange_bench_{os.getpid()}{suffix}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin_url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def measure(url: str, offers: int, wants: int, seed: int) -> dict:
    """Wall and CPU seconds by stage of one run, and of the matcher alone on its problem."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark", "TESTING": True})
    engine = app.extensions["db_engine"]
    try:
        migrate.upgrade(app)
        clock = StageClock()
        with Session(engine, expire_on_commit=False) as s:
            watch = Stopwatch()
            park = make_park(s, offers=offers, wants=wants, seed=seed)
            s.commit()
            watch.add_to(clock.figures, "park")
        with clock.installed():
            watch = Stopwatch()
            with Session(engine, expire_on_commit=False) as s:
                run = runs.queue_run(session=s, park=park, user=None, options={})
                s.commit()
            worker.work_once(app, "benchmark")
            watch.add_to(clock.figures, "end_to_end")
        with Session(engine) as s:
            done = s.get(MatchRun, run.id)
            if done.status != RunStatus.done:
                raise SystemExit(f"the run ended {done.status}: {done.message}")
            stored = s.exec(
                select(func.count()).select_from(Proposal).where(Proposal.run_id == run.id)
            ).one()
            problem = done.problem
        watch = Stopwatch()
        plan = solve(load_problem(problem))
        watch.add_to(clock.figures, "alone")
        if len(plan.exchanges) != stored or plan.objective_kg_co2e != done.objective_kg_co2e:
            raise SystemExit("the matcher alone disagrees with the stored run")
        return {**clock.figures, "proposals": stored, "unmatched": len(plan.unmatched),
                "arcs": plan.solver.arcs}  # fmt: skip
    finally:
        engine.dispose()


STAGES = ("build", "load", "solve", "store")


def report(rows: list[tuple[str, dict]]) -> None:
    print(f"{'database':<11}{'clock':<6}{'queue->done':>12}{'build':>7}{'load':>6}{'solve':>7}"
          f"{'store':>7}{'other':>7}{'alone':>8}{'overhead':>10}"
          f"{'overhead/alone':>16}")  # fmt: skip
    for label, figures in rows:
        for clock in ("wall", "cpu"):
            f = figures[clock]
            other = f["end_to_end"] - sum(f[k] for k in STAGES)
            overhead = f["end_to_end"] - f["alone"]
            print(f"{label:<11}{clock:<6}{f['end_to_end']:>12.2f}{f['build']:>7.2f}"
                  f"{f['load']:>6.2f}{f['solve']:>7.2f}{f['store']:>7.2f}"
                  f"{other:>7.2f}{f['alone']:>8.2f}{overhead:>10.2f}"
                  f"{overhead / f['alone']:>16.2f}")  # fmt: skip
    print("seconds; cpu: this process only (not the PostgreSQL server). alone: load_problem +")
    print("solve of the run's stored problem; overhead: queue->done minus alone (target < alone).")
    for label, f in rows:
        print(f"{label}: park written in {f['wall']['park']:.2f} s; {f['arcs']:,} arcs, "
              f"{f['proposals']:,} proposals, {f['unmatched']:,} unmatched offers")  # fmt: skip


def measure_sqlite(args) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        return measure(f"sqlite:///{tmp}/benchmark.db", args.offers, args.wants, args.seed)


def measure_postgresql(args) -> dict:
    with fresh_postgresql(args.database_url) as url:
        return measure(url, args.offers, args.wants, args.seed)


def best_of(repeat: int, once) -> dict:
    """The repetition with the least wall time end to end: the one the neighbours spared."""
    return min((once() for _ in range(repeat)), key=lambda f: f["wall"]["end_to_end"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offers", type=int, default=2000)
    parser.add_argument("--wants", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="a PostgreSQL server to measure too")
    parser.add_argument("--repeat", type=int, default=3, help="fresh databases; the best shown")
    args = parser.parse_args()
    print(f"park: {args.offers:,} offers, {args.wants:,} wants (seed {args.seed}); best of "
          f"{args.repeat}; Python {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    rows = [("SQLite", best_of(args.repeat, lambda: measure_sqlite(args)))]
    if args.database_url:
        rows.append(("PostgreSQL", best_of(args.repeat, lambda: measure_postgresql(args))))
    report(rows)


if __name__ == "__main__":
    main()
