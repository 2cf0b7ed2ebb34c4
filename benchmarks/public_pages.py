"""Requests per second and latency of the public pages under gunicorn, beside a trivial route.

Serves the app with gunicorn (2 workers) on a throw-away SQLite database holding the demo park
with its history, then loads each route with wrk (Debian package `wrk`) on loopback for a
bounded time. Prints requests per second, p50 and p99 latency, and the ratio to the trivial
route (`/healthz`, one `SELECT 1`). Targets: the public page at least half the trivial
route's rate, p99 under 50 ms.

    .venv/bin/python -m benchmarks.public_pages [--seconds 10] [--connections 16]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from benchmarks.load_mix import Call, Mix, run_wrk
from tests.faults.servers import AppServer, Browser
from tests.processes import free_port

ROUTES = ["/healthz", "/", "/parks/sihwa-banwol", "/api/v1/summary"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port(5680, 5689)
        server = AppServer(database_url=f"sqlite:///{tmp}/bench.db", port=port,
                           log=Path(tmp) / "gunicorn.log")  # fmt: skip
        server.prepare()
        with server.start():
            for route in ROUTES:  # warm every worker's cache first
                for _ in range(4):
                    Browser(port).get(route)
            rows = {route: run_wrk(port, [Mix("r", args.connections, [Call(route)])],
                                   args.seconds, threads=2)["r"] for route in ROUTES}  # fmt: skip
    base = rows["/healthz"].rps
    print(f"gunicorn 2 workers, SQLite, wrk 2 threads x {args.connections} connections, {args.seconds} s each")
    print(f"{'route':<24}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}{'vs trivial':>12}")
    for route, r in rows.items():
        print(f"{route:<24}{r.rps:>10.0f}{r.percentile(50):>10.1f}{r.percentile(99):>10.1f}"
              f"{r.errors:>8}{r.rps / base:>12.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
