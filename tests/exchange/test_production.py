"""Production settings and gunicorn.conf.py."""

from __future__ import annotations

import runpy
from pathlib import Path

from exchange import create_app

ROOT = Path(__file__).resolve().parents[2]


def _app(database_url, **extra):
    return create_app({"DATABASE_URL": database_url, "TESTING": True, **extra})


def test_gunicorn_config_reads_the_environment(monkeypatch):
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["bind"] == "127.0.0.1:8000"
    assert settings["workers"] == 2
    assert settings["timeout"] == 120
    assert settings["accesslog"] == "-"
    monkeypatch.setenv("PORT", "9000")
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (settings["bind"], settings["workers"]) == ("0.0.0.0:9000", 5)


def test_production_cookies_are_secure_and_no_secret_is_made_up(database_url, monkeypatch):
    app = _app(database_url, ENV_PRODUCTION=True)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    assert not app.config["SECRET_KEY"]
    monkeypatch.setenv("EXCHANGE_ENV", "production")
    assert _app(database_url).config["SESSION_COOKIE_SECURE"] is True


def test_development_gets_a_generated_secret(database_url):
    app = _app(database_url)
    assert app.config["SECRET_KEY"]
    assert not app.config.get("SESSION_COOKIE_SECURE")
