"""Every answer under /api/ is JSON, errors too: `{"error": {"code", "message", "field"}}`."""

from __future__ import annotations

from flask import Response, jsonify
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from exchange import db
from exchange.api import bp
from exchange.services.field_reader import InvalidInput

CODES = {
    400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
    405: "method-not-allowed", 409: "conflict", 413: "too-large", 422: "invalid",
    429: "too-many-requests", 500: "server-error",
}  # fmt: skip


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Send a personal API token: Authorization: Bearer <token>. Create one on your "
               "profile page."),
        403: _("Your account may not see or change this."),
        404: _("There is nothing at this address."),
        405: _("This address does not take this method."),
        500: _("The error was logged; please try again."),
    }  # fmt: skip


class ApiError(Exception):
    """An answer other than success, with the status, a code a program can test and a message
    a person can read; `field` names the input that was refused."""

    def __init__(self, status: int, message: str, *, code: str | None = None,
                 field: str | None = None, errors: list[tuple[str, str]] | None = None,
                 details: dict | None = None):  # fmt: skip
        super().__init__(message)
        self.status, self.message = status, message
        self.code = code or CODES.get(status, "error")
        self.field, self.errors = field, errors or []
        self.details = details or {}  # more facts a program may act on, e.g. the exchanges

    @classmethod
    def invalid(cls, bad: InvalidInput) -> ApiError:
        """422 naming the first refused field; `errors` lists them all."""
        field, message = bad.errors[0]
        return cls(422, message, field=field, errors=bad.errors)


def error_response(error: ApiError, headers=None) -> Response:
    body = {"code": error.code, "message": error.message, "field": error.field,
            **getattr(error, "details", {})}
    if error.errors:
        body["errors"] = [{"field": f, "message": m} for f, m in error.errors]
    response = jsonify(error=body)
    response.status_code = error.status
    for name, value in headers or []:
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


@bp.errorhandler(ApiError)
def handle_api_error(error: ApiError) -> Response:
    db.session().rollback()  # nothing half-done is committed by a later step
    return error_response(error)


def http_error(error: HTTPException) -> Response:
    """Werkzeug's errors (routing 404 and 405, 413 …) as JSON, keeping headers such as Allow."""
    status = error.code or 500
    message = _messages().get(status) or error.description or ""
    return error_response(ApiError(status, message), headers=error.get_headers())
