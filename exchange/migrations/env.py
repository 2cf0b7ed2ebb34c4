"""Alembic environment: the app's engine and SQLModel's metadata."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import exchange.models  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata
config = context.config


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        from exchange.db import make_engine

        connectable = make_engine(config.get_main_option("sqlalchemy.url"))
        with connectable.connect() as connection:
            _run(connection)
            connection.commit()
        connectable.dispose()  # the connection's foreign keys were off: it is not pooled
    else:
        _run(connectable)


def _run(connection) -> None:
    # render_as_batch: SQLite can only ALTER a table by copying it; copying a table that others
    # point to (park, factory, listing …) fails its DROP while foreign keys are enforced, so they
    # are off during the migration (SQLite ignores the pragma inside a transaction: it is set
    # first) and checked whole before they are on again.
    # (exchange.migrate.migrating_connection opens the connection so, and turns them on after).
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
        if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()):
            raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
