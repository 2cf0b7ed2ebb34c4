"""Configuration defaults. Secrets and overrides come from instance/config.py or EXCHANGE_* env."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask


class Defaults:
    SECRET_KEY: str | None = None
    DATABASE_URL: str | None = None  # None: SQLite in instance/
    BABEL_DEFAULT_LOCALE = "ko"
    BABEL_DEFAULT_TIMEZONE = "Asia/Seoul"
    LANGUAGES = ("ko", "en")
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024  # uploads: a listing sheet is never this large
    IMPORT_MAX_ROWS = 5000
    PAGE_SIZE = 25
    INVITATION_DAYS = 14
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PUBLIC_OVERVIEW_SECONDS = 10.0  # the front page's open-listing counts may lag this much
    RUN_HEARTBEAT_S = 2.0  # a working run's worker writes a heartbeat this often
    RUN_HEARTBEAT_TIMEOUT_S = 30.0  # ... and is taken for dead after this long without one
    MAIL_SERVER: str | None = None
    MAIL_SENDER = "exchange@localhost"


def finish(app: Flask) -> None:
    """Fill what depends on the instance folder: the database path and a dev secret."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = "sqlite:///" + os.path.join(app.instance_path, "exchange.db")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


def _instance_secret(instance: Path) -> str:
    """A random key kept in instance/, so sessions survive restarts on a dev machine."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()
