"""export-park and import-park on a large park; never part of the pass/fail suite.

    .venv/bin/python -m benchmarks.backups [--offers 2000] [--wants 2000]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

A synthetic park (`tests/exchange/parks.py`) with one match run (its problem, plan,
thousands of proposals and unmatched offers) goes into a fresh SQLite database, and into
fresh PostgreSQL databases beside the one the URL names (dropped afterwards) when a URL is
given. It is exported, imported into a second fresh database and exported again; the two
files must be the same bytes.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlmodel import Session, select

from benchmarks.run_end_to_end import fresh_postgresql
from exchange import create_app, migrate, worker
from exchange.models import Park
from exchange.services import backups, runs
from tests.exchange.parks import make_park


@contextmanager
def migrated(url: str) -> Iterator[Session]:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark", "TESTING": True})
    migrate.upgrade(app)
    try:
        with Session(app.extensions["db_engine"], expire_on_commit=False) as s:
            yield s
    finally:
        app.extensions["db_engine"].dispose()


def _park_with_a_run(url: str, offers: int, wants: int) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark", "TESTING": True})
    with Session(app.extensions["db_engine"], expire_on_commit=False) as s:
        park = make_park(s, offers=offers, wants=wants, slug="synthetic")
        runs.queue_run(session=s, park=park, user=None, options={})
        s.commit()
    worker.work_once(app, "benchmark")
    app.extensions["db_engine"].dispose()


def measure(source: str, target: str, offers: int, wants: int) -> dict[str, float]:
    with migrated(source):
        _park_with_a_run(source, offers, wants)
    figures: dict[str, float] = {}
    with migrated(source) as s:
        start = time.perf_counter()
        data = backups.export_park(session=s, park=s.exec(select(Park)).one())
        figures["export_s"] = time.perf_counter() - start
    start = time.perf_counter()
    raw, gz = backups.dumps(data), backups.dumps(data, gzipped=True)
    figures["write_s"] = time.perf_counter() - start
    figures["rows"] = sum(len(rows) for rows in data["tables"].values())
    figures["json_mb"], figures["gz_mb"] = len(raw) / 2**20, len(gz) / 2**20
    with migrated(target) as s:
        start = time.perf_counter()
        backups.import_park(session=s, data=backups.loads(gz))
        s.commit()
        figures["import_s"] = time.perf_counter() - start
        again = backups.export_park(session=s, park=s.exec(select(Park)).one())
    if backups.dumps(again) != raw:
        raise SystemExit("the export of the imported park differs from the first")
    return figures


def measure_sqlite(args) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        return measure(f"sqlite:///{tmp}/a.db", f"sqlite:///{tmp}/b.db", args.offers, args.wants)


def measure_postgresql(args) -> dict[str, float]:
    with fresh_postgresql(args.database_url, suffix="a") as source:
        with fresh_postgresql(args.database_url, suffix="b") as target:
            return measure(source, target, args.offers, args.wants)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offers", type=int, default=2000)
    parser.add_argument("--wants", type=int, default=2000)
    parser.add_argument("--database-url", help="a PostgreSQL server to measure too")
    args = parser.parse_args()
    print(f"park: {args.offers:,} offers, {args.wants:,} wants, one run; Python "
          f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")  # fmt: skip
    rows: list[tuple[str, Callable]] = [("SQLite", measure_sqlite)]
    if args.database_url:
        rows.append(("PostgreSQL", measure_postgresql))
    print(f"{'database':<11}{'rows':>8}{'export':>8}{'write':>7}{'import':>8}"
          f"{'json MiB':>10}{'gz MiB':>8}")  # fmt: skip
    for label, once in rows:
        f = once(args)
        print(f"{label:<11}{f['rows']:>8,.0f}{f['export_s']:>8.2f}{f['write_s']:>7.2f}"
              f"{f['import_s']:>8.2f}{f['json_mb']:>10.1f}{f['gz_mb']:>8.1f}")  # fmt: skip
    print("seconds, wall; export: reading the park; write: JSON and gzip; import: reading the")
    print("gzip file into the second database and committing. Both exports were identical.")


if __name__ == "__main__":
    main()
