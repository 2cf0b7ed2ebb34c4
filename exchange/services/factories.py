"""Parks and their factories, with the permits that let a factory take hazardous streams."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import text
from sqlmodel import Session, col, select

from exchange.models import Factory, FactoryManager, Park, Permit, User
from exchange.services.listing_input import hazard_of
from exchange.services.pages import Page, paginate

_PARK_ID_BY_SLUG = text("SELECT id FROM park WHERE slug = :slug")  # a public pages' hot path
_PARK_ZONE_BY_SLUG = text("SELECT id, time_zone FROM park WHERE slug = :slug")


def park_by_slug(*, session: Session, slug: str) -> Park | None:
    park_id = park_id_by_slug(session=session, slug=slug)
    return session.get(Park, park_id) if park_id is not None else None


def park_ids(*, session: Session) -> list[int]:
    return list(session.execute(text("SELECT id FROM park ORDER BY id")).scalars())


def park_id_by_slug(*, session: Session, slug: str) -> int | None:
    return session.execute(_PARK_ID_BY_SLUG, {"slug": slug}).scalar()


def park_id_and_zone_by_slug(*, session: Session, slug: str) -> tuple[int, str] | None:
    """The park's id and time zone in one small query (the public pages' hot path: their
    month turns over in the park's zone)."""
    row = session.execute(_PARK_ZONE_BY_SLUG, {"slug": slug}).first()
    return (row[0], row[1]) if row else None


def all_parks(*, session: Session) -> list[Park]:
    return list(session.exec(select(Park).order_by(Park.name_en)))


def set_time_zone(*, session: Session, park: Park, zone: str) -> None:
    """`zone` is an IANA name the caller has checked (park_calendar.valid_time_zone)."""
    park.time_zone = zone
    session.add(park)
    session.flush()


def park_factories(*, session: Session, park_id: int) -> list[Factory]:
    return list(
        session.exec(select(Factory).where(Factory.park_id == park_id).order_by(Factory.name))
    )


def search_factories(
    *, session: Session, park_id: int | None, text: str = "", page: int = 1, per_page: int = 25,
    factory_ids: list[int] | None = None,
) -> Page:  # fmt: skip
    query = select(Factory)
    if park_id is not None:
        query = query.where(Factory.park_id == park_id)
    if factory_ids is not None:
        query = query.where(col(Factory.id).in_(factory_ids))
    if text:
        like = f"%{text}%"
        query = query.where(
            col(Factory.name).ilike(like)
            | col(Factory.name_en).ilike(like)
            | col(Factory.industry_ko).ilike(like)
            | col(Factory.industry_en).ilike(like)
            | col(Factory.ksic).ilike(like)
        )
    return paginate(
        session=session, query=query.order_by(Factory.name), page=page, per_page=per_page
    )


def factory_permits(*, session: Session, factory_id: int) -> list[Permit]:
    return list(
        session.exec(select(Permit).where(Permit.factory_id == factory_id).order_by(Permit.number))
    )


def permit_valid(permit: Permit, on: date) -> bool:
    """A permit counts on the park's date `on` until the end of its expiry day."""
    return bool(permit.number.strip()) and (permit.expires is None or permit.expires >= on)


def has_valid_permit(*, session: Session, factory_id: int, on: date) -> bool:
    """The factory may receive hazardous streams on `on` (a date in the park's zone)."""
    return any(permit_valid(p, on) for p in factory_permits(session=session, factory_id=factory_id))


def lacks_permit(*, session: Session, listing, factory: Factory, on: date) -> bool:
    """A want for a material hazardous by its code, by a factory with no permit valid on `on`:
    it can receive nothing hazardous until one is recorded."""
    keys = listing.accepts.split() or [listing.material_key]
    return (
        listing.kind == "want"
        and any(hazard_of(k) != "none" for k in keys)
        and not has_valid_permit(session=session, factory_id=factory.id, on=on)
    )


def factory_managers(*, session: Session, factory_id: int) -> list[User]:
    query = (
        select(User)
        .join(FactoryManager, FactoryManager.user_id == User.id)
        .where(FactoryManager.factory_id == factory_id)
        .order_by(User.email)
    )
    return list(session.exec(query))


def create_factory(*, session: Session, park: Park, name: str, lat: float, lon: float) -> Factory:
    """A new factory with a slug unique in its park (used by the shell and the URLs of tools)."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "factory"
    taken = set(session.exec(select(Factory.slug).where(Factory.park_id == park.id)))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    factory = Factory(park_id=park.id, slug=slug, name=name, lat=lat, lon=lon)
    session.add(factory)
    session.flush()
    return factory


def update_factory(*, session: Session, factory: Factory, fields: dict) -> None:
    for name, value in fields.items():
        setattr(factory, name, value)
    session.add(factory)
    session.flush()


def replace_permits(*, session: Session, factory: Factory, permits: list[dict]) -> None:
    for permit in factory_permits(session=session, factory_id=factory.id):
        session.delete(permit)
    session.flush()
    for p in permits:
        session.add(Permit(factory_id=factory.id, **p))
    session.flush()
