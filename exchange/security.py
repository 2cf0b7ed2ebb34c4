"""Sign-in, password hashing, CSRF and the role checks every view starts with."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, abort, g, request, session
from flask_login import LoginManager, current_user, login_required
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from exchange import access_log, db
from exchange.models import Role, User

login_manager = LoginManager()
csrf = CSRFProtect()
_hasher = PasswordHasher()


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    access_log.init_app(app)
    if proxies := int(app.config.get("TRUSTED_PROXIES") or 0):
        # the sign-in limit per address needs the client's address, not the proxy's
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        if _private(response):
            # nobody's page or file may stay in a shared computer's cache or a proxy's
            response.headers["Cache-Control"] = "no-store"
        return response


def _private(response) -> bool:
    """A signed-in page (the session names a user, valid or not: no query needed), an API
    answer to a token, a download, or a page of the sign-in and reset flows. Static files
    stay cacheable."""
    if request.endpoint == "static":
        return False
    return ("_user_id" in session or g.get("api_user") is not None
            or request.path.startswith("/auth/")
            or "attachment" in response.headers.get("Content-Disposition", ""))  # fmt: skip


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """The session's user, unless the password changed since it signed in (see `get_id`)."""
    user_id = session_id.partition(".")[0]
    user = db.session().get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.is_active:
        return None
    return user if hmac.compare_digest(user.get_id(), session_id) else None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def roles_required(*roles: Role) -> Callable:
    """Sign-in first (302 to the login page), then the role (403)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
