"""Error pages that say what happened in the reader's language; JSON under /api/."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def _for_api() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    pages = {
        400: (lambda: _("Bad request"), lambda: _("The request could not be understood.")),
        403: (lambda: _("Not allowed"), lambda: _("Your account may not see or change this.")),
        404: (lambda: _("Not found"), lambda: _("There is nothing at this address.")),
        413: (
            lambda: _("File too large"),
            lambda: _(
                "The file is larger than %(mb)d MB; nothing was imported.",
                mb=app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024),
            ),
        ),  # fmt: skip
        500: (
            lambda: _("Something went wrong"),
            lambda: _("The error was logged; please try again."),
        ),
    }

    def handler(code):
        title, message = pages[code]

        def page(error):
            if _for_api():
                return _api_error(error)
            return render_template("error.html", code=code, title=title(), message=message()), code

        return page

    for code in pages:
        app.register_error_handler(code, handler(code))

    @app.errorhandler(HTTPException)
    def _other(error):  # 405, 429 …: JSON under /api/, Werkzeug's own page elsewhere
        return _api_error(error) if _for_api() else error

    @app.errorhandler(CSRFError)
    def _csrf(_e):
        message = _(
            "The form expired or was not sent from this site. Reload the page and try again."
        )
        return render_template("error.html", code=400, title=_("Bad request"), message=message), 400


def _api_error(error):
    from exchange.api.errors import http_error

    if not isinstance(error, HTTPException):  # an unexpected exception, seen as a 500
        from werkzeug.exceptions import InternalServerError

        error = InternalServerError()
    return http_error(error)
