"""Who is calling: a personal token in `Authorization: Bearer …`, nothing else.

The API never reads the session cookie, so a page a signed-in user happens to open in a
browser cannot make it act for them (and it needs no CSRF token). A view marked `public`
takes no token.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g, request
from flask_babel import gettext as _

from exchange import db
from exchange.api import bp
from exchange.api.errors import ApiError
from exchange.models import User
from exchange.services import api_tokens


def public(view: Callable) -> Callable:
    """Open to anyone, no token (the summary, the catalogue, this API's description)."""
    view.public = True
    return view


def is_public(view: Callable | None) -> bool:
    return bool(getattr(view, "public", False))


@bp.before_request
def _authenticate() -> None:
    if is_public(current_app.view_functions.get(request.endpoint or "")):
        return
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, _("Send a personal API token: Authorization: Bearer <token>. "
                              "Create one on your profile page."))  # fmt: skip
    s = db.session()
    user, token = api_tokens.token_user(session=s, secret=secret.strip())
    if user is None:
        raise ApiError(401, _refusal(token), code="invalid-token")
    if not api_tokens.may_use(token, request.method):
        raise ApiError(403, _("This API token is read-only: create one that can write on your "
                              "profile page."), code="read-only-token")  # fmt: skip
    if api_tokens.needs_touch(token):
        # its own small commit, before the request does anything, at most every few minutes
        api_tokens.touch(session=s, token=token)
        s.commit()
    g.api_user = user


def _refusal(token) -> str:
    if token is None:
        return _("This API token is not known.")
    if token.revoked_at is not None:
        return _("This API token was revoked.")
    if token.expires_at is not None:
        return _("This API token has expired.")
    return _("The account of this API token is disabled.")


def api_user() -> User:
    return g.api_user
