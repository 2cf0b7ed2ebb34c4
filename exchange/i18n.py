"""Korean by default, English on request; the choice sticks in the session."""

from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_babel import Babel, format_date, format_datetime, format_decimal, get_locale

babel = Babel()


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if request.path.startswith("/api/"):  # no session there: ?lang=, then Accept-Language
        if asked in languages:
            return asked
        best = request.accept_languages.best_match(languages)
        return best or current_app.config["BABEL_DEFAULT_LOCALE"]
    if asked in languages:
        session["lang"] = asked
        return asked
    if session.get("lang") in languages:
        return session["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    from pathlib import Path

    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).parent / "translations")
    )
    babel.init_app(app, locale_selector=select_locale)

    app.jinja_env.filters["format_number"] = format_number
    app.jinja_env.filters["format_date"] = lambda d: format_date(d) if d else ""
    app.jinja_env.filters["format_datetime"] = lambda d: format_datetime(d, "short") if d else ""

    @app.context_processor
    def _locale_context():
        return {"current_locale": str(get_locale() or "ko")}


def format_number(value, digits: int = 1) -> str:
    """A number in the reader's locale, with at most `digits` decimals."""
    if value is None or value == "":
        return ""
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, format=pattern)
