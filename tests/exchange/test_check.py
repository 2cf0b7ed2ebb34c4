"""`flask check`: what is misconfigured for production, exit status 1 if anything is."""

from __future__ import annotations

from exchange import create_app


def _app(database_url, **extra):
    return create_app({"DATABASE_URL": database_url, "TESTING": True, **extra})


def _check(app, *args):
    return app.test_cli_runner().invoke(args=["check", "--gunicorn-config", "none.py", *args])


def test_check_passes_a_good_configuration(app, monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    app.config["MAIL_SERVER"] = "smtp.example.kr"
    result = _check(app)
    assert result.exit_code == 0, result.output
    assert "ok: ready for production" in result.output


def test_check_reports_a_missing_secret_and_notes_mail(database_url, monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    app = _app(database_url, ENV_PRODUCTION=True)
    result = _check(app)
    app.extensions["db_engine"].dispose()
    assert result.exit_code == 1
    assert "error: SECRET_KEY is not set" in result.output
    assert "note: MAIL_SERVER is not set" in result.output


def test_check_warns_about_sqlite_with_several_workers(app, monkeypatch, tmp_path):
    app.config["MAIL_SERVER"] = "smtp.example.kr"
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    conf = tmp_path / "gunicorn.conf.py"
    conf.write_text("workers = 4\n")
    result = app.test_cli_runner().invoke(args=["check", "--gunicorn-config", str(conf)])
    if app.config["DATABASE_URL"].startswith("sqlite"):
        assert result.exit_code == 1
        assert "warning: SQLite with 4 workers" in result.output
    else:
        assert result.exit_code == 0, result.output


def test_check_reports_pending_migrations(tmp_path, monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    app = _app("sqlite:///" + str(tmp_path / "empty.db"), SECRET_KEY="x")
    result = _check(app)
    assert result.exit_code == 1
    assert "error: migrations pending" in result.output
    app.extensions["db_engine"].dispose()


def test_check_reports_an_unreachable_database(tmp_path, monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    app = _app("sqlite:///" + str(tmp_path / "missing" / "no.db"), SECRET_KEY="x")
    result = _check(app)
    assert result.exit_code == 1
    assert "error: database unreachable" in result.output
    app.extensions["db_engine"].dispose()
