"""Password reset links: signed, timed, and dead once the password changes.

The token carries the user's id and a digest of their current password hash, signed with the
app's secret (itsdangerous). Nothing is stored: a new password changes the digest, so a link
works once; its timestamp limits it to `max_age` seconds.
"""

from __future__ import annotations

import hmac

from itsdangerous import BadData, URLSafeTimedSerializer
from sqlmodel import Session

from exchange.models import User, password_fingerprint

__all__ = ["make_token", "user_for_token"]

SALT = "password-reset"


def make_token(*, secret_key: str, user: User | None) -> str:
    """A token for `user`; for an e-mail without an account, one that opens nothing but costs
    the same work, so the answer's timing does not tell."""
    user_id, password_hash = (user.id, user.password_hash) if user else (0, "")
    data = [user_id, password_fingerprint(user_id, password_hash)]
    return URLSafeTimedSerializer(secret_key, salt=SALT).dumps(data)


def user_for_token(*, session: Session, secret_key: str, token: str, max_age: int) -> User | None:
    """The active user the token was made for, or None: forged, expired, used, or no user."""
    try:
        data = URLSafeTimedSerializer(secret_key, salt=SALT).loads(token, max_age=max_age)
    except BadData:
        return None
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], int)):
        return None
    user = session.get(User, data[0]) if data[0] > 0 else None
    if user is None or not user.is_active:
        return None
    current = password_fingerprint(user.id, user.password_hash)
    return user if hmac.compare_digest(current, str(data[1])) else None
