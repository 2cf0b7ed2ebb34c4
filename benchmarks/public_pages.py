"""Requests per second and latency of the public pages under gunicorn, beside a trivial route.

Serves the app with gunicorn (2 workers) on a throw-away SQLite database holding the demo park
with its history, then loads each route with wrk (Debian package `wrk`) on loopback for a
bounded time. Prints requests per second, p50 and p99 latency, and the ratio to the trivial
route (`/healthz`, one `SELECT 1`). Targets: the public page at least half the trivial
route's rate, p99 under 50 ms.

    python benchmarks/public_pages.py [--seconds 10] [--connections 16]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 5091
ROUTES = ["/healthz", "/", "/parks/sihwa-banwol", "/api/v1/summary"]


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(latency["50"]),
        "p99": _ms(latency["99"]),
        "errors": int(errors.group(1)) if errors else 0,
    }


def serve(tmp: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/bench.db", "EXCHANGE_SECRET_KEY": "bench"}
    flask = [sys.executable, "-m", "flask", "--app", "exchange"]
    for command in ("db-upgrade", "seed-demo"):
        subprocess.run([*flask, command], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{PORT}",
                               "exchange:create_app()"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        server = serve(tmp)
        try:
            for route in ROUTES:  # warm every worker's cache first
                for _ in range(4):
                    urllib.request.urlopen(f"http://127.0.0.1:{PORT}{route}").read()
            rows = {route: wrk(f"http://127.0.0.1:{PORT}{route}", args.seconds, args.connections)
                    for route in ROUTES}  # fmt: skip
        finally:
            server.terminate()
            server.wait()
    base = rows["/healthz"]["rps"]
    print(f"gunicorn 2 workers, SQLite, wrk 2 threads x {args.connections} connections, {args.seconds} s each")
    print(f"{'route':<24}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}{'vs trivial':>12}")
    for route, r in rows.items():
        print(f"{route:<24}{r['rps']:>10.0f}{r['p50']:>10.1f}{r['p99']:>10.1f}{r['errors']:>8}{r['rps'] / base:>12.2f}")


if __name__ == "__main__":
    main()
