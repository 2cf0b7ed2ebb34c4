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
    IMPORT_DRAFTS: str | None = None  # where previews wait for confirmation; None: instance/imports
    IMPORT_TIME_BUDGET_S = 15.0  # reading one upload; a sheet taking longer is refused
    PAGE_SIZE = 25
    INVITATION_DAYS = 14
    RESET_LINK_SECONDS = 3600  # a password-reset link works this long, and once
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # disclosure control of the public figures (exchange.disclosure): a figure is shown when at
    # least this many factories make it up, none more than this share of it (unless it agreed),
    # and no hidden figure can be narrowed to within this share of its value by the others
    DISCLOSURE_MIN_FACTORIES = 3
    DISCLOSURE_DOMINANCE = 0.85
    DISCLOSURE_PROTECTION = 0.20
    PUBLIC_OVERVIEW_SECONDS = 10.0  # the front page's open-listing counts may lag this much
    RUN_HEARTBEAT_S = 2.0  # a working run's worker writes a heartbeat this often
    RUN_HEARTBEAT_TIMEOUT_S = 30.0  # ... and is taken for dead after this long without one
    MAIL_SERVER: str | None = None
    MAIL_SENDER = "exchange@localhost"
    TRUSTED_PROXIES = 0  # reverse proxies in front (nginx: 1); their X-Forwarded-* are believed
    ENV_PRODUCTION = False  # or EXCHANGE_ENV=production: HTTPS cookies, no generated secret


def is_production(app: Flask) -> bool:
    """EXCHANGE_ENV=production in the environment, or ENV_PRODUCTION in the configuration."""
    return bool(app.config.get("ENV_PRODUCTION")) or os.environ.get("EXCHANGE_ENV") == "production"


def finish(app: Flask) -> None:
    """Fill what depends on the instance folder: the database path and a dev secret.

    In production cookies go only over HTTPS and a missing secret stays missing: `flask check`
    reports it, and sessions cannot be signed until it is set.
    """
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = "sqlite:///" + os.path.join(app.instance_path, "exchange.db")
    if is_production(app):
        app.config["ENV_PRODUCTION"] = True
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"
    elif not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


def _instance_secret(instance: Path) -> str:
    """A random key kept in instance/, so sessions survive restarts on a dev machine."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()
