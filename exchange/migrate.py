"""Alembic, driven from the app's configuration (no alembic.ini to keep in step)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import Connection

from exchange import db


def alembic_config(app: Flask) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", app.config["DATABASE_URL"].replace("%", "%%"))
    return cfg


@contextmanager
def migrating_connection(app: Flask) -> Iterator[tuple[Config, Connection]]:
    """The Alembic config bound to a connection of the app's engine, committed at the end.

    On SQLite the migration turns foreign keys off (a table that others point to is rebuilt by
    copying); the pragma takes effect only outside a transaction, so it is turned on again
    after the commit, before the connection goes back to the pool.
    """
    cfg = alembic_config(app)
    with app.app_context(), db.engine().connect() as connection:
        cfg.attributes["connection"] = connection
        try:
            yield cfg, connection
            connection.commit()
        finally:
            if connection.dialect.name == "sqlite":
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")


def upgrade(app: Flask, revision: str = "head") -> None:
    with migrating_connection(app) as (cfg, _):
        command.upgrade(cfg, revision)


def downgrade(app: Flask, revision: str) -> None:
    with migrating_connection(app) as (cfg, _):
        command.downgrade(cfg, revision)


def pending(app: Flask) -> list[str]:
    """Revisions not yet applied to the database: what `check` warns about."""
    cfg = alembic_config(app)
    script = ScriptDirectory.from_config(cfg)
    with app.app_context(), db.engine().connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    heads = set(script.get_heads())
    return [] if current == heads else sorted(heads - current)


def revision(app: Flask, message: str) -> None:
    command.revision(alembic_config(app), message=message, autogenerate=True)
