"""Who may see and change what: the one place every view asks.

An object the user may not see answers 404, exactly as one that does not exist, so no id
tells whether it exists; 403 is for what the user sees but may not do (a coordinator
editing a listing, a manager on a coordinator's page)."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select
from werkzeug.exceptions import Forbidden, NotFound

from exchange.models import Factory, FactoryManager, Listing, Park, Role, User

_MANAGED = "managed_factory_ids"


def managed_factory_ids(*, session: Session, user: User) -> set[int]:
    """Asked up to three times a page: kept in the session (one request) until it flushes,
    since every query is a round trip to PostgreSQL."""
    known = session.info.setdefault(_MANAGED, {})
    if user.id not in known:
        rows = session.exec(
            select(FactoryManager.factory_id).where(FactoryManager.user_id == user.id)
        )
        known[user.id] = frozenset(rows)
    return set(known[user.id])


@event.listens_for(OrmSession, "after_flush")
@event.listens_for(OrmSession, "after_commit")
@event.listens_for(OrmSession, "after_rollback")
def _forget_managed(session: OrmSession, *_args) -> None:
    session.info.pop(_MANAGED, None)


def can_view_factory(*, session: Session, user: User, factory: Factory) -> bool:
    if user.role == Role.admin:
        return True
    if user.role == Role.coordinator:
        return user.park_id == factory.park_id
    return factory.id in managed_factory_ids(session=session, user=user)


def can_change_listings(*, session: Session, user: User, factory: Factory) -> bool:
    """Listings belong to the factory's managers (and admins); coordinators only read them."""
    if user.role == Role.admin:
        return True
    if user.role == Role.manager:
        return factory.id in managed_factory_ids(session=session, user=user)
    return False


def can_change_factory(*, session: Session, user: User, factory: Factory) -> bool:
    """A factory's profile: its managers, its park's coordinators, admins."""
    if user.role == Role.coordinator:
        return user.park_id == factory.park_id
    return can_change_listings(session=session, user=user, factory=factory)


def can_coordinate_park(*, user: User, park: Park) -> bool:
    return user.role == Role.admin or (user.role == Role.coordinator and user.park_id == park.id)


def get_factory(
    *, session: Session, user: User, factory_id: int, change: bool = False, listings: bool = False
) -> Factory:
    """Load-or-404, then check access (403): the start of every factory page.

    `change`: the factory's profile; `listings`: its listings (managers and admins only)."""
    factory = session.get(Factory, factory_id)
    if factory is None or not can_view_factory(session=session, user=user, factory=factory):
        raise NotFound()
    check = can_change_listings if listings else can_change_factory if change else None
    if check is not None and not check(session=session, user=user, factory=factory):
        raise Forbidden()
    return factory


def get_listing(
    *, session: Session, user: User, listing_id: int, change: bool = False
) -> tuple[Listing, Factory]:
    listing = session.get(Listing, listing_id)
    factory = session.get(Factory, listing.factory_id) if listing is not None else None
    if factory is None or not can_view_factory(session=session, user=user, factory=factory):
        raise NotFound()
    if change and not can_change_listings(session=session, user=user, factory=factory):
        raise Forbidden()
    return listing, factory


def get_park(*, session: Session, user: User, park_id: int) -> Park:
    park = session.get(Park, park_id)
    if park is None or not can_coordinate_park(user=user, park=park):
        raise NotFound()
    return park


def list_scope(
    *, session: Session, user: User, park_id: int | None
) -> tuple[int | None, list[int] | None]:
    """What a list may show this user, as (park id, factory ids); None: no limit.

    Admins see every park (or the one asked for), coordinators their own park (another park
    is 404, as one that does not exist), managers their own factories."""
    if user.role == Role.admin:
        return park_id, None
    if user.role == Role.coordinator:
        if park_id is not None and park_id != user.park_id:
            raise NotFound()
        return user.park_id, None
    return park_id, sorted(managed_factory_ids(session=session, user=user))
