"""Error pages that say what happened in the reader's language; JSON under /api/."""

from __future__ import annotations

import errno

from flask import Flask, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

# No space left, a file over the size limit, a quota: the same to the person uploading.
DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
SQLITE_FULL = 13
POSTGRES_DISK_FULL = "53100"


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

    app.register_error_handler(OSError, _os_error)
    app.register_error_handler(DBAPIError, _database_error)


def disk_full(error: BaseException) -> bool:
    """A write failed for want of space: an OSError, or the database saying so."""
    if isinstance(error, DBAPIError):
        error = error.orig
    return (
        (isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS)
        or getattr(error, "sqlite_errorcode", None) == SQLITE_FULL
        or getattr(error, "sqlstate", None) == POSTGRES_DISK_FULL
    )


def _os_error(error: OSError):
    if not disk_full(error):
        raise error  # Flask's own handling: logged, then the 500 page
    return _disk_full_page(error)


def _database_error(error: DBAPIError):
    """A database that is restarting or unreachable answers 503 at once, never a hang."""
    if disk_full(error):
        return _disk_full_page(error)
    if isinstance(error, OperationalError | InterfaceError) or error.connection_invalidated:
        current_app.logger.warning("database unavailable: %s", error.orig)
        message = _("The database cannot be reached just now. Please try again in a moment.")
        return _plain_page(503, _("Temporarily unavailable"), message, {"Retry-After": "5"})
    raise error


def _disk_full_page(error: Exception):
    current_app.logger.error("disk full: %s %s: %s", request.method, request.path, error)
    message = _("The server has no room left to store this; nothing was saved. "
                "Please try again later.")  # fmt: skip
    return _plain_page(507, _("The server's disk is full"), message)


def _plain_page(code: int, title: str, message: str, headers: dict | None = None):
    """Drawn without the context processors: they ask the database, which may be the fault."""
    if _for_api():
        from exchange.api.errors import ApiError, error_response

        code_name = "unavailable" if code == 503 else "disk-full"
        return error_response(ApiError(code, message, code=code_name), headers=(headers or {}).items())
    page = current_app.jinja_env.get_template("unavailable.html").render(
        code=code, title=title, message=message, current_locale=str(get_locale() or "ko")
    )
    return page, code, headers or {}


def _api_error(error):
    from exchange.api.errors import http_error

    if not isinstance(error, HTTPException):  # an unexpected exception, seen as a 500
        from werkzeug.exceptions import InternalServerError

        error = InternalServerError()
    return http_error(error)
