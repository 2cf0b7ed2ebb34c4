"""Mixed load at 100 connections on gunicorn (2 workers), on SQLite and on PostgreSQL.

    .venv/bin/python -m benchmarks.load [--seconds 20] [--skip-postgres]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/h_load] [--api-token T]

For each database: a fresh one with the demo park (its PostgreSQL schema is dropped and made
again first), gunicorn with the project's gunicorn.conf.py and 2 workers on loopback, and
four groups of requests at once, each its own wrk, 100 connections together:

- public: the front page and the park page, as anyone sees them;
- listings: four factory managers, signed in once (their session cookies), on their
  factories' pages and their listings' pages;
- api: the open-data summary, and /api/v1 reads (listings, factories, proposals, runs, the
  catalogue) with a coordinator's token made for the run (or --api-token); a path the app
  does not answer with 200 is reported as skipped;
- writes: a fifth manager saving one of their listings with a new description each time.

Prints requests per second, p50, p99 and errors (answers other than 2xx/3xx, and socket
errors) for each group and for all together. Target: no errors, p99 under 200 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import text

from benchmarks.load_mix import Call, Figures, Mix, run_people, run_wrk
from exchange.db import make_engine
from tests.faults.servers import AppServer, Browser, form_fields
from tests.processes import free_port

PARK_PAGE = "/parks/sihwa-banwol"
API_READS = ["/api/v1/summary", "/api/v1/summary?park=sihwa-banwol", "/api/v1/listings",
             "/api/v1/listings?material=fgd-gypsum", "/api/v1/factories", "/api/v1/proposals",
             "/api/v1/runs", "/api/v1/materials?q=slag", "/api/v1/me"]  # fmt: skip
TOKEN_HOLDER = "coordinator@demo.park"
READERS = [f"manager{i}@demo.park" for i in range(1, 5)]
WRITER = "manager5@demo.park"
CONNECTIONS = {"public": 30, "listings": 40, "api": 25, "writes": 5}


def manager_pages(port: int, email: str) -> tuple[Browser, list[str]]:
    """A signed-in manager and their factories' and listings' pages."""
    person = Browser(port)
    person.sign_in(email, "demo-manager")
    factories = person.factory_pages()
    listings = {p for f in factories for p in re.findall(r'href="(/factories/listings/\d+)"',
                                                         person.get(f).text)}  # fmt: skip
    return person, factories + sorted(listings)


def coordinator_token(url: str) -> str:
    """A token for the park's coordinator, made in the database the server uses."""
    from sqlmodel import Session, select

    from exchange import create_app
    from exchange.models import User
    from exchange.services import api_tokens

    app = create_app({"DATABASE_URL": url})
    with Session(app.extensions["db_engine"]) as s:
        user = s.exec(select(User).where(User.email == TOKEN_HOLDER)).one()
        _token, secret = api_tokens.create_token(session=s, user=user, name="load test")
        s.commit()
    app.extensions["db_engine"].dispose()
    return secret


def api_calls(port: int, token: str | None) -> tuple[list[Call], list[str]]:
    """The API reads this app answers, and a word on each it does not."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    calls, skipped = [], []
    for path in API_READS:
        status = Browser(port).request("GET", path, headers=headers).status
        if status == 200:
            calls.append(Call(path, headers=headers))
        else:
            why = {404: "not in this app", 401: "needs --api-token"}.get(status, f"HTTP {status}")
            skipped.append(f"{path} ({why})")
    return calls, skipped


def edit_call(port: int) -> Call:
    """The writer saving their first listing's form again, the description numbered."""
    writer, pages = manager_pages(port, WRITER)
    listing = next(p for p in pages if "/listings/" in p)
    fields = form_fields(writer.get(f"{listing}/edit").text, f"{listing}/edit")
    fields = [(k, v) for k, v in fields if k != "description"] + [("description", "load __N__")]
    body = urlencode(fields)
    return Call(f"{listing}/edit", "POST", {"Cookie": writer.cookie_header(),
                "Content-Type": "application/x-www-form-urlencoded"}, body)  # fmt: skip


def mixes(port: int, token: str | None) -> tuple[list[Mix], list[str]]:
    reads = []
    for email in READERS:
        person, pages = manager_pages(port, email)
        reads += [Call(p, headers={"Cookie": person.cookie_header()}) for p in pages]
    api, skipped = api_calls(port, token)
    groups = {"public": [Call("/"), Call(PARK_PAGE)], "listings": reads, "api": api,
              "writes": [edit_call(port)]}  # fmt: skip
    return [Mix(name, CONNECTIONS[name], calls) for name, calls in groups.items() if calls], skipped


def warm(port: int, groups: list[Mix]) -> None:
    """Every read twice per worker, so the per-process caches are filled before timing."""
    for mix in groups:
        for call in mix.calls:
            if call.method == "GET":
                for _ in range(4):
                    reply = Browser(port).request("GET", call.path, headers=call.headers)
                    assert reply.status == 200, f"{call.path}: HTTP {reply.status}"


def load_database(url: str, args: argparse.Namespace, folder: Path) -> None:
    """Flat out first (each connection sends its next request at once), then as people."""
    port = free_port(5680, 5689)
    server = AppServer(database_url=url, port=port, log=folder / "gunicorn.log")
    server.prepare()
    with server.start():
        groups, skipped = mixes(port, args.api_token or coordinator_token(url))
        warm(port, groups)
        for think_ms in [0, args.think_ms] if args.think_ms else [0]:
            load = os.getloadavg()[0]
            figures = (run_people(port, groups, args.seconds, think_ms) if think_ms
                       else run_wrk(port, groups, args.seconds))  # fmt: skip
            how = f"pausing {think_ms / 1000:g} s on average" if think_ms else "flat out"
            print(f"\n{url.split(':')[0]}, {how}: gunicorn 2 workers, "
                  f"{sum(m.connections for m in groups)} connections, {args.seconds} s, "
                  f"load average {load:.1f} before, on {os.cpu_count()} cores")  # fmt: skip
            show(groups, figures, skipped)


def show(groups: list[Mix], figures: dict[str, Figures], skipped: list[str]) -> None:
    total = Figures.together(list(figures.values()))
    print(f"{'group':<10}{'conns':>6}{'paths':>7}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for mix in groups:
        f = figures[mix.name]
        print(f"{mix.name:<10}{mix.connections:>6}{len(mix.calls):>7}{f.rps:>9.0f}"
              f"{f.percentile(50):>9.1f}{f.percentile(99):>9.1f}{f.errors:>8}")  # fmt: skip
    print(f"{'all':<10}{'':>6}{'':>7}{total.rps:>9.0f}{total.percentile(50):>9.1f}"
          f"{total.percentile(99):>9.1f}{total.errors:>8}")  # fmt: skip
    for line in skipped:
        print(f"  skipped: {line}")
    verdict = "met" if total.errors == 0 and total.percentile(99) < 200 else "MISSED"
    print(f"target (no errors, p99 < 200 ms): {verdict}")


def fresh_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--database-url",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/h_load")  # fmt: skip
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--think-ms", type=int, default=1000,
                        help="the second round's pause between requests (0: no second round)")
    parser.add_argument("--api-token")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_sqlite:
            load_database(f"sqlite:///{tmp}/load.db", args, Path(tmp))
        if not args.skip_postgres:
            fresh_postgres(args.database_url)
            load_database(args.database_url, args, Path(tmp))


if __name__ == "__main__":
    main()
