"""Sign-in throttling: failed tries are counted per e-mail and per address, in the database.

Five failures for one e-mail within 15 minutes lock that e-mail for the rest of the window;
thirty from one address lock the address. Unknown e-mails are counted like known ones, so
the lock-out says nothing about which accounts exist.

Password-reset requests go in the same table under their own key per e-mail (purpose
"reset"): three per e-mail in the window, so nobody can flood a mailbox; each one also
counts as a try from its address, against the same thirty.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, func, text
from sqlmodel import Session, col, select

from exchange.models import LoginAttempt, utcnow

__all__ = ["WINDOW", "MAX_PER_EMAIL", "MAX_PER_IP", "email_hash", "is_locked", "record_attempt",
           "take_try", "try_succeeded"]

WINDOW = timedelta(minutes=15)
MAX_PER_EMAIL = {"sign-in": 5, "reset": 3}
MAX_PER_IP = 30
KEEP = timedelta(days=1)


def email_hash(email: str, purpose: str = "sign-in") -> str:
    """The e-mail is never stored in the clear; a purpose other than sign-in gets its own key."""
    email = email.strip().lower()
    key = email if purpose == "sign-in" else f"{purpose}:{email}"
    return hashlib.sha256(key.encode()).hexdigest()


def is_locked(
    *, session: Session, email: str, ip: str, now: datetime | None = None, purpose: str = "sign-in"
) -> bool:
    """True when the e-mail or the address has used up its failures in the window."""
    since = (now or utcnow()) - WINDOW
    key = email_hash(email, purpose)
    last_success = session.exec(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.email_hash == key, col(LoginAttempt.succeeded).is_(True)
        )
    ).one()
    email_since = max(since, last_success) if last_success is not None else since
    by_email = _failures(session, col(LoginAttempt.email_hash) == key, email_since)
    if by_email >= MAX_PER_EMAIL[purpose]:
        return True
    return bool(ip) and _failures(session, col(LoginAttempt.ip) == ip, since) >= MAX_PER_IP


def _failures(session: Session, who, since: datetime) -> int:
    query = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(who, col(LoginAttempt.succeeded).is_(False), col(LoginAttempt.at) > since)
    )
    return session.exec(query).one()


def record_attempt(
    *, session: Session, email: str, ip: str, succeeded: bool, purpose: str = "sign-in"
) -> None:
    """Keep one try, and forget tries older than a day."""
    now = utcnow()
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.at) < now - KEEP))
    key = email_hash(email, purpose)
    session.add(LoginAttempt(email_hash=key, ip=ip[:45], at=now, succeeded=succeeded))
    session.flush()


def take_try(
    *, session: Session, email: str, ip: str, purpose: str = "sign-in"
) -> LoginAttempt | None:
    """Count a try as failed before the password is checked, or None when the e-mail or the
    address is locked (nothing counted then).

    Checked and counted under one lock, which the caller's commit releases before it checks
    the password: of 25 tries at once, 5 get through and 20 find them counted. The lock is
    the database's write lock on SQLite (the delete below is the transaction's first
    statement) and an advisory lock per e-mail and per address on PostgreSQL."""
    now = utcnow()
    key = email_hash(email, purpose)
    if session.get_bind().dialect.name == "postgresql":
        for name in sorted({f"sign-in:{key}", f"sign-in-ip:{ip}"}):  # one order: no deadlock
            session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                            {"k": name})  # fmt: skip
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.at) < now - KEEP))
    if is_locked(session=session, email=email, ip=ip, now=now, purpose=purpose):
        return None
    attempt = LoginAttempt(email_hash=key, ip=ip[:45], at=now, succeeded=False)
    session.add(attempt)
    session.flush()
    return attempt


def try_succeeded(*, session: Session, attempt: LoginAttempt) -> None:
    """The password was right: the try no longer counts against the e-mail or the address."""
    attempt.succeeded = True
    session.add(attempt)
    session.flush()
