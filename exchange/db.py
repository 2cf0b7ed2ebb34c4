"""One engine per app, one SQLModel session per request, committed by the view."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine


def make_engine(url: str) -> Engine:
    """SQLite gets foreign keys and a busy timeout; PostgreSQL a pool that survives restarts."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def init_app(app: Flask) -> None:
    app.extensions["db_engine"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["db_engine"]


def session() -> Session:
    """The request's session; views commit it once, services only flush."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session


def _close_session(_exc) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()


@contextmanager
def session_scope() -> Iterator[Session]:
    """For CLI commands: one transaction, committed on success, rolled back on error."""
    with Session(engine(), expire_on_commit=False) as s:
        try:
            yield s
            s.commit()
        except Exception:
            s.rollback()
            raise


@contextmanager
def snapshot_session() -> Iterator[Session]:
    """For reading many tables as of one moment (export-park) while the app writes on."""
    bound = engine()
    if bound.dialect.name == "postgresql":
        bound = bound.execution_options(isolation_level="REPEATABLE READ")
    with Session(bound) as s:
        if bound.dialect.name == "sqlite":  # the driver would begin a transaction only to write
            s.connection().exec_driver_sql("BEGIN")
        yield s
