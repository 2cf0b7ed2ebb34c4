"""Sign-in throttling: failed tries are counted per e-mail and per address, in the database.

Five failures for one e-mail within 15 minutes lock that e-mail for the rest of the window;
thirty from one address lock the address. Unknown e-mails are counted like known ones, so
the lock-out says nothing about which accounts exist.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from exchange.models import LoginAttempt, utcnow

__all__ = ["WINDOW", "MAX_PER_EMAIL", "MAX_PER_IP", "email_hash", "is_locked", "record_attempt"]

WINDOW = timedelta(minutes=15)
MAX_PER_EMAIL = 5
MAX_PER_IP = 30
KEEP = timedelta(days=1)


def email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def is_locked(*, session: Session, email: str, ip: str, now: datetime | None = None) -> bool:
    """True when the e-mail or the address has used up its failures in the window."""
    since = (now or utcnow()) - WINDOW
    key = email_hash(email)
    last_success = session.exec(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.email_hash == key, col(LoginAttempt.succeeded).is_(True)
        )
    ).one()
    email_since = max(since, last_success) if last_success is not None else since
    by_email = _failures(session, col(LoginAttempt.email_hash) == key, email_since)
    if by_email >= MAX_PER_EMAIL:
        return True
    return bool(ip) and _failures(session, col(LoginAttempt.ip) == ip, since) >= MAX_PER_IP


def _failures(session: Session, who, since: datetime) -> int:
    query = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(who, col(LoginAttempt.succeeded).is_(False), col(LoginAttempt.at) > since)
    )
    return session.exec(query).one()


def record_attempt(*, session: Session, email: str, ip: str, succeeded: bool) -> None:
    """Keep one try, and forget tries older than a day."""
    now = utcnow()
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.at) < now - KEEP))
    session.add(LoginAttempt(email_hash=email_hash(email), ip=ip[:45], at=now, succeeded=succeeded))
    session.flush()
