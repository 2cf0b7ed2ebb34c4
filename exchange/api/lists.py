"""Query arguments, JSON bodies and pages: read and refused the same way on every endpoint.

Every list answers `{"items", "page", "per_page", "total", "next"}`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_babel import gettext as _

from exchange.api.errors import ApiError
from exchange.services.field_reader import FieldReader, InvalidInput
from exchange.services.pages import Page

MAX_ID = 2**31 - 1  # an id beyond a database integer is simply not there
MAX_PER_PAGE = 100


def int_arg(name: str, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    if request.args.get(name, "") == "":
        return None
    r = FieldReader(request.args)
    value = r.whole(name, minimum=minimum, maximum=maximum)
    if r.errors:
        raise ApiError.invalid(InvalidInput(r.errors))
    return value


def text_arg(name: str, allowed: list[str] | None = None) -> str | None:
    r = FieldReader(request.args)
    value = r.choice(name, allowed, default="") if allowed else r.text(name)
    if r.errors:
        raise ApiError.invalid(InvalidInput(r.errors))
    return value or None


def page_args() -> tuple[int, int]:
    per_page = int_arg("per_page", maximum=MAX_PER_PAGE)
    return int_arg("page") or 1, per_page or min(current_app.config["PAGE_SIZE"], MAX_PER_PAGE)


def page_of(items: list, *, page: int, per_page: int) -> Page:
    """A page of a list already in memory (the catalogue, a manager's proposals)."""
    last = max(1, -(-len(items) // per_page))
    page = max(1, min(page, last))
    return Page(items=items[(page - 1) * per_page:page * per_page], page=page,
                per_page=per_page, total=len(items))  # fmt: skip


def page_body(page: Page, dump: Callable[[Any], dict]) -> dict:
    return {
        "items": [dump(item) for item in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "next": page.page + 1 if page.has_next else None,
    }


def json_body() -> dict[str, Any]:
    """The request's JSON object ({} when empty); 400 when it is not JSON or not an object."""
    if not request.get_data(cache=True):
        return {}
    body = request.get_json(force=True, silent=True)
    if body is None:
        raise ApiError(400, _("The body is not valid JSON."), code="bad-json")
    if not isinstance(body, dict):
        raise ApiError(400, _("The body must be a JSON object."), code="bad-json")
    return body


def check_fields(body: dict[str, Any], known) -> None:
    """Refuse names the endpoint does not know: a misspelt field must not pass unnoticed."""
    unknown = [name for name in body if name not in known]
    if unknown:
        raise ApiError.invalid(InvalidInput([(n, _("Unknown field.")) for n in unknown]))
