"""Listings: create, change, pause, withdraw, search, and the history of every change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from exchange.models import Factory, Listing, ListingChange, ListingStatus, User, utcnow
from exchange.services.agreed import check_agreed
from exchange.services.field_reader import normal_text
from exchange.services.listing_input import ListingInput
from exchange.services.pages import Page, paginate

AUDITED = (
    "kind", "status", "material_key", "accepts", "description", "tonnes_per_month",
    "steadiness", "available_from", "available_until", "lot_tonnes", "hazardous",
    "analysis_report_no", "analysis_report_date", "properties",
    "requirements", "disposal_route", "disposal_cost_krw_per_t", "disposal_kg_co2e_per_t",
    "avoided_kg_co2e_per_t", "max_km", "show_name",
)  # fmt: skip


def snapshot(listing: Listing) -> dict[str, Any]:
    """The listing as it stands, in JSON-safe values (dates as ISO strings)."""
    out = {}
    for name in AUDITED:
        value = getattr(listing, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


def _record(*, session: Session, listing: Listing, user: User | None, action: str, before: dict):
    after = snapshot(listing)
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    session.add(
        ListingChange(
            listing_id=listing.id,
            version=listing.version,
            user_id=user.id if user else None,
            action=action,
            changes=changes,
            snapshot=after,
        )
    )


def create_listing(
    *, session: Session, factory: Factory, listing_in: ListingInput, user: User | None,
    action: str = "created",
) -> Listing:  # fmt: skip
    listing = Listing(factory_id=factory.id, **listing_in.to_fields())
    session.add(listing)
    session.flush()
    _record(session=session, listing=listing, user=user, action=action, before={})
    return listing


def update_listing(
    *, session: Session, listing: Listing, listing_in: ListingInput, user: User,
    confirm: bool = False,
) -> bool:  # fmt: skip
    """Apply the input; a new version only when something really changed.

    Raises `agreed.AgreedTonnesConflict` (nothing changed) when it would take the listing
    below what its exchanges hold, unless `confirm`."""
    check_agreed(session=session, listing=listing, tonnes=listing_in.tonnes_per_month,
                 status=listing.status, confirm=confirm)  # fmt: skip
    before = snapshot(listing)
    for name, value in listing_in.to_fields().items():
        setattr(listing, name, value)
    if snapshot(listing) == before:
        return False
    listing.version += 1
    listing.updated_at = utcnow()
    session.add(listing)
    session.flush()
    _record(session=session, listing=listing, user=user, action="updated", before=before)
    return True


def set_status(
    *, session: Session, listing: Listing, status: ListingStatus, user: User,
    confirm: bool = False,
) -> None:  # fmt: skip
    """Pause, resume or withdraw. A withdrawn listing stays for the record but never returns.

    Pausing or withdrawing a listing that exchanges hold raises `agreed.AgreedTonnesConflict`
    unless `confirm`."""
    if listing.status == status:
        return
    if listing.status == ListingStatus.withdrawn:
        raise ValueError("a withdrawn listing cannot change status")
    check_agreed(session=session, listing=listing, tonnes=listing.tonnes_per_month,
                 status=status, confirm=confirm)  # fmt: skip
    before = snapshot(listing)
    listing.status = status
    listing.version += 1
    listing.updated_at = utcnow()
    session.add(listing)
    session.flush()
    action = {"paused": "paused", "active": "resumed", "withdrawn": "withdrawn"}[status]
    _record(session=session, listing=listing, user=user, action=action, before=before)


def search_listings(
    *,
    session: Session,
    factory_ids: list[int] | None = None,
    park_id: int | None = None,
    kind: str | None = None,
    status: str | None = None,
    material: str | None = None,
    text: str | None = None,
    page: int = 1,
    per_page: int = 25,
) -> Page:
    """Listings with their factory, newest first, filtered as asked."""
    query = select(Listing, Factory).join(Factory, Factory.id == Listing.factory_id)
    if factory_ids is not None:
        query = query.where(col(Listing.factory_id).in_(factory_ids))
    if park_id is not None:
        query = query.where(Factory.park_id == park_id)
    if kind:
        query = query.where(Listing.kind == kind)
    if status:
        query = query.where(Listing.status == status)
    else:
        query = query.where(Listing.status != ListingStatus.withdrawn)
    if material:
        query = query.where(
            or_(Listing.material_key == material, col(Listing.accepts).contains(material))
        )
    text = normal_text(text)  # a query pasted as NFD finds the NFC text stored
    if text:
        like = f"%{text}%"
        query = query.where(
            or_(col(Listing.description).ilike(like), col(Factory.name).ilike(like))
        )
    query = query.order_by(col(Listing.updated_at).desc(), col(Listing.id).desc())
    return paginate(session=session, query=query, page=page, per_page=per_page)


def listing_history(*, session: Session, listing: Listing, page: int, per_page: int) -> Page:
    """One page of the listing's changes, the latest first, each with who made it: a listing
    kept current by an ERP changes every month, and its page must not grow without end."""
    query = (
        select(ListingChange, User)
        .join(User, User.id == ListingChange.user_id, isouter=True)
        .where(ListingChange.listing_id == listing.id)
        .order_by(col(ListingChange.version).desc(), col(ListingChange.id).desc())
    )
    return paginate(session=session, query=query, page=page, per_page=per_page)


def factory_listing_counts(*, session: Session, factory_id: int) -> dict[str, int]:
    rows = session.exec(
        select(Listing.kind, Listing.status).where(Listing.factory_id == factory_id)
    )
    counts = {"offer": 0, "want": 0}
    for kind, status in rows:
        if status != ListingStatus.withdrawn:
            counts[kind] = counts.get(kind, 0) + 1
    return counts
