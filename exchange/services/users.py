"""Accounts: sign-in, creation from the shell, invitations by admins and coordinators."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from exchange.models import Factory, FactoryManager, Invitation, Park, Role, User, utcnow
from exchange.security import hash_password, verify_password
from exchange.services import api_tokens


@cache
def _dummy_hash() -> str:
    """A real hash to check against when the e-mail is unknown, so timing does not tell.
    Made on first use, not on import: every process (a worker too) would pay a second."""
    return hash_password("not-a-real-password")


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message says why."""


def find_user(*, session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    user = find_user(session=session, email=email)
    if user is None or not user.password_hash:
        verify_password(_dummy_hash(), password)
        return None
    if not user.is_active or not verify_password(user.password_hash, password):
        return None
    return user


def set_password(*, session: Session, user: User, password: str) -> None:
    """A new password. It ends every reset link and every session made before (both carry a
    digest of the old hash) and revokes the user's API tokens: whoever knew the old password
    may have made one. The caller signs the current browser in again."""
    user.password_hash = hash_password(password)
    session.add(user)
    session.flush()
    api_tokens.revoke_all(session=session, user=user)


def end_sessions(*, session: Session, user: User) -> None:
    """Sign out on the server side: every session cookie of the user stops working, a copy
    of one too (the epoch is part of what the cookie must match, see `User.get_id`)."""
    session.execute(
        update(User).where(col(User.id) == user.id)
        .values(session_epoch=func.coalesce(User.session_epoch, 0) + 1)
    )  # fmt: skip
    session.refresh(user)


def create_user(
    *,
    session: Session,
    email: str,
    name: str,
    role: Role,
    password: str,
    park: Park | None = None,
    factories: list[Factory] = (),
) -> User:
    """A new account. A coordinator needs a park; a manager needs at least one factory."""
    email = normalise_email(email)
    if find_user(session=session, email=email) is not None:
        raise AccountError(f"a user with e-mail {email} exists already")
    if role == Role.coordinator and park is None:
        raise AccountError("a coordinator needs a park")
    if role == Role.manager and not factories:
        raise AccountError("a manager needs at least one factory")
    user = User(
        email=email,
        name=name,
        role=role,
        park_id=park.id if park else (factories[0].park_id if factories else None),
        password_hash=hash_password(password) if password else "",
    )
    session.add(user)
    session.flush()
    for factory in factories:
        session.add(FactoryManager(user_id=user.id, factory_id=factory.id))
    session.flush()
    return user


def managed_factories(*, session: Session, user: User) -> list[Factory]:
    query = (
        select(Factory)
        .join(FactoryManager, FactoryManager.factory_id == Factory.id)
        .where(FactoryManager.user_id == user.id)
        .order_by(Factory.name)
    )
    return list(session.exec(query))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_user(
    *,
    session: Session,
    email: str,
    name: str,
    role: Role,
    park: Park | None,
    factory: Factory | None,
    invited_by: User,
    days: int,
) -> tuple[Invitation, str]:
    """An invitation and its one-time token (only the hash is stored)."""
    email = normalise_email(email)
    if find_user(session=session, email=email) is not None:
        raise AccountError("exists")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email,
        name=name,
        role=role,
        park_id=park.id if park else None,
        factory_id=factory.id if factory else None,
        token_hash=_token_hash(token),
        invited_by_id=invited_by.id,
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(invitation)
    session.flush()
    return invitation, token


def open_invitation(*, session: Session, token: str) -> Invitation | None:
    invitation = session.exec(
        select(Invitation).where(Invitation.token_hash == _token_hash(token))
    ).first()
    if invitation is None or invitation.accepted_at or invitation.expires_at < utcnow():
        return None
    return invitation


def accept_invitation(
    *, session: Session, invitation: Invitation, name: str, password: str
) -> User:
    park = session.get(Park, invitation.park_id) if invitation.park_id else None
    factory = session.get(Factory, invitation.factory_id) if invitation.factory_id else None
    user = create_user(
        session=session,
        email=invitation.email,
        name=name or invitation.name,
        role=Role(invitation.role),
        password=password,
        park=park,
        factories=[factory] if factory else [],
    )
    invitation.accepted_at = utcnow()
    session.add(invitation)
    session.flush()
    return user


def pending_invitations(*, session: Session, park_id: int | None) -> list[Invitation]:
    query = select(Invitation).where(col(Invitation.accepted_at).is_(None))
    if park_id is not None:
        query = query.where(Invitation.park_id == park_id)
    return list(session.exec(query.order_by(col(Invitation.created_at).desc())))
