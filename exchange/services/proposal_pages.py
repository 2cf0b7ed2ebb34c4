"""What the run, proposal and exchange pages read: who is on each side, who did what.

Reads only; the steps of a proposal's life are in services.proposals.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from exchange.models import (
    Delivery,
    Factory,
    Listing,
    MatchRun,
    Notification,
    Proposal,
    ProposalStatus,
    User,
    utcnow,
)
from exchange.services.pages import Page, paginate

# from approval on, both factories know whom they deal with
NAMES_SHOWN = (ProposalStatus.approved, ProposalStatus.active, ProposalStatus.suspended,
               ProposalStatus.ended, ProposalStatus.declined)  # fmt: skip
# what a factory's managers may see: everything from the coordinator's approval on
MANAGER_STATUSES = NAMES_SHOWN


@dataclass(frozen=True)
class Parties:
    """Both ends of a proposal: the listings and their factories."""

    offer: Listing
    want: Listing
    offer_factory: Factory
    want_factory: Factory


def parties(*, session: Session, proposals: list[Proposal]) -> dict[int, Parties]:
    """Each proposal's two listings and factories, read in two queries."""
    ids = {p.offer_id for p in proposals} | {p.want_id for p in proposals}
    rows = session.exec(
        select(Listing, Factory)
        .join(Factory, Factory.id == Listing.factory_id)
        .where(col(Listing.id).in_(ids))
    )
    found = {listing.id: (listing, factory) for listing, factory in rows}
    return {
        p.id: Parties(found[p.offer_id][0], found[p.want_id][0],
                      found[p.offer_id][1], found[p.want_id][1])
        for p in proposals
    }  # fmt: skip


def listing_factories(*, session: Session, listing_ids: list[int]) -> dict[int, Factory]:
    """The factory of each listing (for unmatched offers and their nearest takers)."""
    rows = session.exec(
        select(Listing.id, Factory)
        .join(Factory, Factory.id == Listing.factory_id)
        .where(col(Listing.id).in_(set(listing_ids)))
    )
    return {listing_id: factory for listing_id, factory in rows}


def refused_pairs(
    *, session: Session, park_id: int, pairs: list[tuple[int, int]]
) -> dict[tuple[int, int], str]:
    """(offer id, want id) -> "rejected" or "declined": how each pair was last turned down."""
    if not pairs:
        return {}
    offers = {o for o, _w in pairs}
    rows = session.exec(
        select(Proposal.offer_id, Proposal.want_id, Proposal.status)
        .where(Proposal.park_id == park_id, col(Proposal.offer_id).in_(offers),
               col(Proposal.status).in_(("rejected", "declined")))
        .order_by(col(Proposal.updated_at), col(Proposal.id))
    )  # fmt: skip
    wanted = set(pairs)
    return {(o, w): str(status) for o, w, status in rows if (o, w) in wanted}


def run_creators(*, session: Session, runs: list[MatchRun]) -> dict[int, User]:
    ids = {r.created_by_id for r in runs if r.created_by_id is not None}
    return {u.id: u for u in session.exec(select(User).where(col(User.id).in_(ids)))}


def proposal_counts(*, session: Session, run_ids: list[int]) -> dict[int, int]:
    """How many proposals each run made."""
    rows = session.exec(
        select(Proposal.run_id, func.count()).where(col(Proposal.run_id).in_(set(run_ids)))
        .group_by(Proposal.run_id)
    )  # fmt: skip
    return {run_id: count for run_id, count in rows}


def delivery_page(*, session: Session, proposal_id: int, page: int, per_page: int) -> Page:
    """One page of an exchange's deliveries, the latest month first."""
    query = (select(Delivery).where(Delivery.proposal_id == proposal_id)
             .order_by(col(Delivery.month).desc()))  # fmt: skip
    return paginate(session=session, query=query, page=page, per_page=per_page)


def deliveries(*, session: Session, proposal_id: int) -> list[tuple[Delivery, User | None]]:
    return list(session.exec(
        select(Delivery, User).join(User, User.id == Delivery.recorded_by_id, isouter=True)
        .where(Delivery.proposal_id == proposal_id).order_by(col(Delivery.month).desc())
    ))  # fmt: skip


def manager_may_see(*, proposal: Proposal, sides: list[str]) -> bool:
    """Managers see their factories' exchanges from the coordinator's approval on."""
    return bool(sides) and proposal.status in MANAGER_STATUSES


def name_shown(*, proposal: Proposal, listing: Listing, factory: Factory) -> bool:
    """May the other side see this factory's name: it chose so, or the match is approved."""
    return factory.show_name or listing.show_name or proposal.status in NAMES_SHOWN


@dataclass(frozen=True)
class NotificationRow:
    """A notification with the exchange it is about, so the list can say which one."""

    notification: Notification
    proposal: Proposal | None
    parties: Parties | None


def notifications(*, session: Session, user: User, limit: int = 100) -> list[NotificationRow]:
    rows = list(session.exec(
        select(Notification, Proposal)
        .join(Proposal, col(Proposal.id) == Notification.proposal_id, isouter=True)
        .where(Notification.user_id == user.id)
        .order_by(col(Notification.id).desc()).limit(limit)
    ))  # fmt: skip
    found = parties(session=session, proposals=[p for _n, p in rows if p is not None])
    return [NotificationRow(n, p, found.get(p.id) if p else None) for n, p in rows]


def mark_read(*, session: Session, user: User) -> None:
    session.execute(
        update(Notification)
        .where(col(Notification.user_id) == user.id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    session.flush()


def search_proposals(
    *, session: Session, park_id: int | None, factory_ids: list[int] | None,
    statuses: tuple[str, ...], run_id: int | None = None, material: str | None = None,
    page: int = 1, per_page: int = 25,
) -> Page:  # fmt: skip
    """Proposals in the given statuses, most CO2e saved first; with `factory_ids`, only those
    that touch one of these factories (a manager's)."""
    query = select(Proposal).where(col(Proposal.status).in_(statuses))
    if park_id is not None:
        query = query.where(Proposal.park_id == park_id)
    if run_id is not None:
        query = query.where(Proposal.run_id == run_id)
    if material:
        query = query.where(Proposal.material_key == material)
    if factory_ids is not None:
        offer, want = Listing.__table__.alias("offer"), Listing.__table__.alias("want")
        query = (
            query.join(offer, offer.c.id == Proposal.offer_id)
            .join(want, want.c.id == Proposal.want_id)
            .where(offer.c.factory_id.in_(factory_ids) | want.c.factory_id.in_(factory_ids))
        )
    query = query.order_by(col(Proposal.net_saved_kg_co2e).desc(), col(Proposal.id))
    return paginate(session=session, query=query, page=page, per_page=per_page)


def factors_used(*, session: Session, proposal: Proposal) -> dict | None:
    """The per-tonne factors the proposal's run credited, read from the run's problem file:
    {"disposal": {"kg_co2e_per_t", "route", "source", "estimate"}, "virgin": {"kg_co2e_per_t",
    "source"}}. `source` is a catalogue source key, "listing" (the listing's own figure) or None
    (a run made before the file recorded it). None when the run's file is gone."""
    from exchange.services.problems import sink_id, source_id

    problem = session.exec(select(MatchRun.problem).where(MatchRun.id == proposal.run_id)).first()
    if not problem:
        return None
    source = next((s for s in problem.get("sources", []) if s.get("id") == source_id(proposal.offer_id)), None)
    sink = next((s for s in problem.get("sinks", []) if s.get("id") == sink_id(proposal.want_id)), None)
    if source is None or sink is None:
        return None
    accepts = sink.get("accepts") or {}
    taken = accepts.get(proposal.material_key) if isinstance(accepts, dict) else None
    return {
        "disposal": {"kg_co2e_per_t": source.get("disposal_kg_co2e_per_t", 0.0),
                     "route": source.get("disposal_route"),
                     "source": source.get("disposal_factor_source"),
                     "estimate": bool(source.get("disposal_factor_estimate"))},
        "virgin": {"kg_co2e_per_t": (taken or {}).get("avoided_kg_co2e_per_t", 0.0),
                   "source": (taken or {}).get("avoided_factor_source")},
    }  # fmt: skip
