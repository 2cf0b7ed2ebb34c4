"""Aggregates anyone may see: counts per park, never a single factory's data."""

from __future__ import annotations

import time

from sqlalchemy import func
from sqlmodel import Session, select

from exchange.models import Factory, Listing, ListingStatus, Park

_overview: tuple[float, list[dict]] | None = None


def park_overview(*, session: Session, max_age_s: float = 0.0) -> list[dict]:
    """Parks with their factory and open-listing counts, cached for a few seconds: the front
    page is what everyone hits. Open listings may lag `max_age_s`; exchanges never do."""
    global _overview
    now = time.monotonic()
    if _overview is not None and now - _overview[0] < max_age_s:
        return [dict(row) for row in _overview[1]]
    rows = _park_overview(session=session)
    _overview = (now, rows)
    return [dict(row) for row in rows]


def _park_overview(*, session: Session) -> list[dict]:
    parks = list(session.exec(select(Park).order_by(Park.name_en)))
    factory_counts = dict(
        session.exec(select(Factory.park_id, func.count()).group_by(Factory.park_id)).all()
    )
    listing_rows = session.exec(
        select(Factory.park_id, Listing.kind, func.count(), func.sum(Listing.tonnes_per_month))
        .join(Factory, Factory.id == Listing.factory_id)
        .where(Listing.status == ListingStatus.active)
        .group_by(Factory.park_id, Listing.kind)
    ).all()
    out = []
    for park in parks:
        row = {"park": park, "factories": factory_counts.get(park.id, 0)}
        for park_id, kind, count, tonnes in listing_rows:
            if park_id == park.id:
                row[f"{kind}s"] = count
                row[f"{kind}_tonnes"] = float(tonnes or 0)
        out.append(row)
    return out


def overview_built_at() -> float:
    """When the cached overview was built: part of the front page's cache key. (Its id() was
    before, and a rebuilt list can reuse a freed one's id, keeping an old page.)"""
    return _overview[0] if _overview is not None else 0.0
