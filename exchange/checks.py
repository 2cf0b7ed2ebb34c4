"""What `flask check` looks at before the app goes live: each check returns findings.

A finding is (level, text); level "error" or "warning" makes the command fail, "note" does not.
"""

from __future__ import annotations

import os
import runpy
from pathlib import Path

from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from exchange import config, db, migrate

__all__ = ["run_checks", "configured_workers"]

Finding = tuple[str, str]


def configured_workers(gunicorn_config: Path | None) -> int:
    """The most workers that WEB_CONCURRENCY or the gunicorn config file would start."""
    counts = [int(os.environ.get("WEB_CONCURRENCY", "1") or 1)]
    if gunicorn_config is not None and gunicorn_config.is_file():
        settings = runpy.run_path(str(gunicorn_config))
        counts.append(int(settings.get("workers", 1)))
    return max(counts)


def run_checks(app: Flask, *, gunicorn_config: Path | None = None) -> list[Finding]:
    findings: list[Finding] = []
    if config.is_production(app) and not app.config.get("SECRET_KEY"):
        findings.append(("error", "SECRET_KEY is not set (EXCHANGE_SECRET_KEY) in production"))
    url = app.config["DATABASE_URL"]
    workers = configured_workers(gunicorn_config)
    if url.startswith("sqlite") and workers > 1:
        findings.append(
            ("warning", f"SQLite with {workers} workers: use PostgreSQL (DATABASE_URL)")
        )
    findings.extend(_database(app))
    if config.is_production(app) and not app.config.get("SERVER_NAME"):
        findings.append(("warning", "SERVER_NAME is not set (EXCHANGE_SERVER_NAME): mailed "
                         "links would name whatever Host a request sent"))  # fmt: skip
    if not app.config.get("MAIL_SERVER"):
        findings.append(("note", "MAIL_SERVER is not set: e-mails are only written to the log"))
    return findings


def _database(app: Flask) -> list[Finding]:
    try:
        with app.app_context(), db.engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        waiting = migrate.pending(app)
    except SQLAlchemyError as error:
        return [("error", f"database unreachable: {type(error).__name__}: {error.args[0]}")]
    if waiting:
        return [("error", f"migrations pending ({', '.join(waiting)}): run flask db-upgrade")]
    return []
