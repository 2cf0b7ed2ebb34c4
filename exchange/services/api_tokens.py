"""Personal API tokens: created and revoked on the profile page, checked on every /api/ call.

A token is `bpx_` and 43 URL-safe characters (256 random bits). Only its SHA-256 is stored:
for a secret that random, a slow password hash buys nothing and would slow every call.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from exchange.models import ApiToken, User, utcnow

PREFIX = "bpx_"
MAX_DAYS = 3650
TOUCH_EVERY = timedelta(minutes=5)  # last_used_at is for people, to the minute is enough


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def create_token(
    *, session: Session, user: User, name: str, days: int | None = None, read_only: bool = False
) -> tuple[ApiToken, str]:
    """A new token and its secret, which is shown once and never stored; a `read_only` one
    may only read (see `may_use`)."""
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name.strip()[:80], token_hash=_digest(secret),
        prefix=secret[:12], expires_at=utcnow() + timedelta(days=days) if days else None,
        read_only=bool(read_only),
    )  # fmt: skip
    session.add(token)
    session.flush()
    return token, secret


def user_tokens(*, session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, the ones still in use first."""
    rows = session.exec(select(ApiToken).where(ApiToken.user_id == user.id))
    return sorted(rows, key=lambda t: (t.revoked_at is not None, -(t.id or 0)))


def revoke_token(*, session: Session, user: User, token_id: int) -> bool | None:
    """Revoke one of the user's own tokens; False when it was revoked already, None when the
    user has no token of that id (someone else's is as good as none)."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        return None
    done = session.execute(
        update(ApiToken)
        .where(col(ApiToken.id) == token_id, col(ApiToken.user_id) == user.id,
               col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )  # fmt: skip
    session.flush()
    return done.rowcount == 1


def revoke_all(*, session: Session, user: User) -> int:
    """Revoke every token of the user still in use (a new password); how many were."""
    done = session.execute(
        update(ApiToken)
        .where(col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )  # fmt: skip
    session.flush()
    return done.rowcount


def token_user(*, session: Session, secret: str) -> tuple[User | None, ApiToken | None]:
    """The active user a secret stands for, with its token; (None, token) when the token
    exists but is revoked or expired or its user is inactive, (None, None) when unknown."""
    if not secret.startswith(PREFIX):
        return None, None
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == _digest(secret))).first()
    if token is None:
        return None, None
    now = utcnow()
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None, token
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        return None, token
    return user, token


def may_use(token: ApiToken, method: str) -> bool:
    """A read-only token reads (GET, HEAD, OPTIONS) and nothing else."""
    return not token.read_only or method.upper() in READ_METHODS


def needs_touch(token: ApiToken) -> bool:
    return token.last_used_at is None or utcnow() - token.last_used_at >= TOUCH_EVERY


def touch(*, session: Session, token: ApiToken) -> None:
    token.last_used_at = utcnow()
    session.add(token)
    session.flush()
