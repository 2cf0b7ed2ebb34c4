"""Fault tests: real gunicorn processes, a PostgreSQL cluster of their own, a full disk.

They start their own processes and stop them even when a test fails. PostgreSQL's server
binaries are needed for the restart test: without them it is skipped on a developer's
machine and fails under CI (CI set), which must have them.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from exchange import create_app, db, migrate, security
from exchange.seed import load_demo
from tests.faults.servers import AppServer, Browser, PostgresCluster, postgres_bin
from tests.processes import free_port

SERVER_PORTS = (5690, 5699)
POSTGRES_PORTS = (55432, 55440)


def missing(what: str) -> None:
    """Skip on a developer's machine; under CI a missing tool is a failure, never a skip."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI must have it)")
    pytest.skip(what)


def demo_database(url: str) -> None:
    """Migrations and the demo park, in this process with cheap password hashes (seconds
    saved: the demo's people sign in with the same passwords, argon2 reads the cost)."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "faults"})
    migrate.upgrade(app)
    original, security._hasher = security._hasher, PasswordHasher(time_cost=1, memory_cost=1024)
    try:
        with app.app_context(), db.session_scope() as s:
            load_demo(session=s)
    finally:
        security._hasher = original
        app.extensions["db_engine"].dispose()


def count(url: str, sql: str, **params) -> int:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "faults"})
    engine = app.extensions["db_engine"]
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar_one()
    finally:
        engine.dispose()


@pytest.fixture
def cluster():
    if postgres_bin() is None:
        missing("PostgreSQL server binaries are not installed (apt-get install postgresql)")
    if not stat.S_ISCHR(os.stat(os.devnull).st_mode):  # initdb redirects there, as `postgres`
        pytest.fail(f"{os.devnull} is not the null device: something renamed a file over it")
    # not under pytest's folders: they are closed to the `postgres` user that runs the server
    folder = Path(tempfile.mkdtemp(prefix="faults-postgres-"))
    pg = PostgresCluster(folder, free_port(*POSTGRES_PORTS))
    try:
        yield pg.create()
    finally:
        pg.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def serve(tmp_path):
    """Start gunicorn (2 workers) on a database; every server started is stopped at the end."""
    started: list[AppServer] = []

    def start(url: str, **env: str) -> AppServer:
        log = tmp_path / f"gunicorn-{len(started)}.log"
        server = AppServer(database_url=url, port=free_port(*SERVER_PORTS), log=log, env=env)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


def manager(server: AppServer, number: int = 1) -> Browser:
    """A demo factory manager signed in on `server`, reading English."""
    person = Browser(server.port)
    person.sign_in(f"manager{number}@demo.park", "demo-manager")
    person.get("/?lang=en")
    return person


def sqlite_file(tmp: Path) -> str:
    return f"sqlite:///{tmp / 'exchange.db'}"
