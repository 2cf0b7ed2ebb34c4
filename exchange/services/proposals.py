"""A proposal's life: approval by the coordinator, consent of both factories, deliveries.

Every step is logged (who, when, from which state to which, the comment). Steps that commit
tonnes take the two listings' row locks first, so two clicks at the same moment cannot
together promise more than an offer has or a want can take, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from exchange.models import (
    Delivery,
    Factory,
    FactoryManager,
    Listing,
    Notification,
    Park,
    Proposal,
    ProposalEvent,
    ProposalStatus,
    User,
    utcnow,
)
from exchange.park_calendar import month_start, park_today
from exchange.services.factories import has_valid_permit
from exchange.services.listing_input import is_hazardous
from exchange.services.problems import HOLDING, REFUSED

EPSILON_T = 1e-6


class ProposalError(ValueError):
    """A step that cannot be taken; `code` says which rule refused it."""

    def __init__(self, code: str, **facts):
        super().__init__(code)
        self.code = code
        self.facts = facts


def lock_listings(*, session: Session, ids: list[int]) -> None:
    """Row locks in id order: a no-op UPDATE locks the row on PostgreSQL, and on SQLite it
    takes the database's write lock before anything is read."""
    for listing_id in sorted(set(ids)):
        session.execute(
            update(Listing).where(col(Listing.id) == listing_id).values(version=Listing.version)
        )


def committed_tonnes(
    *, session: Session, listing_id: int, side: str, exclude: int | None = None
) -> float:
    """Tonnes a month that approved, active and suspended exchanges hold of a listing."""
    column = Proposal.offer_id if side == "offer" else Proposal.want_id
    query = select(func.coalesce(func.sum(Proposal.tonnes_per_month), 0.0)).where(
        column == listing_id, col(Proposal.status).in_(HOLDING)
    )
    if exclude is not None:
        query = query.where(Proposal.id != exclude)
    return float(session.exec(query).one())


def is_stale(*, session: Session, proposal: Proposal) -> bool:
    """The offer or the want changed (or closed) after the run that proposed the exchange."""
    offer, want = session.get(Listing, proposal.offer_id), session.get(Listing, proposal.want_id)
    return (offer.version, want.version) != (proposal.offer_version, proposal.want_version) or (
        offer.status != "active" or want.status != "active"
    )


def _check_room(*, session: Session, proposal: Proposal) -> None:
    for side, listing_id in (("offer", proposal.offer_id), ("want", proposal.want_id)):
        listing = session.get(Listing, listing_id)
        session.refresh(listing)
        held = committed_tonnes(
            session=session, listing_id=listing_id, side=side, exclude=proposal.id
        )
        if held + proposal.tonnes_per_month > listing.tonnes_per_month + EPSILON_T:
            raise ProposalError(f"over-allocated-{side}", held=held, limit=listing.tonnes_per_month,
                                asked=proposal.tonnes_per_month)  # fmt: skip


def _check_permit(*, session: Session, proposal: Proposal) -> None:
    """A hazardous stream goes only to a factory with a permit valid on the park's date:
    checked again here, since a permit may lapse (or the park's day turn) after the run."""
    offer = session.get(Listing, proposal.offer_id)
    if not is_hazardous(offer):
        return
    want = session.get(Listing, proposal.want_id)
    today = park_today(session.get(Park, proposal.park_id))
    if not has_valid_permit(session=session, factory_id=want.factory_id, on=today):
        factory = session.get(Factory, want.factory_id)
        raise ProposalError("no-permit", factory=factory.name, material=offer.material_key,
                            today=today)  # fmt: skip


def _move(*, session: Session, proposal: Proposal, to: ProposalStatus, user: User | None,
          action: str, comment: str = "") -> None:  # fmt: skip
    session.add(ProposalEvent(proposal_id=proposal.id, user_id=user.id if user else None,
                              action=action, from_status=proposal.status, to_status=to,
                              comment=comment))  # fmt: skip
    proposal.status = to
    proposal.updated_at = utcnow()
    session.add(proposal)
    session.flush()


def _fresh(session: Session, proposal: Proposal, allowed: tuple[ProposalStatus, ...]) -> None:
    session.refresh(proposal)  # after the locks: what another request committed counts
    if proposal.status not in allowed:
        raise ProposalError("wrong-status", status=proposal.status)


def approve(*, session: Session, proposal: Proposal, user: User, comment: str = "") -> list[User]:
    """The coordinator agrees; returns the managers notified (the view mails them)."""
    lock_listings(session=session, ids=[proposal.offer_id, proposal.want_id])
    _fresh(session, proposal, (ProposalStatus.proposed,))
    if is_stale(session=session, proposal=proposal):
        raise ProposalError("stale")
    _check_permit(session=session, proposal=proposal)
    _check_room(session=session, proposal=proposal)
    _move(
        session=session,
        proposal=proposal,
        to=ProposalStatus.approved,
        user=user,
        action="approve",
        comment=comment,
    )
    return notify_managers(session=session, proposal=proposal, text="proposal-approved")


def reject(*, session: Session, proposal: Proposal, user: User, comment: str = "",
           refusal: str = "never", until: date | None = None) -> None:  # fmt: skip
    """The coordinator says no: "not-now" keeps the pair out of runs up to the month `until`
    (included), "never" until a coordinator lifts the ban."""
    _fresh(session, proposal, (ProposalStatus.proposed,))
    _refuse(proposal, refusal, until)
    _move(
        session=session,
        proposal=proposal,
        to=ProposalStatus.rejected,
        user=user,
        action="reject",
        comment=comment,
    )


def _refuse(proposal: Proposal, refusal: str, until: date | None) -> None:
    if refusal not in ("not-now", "never") or (refusal == "not-now") != (until is not None):
        raise ValueError(f"refusal {refusal!r} until {until!r}")
    proposal.refusal, proposal.refused_until = refusal, until
    proposal.ban_lifted_at = None


def lift_ban(*, session: Session, proposal: Proposal, user: User, comment: str) -> None:
    """A coordinator lets a refused pair be proposed again; the log keeps who and why."""
    _fresh(session, proposal, REFUSED)
    if proposal.ban_lifted_at is not None:
        raise ProposalError("ban-lifted")
    proposal.ban_lifted_at = utcnow()
    session.add(ProposalEvent(proposal_id=proposal.id, user_id=user.id, action="lift-ban",
                              from_status=proposal.status, to_status=proposal.status,
                              comment=comment))  # fmt: skip
    proposal.updated_at = utcnow()
    session.add(proposal)
    session.flush()


def side_of(*, session: Session, proposal: Proposal, user: User) -> list[str]:
    """Which side(s) of the exchange this user manages: "offer", "want", both or neither."""
    factory_ids = set(
        session.exec(select(FactoryManager.factory_id).where(FactoryManager.user_id == user.id))
    )
    sides = []
    for side, listing_id in (("offer", proposal.offer_id), ("want", proposal.want_id)):
        if session.get(Listing, listing_id).factory_id in factory_ids:
            sides.append(side)
    return sides


def accept(
    *, session: Session, proposal: Proposal, user: User, side: str, comment: str = ""
) -> list[User]:
    """One factory agrees; when both have, the exchange is active and the managers notified
    are returned (the view mails them)."""
    lock_listings(session=session, ids=[proposal.offer_id, proposal.want_id])
    _fresh(session, proposal, (ProposalStatus.approved,))
    _check_permit(session=session, proposal=proposal)
    _check_room(session=session, proposal=proposal)
    setattr(proposal, f"{side}_accepted_at", utcnow())
    both = proposal.offer_accepted_at is not None and proposal.want_accepted_at is not None
    to = ProposalStatus.active if both else ProposalStatus.approved
    _move(
        session=session,
        proposal=proposal,
        to=to,
        user=user,
        action=f"accept-{side}",
        comment=comment,
    )
    if both:
        return notify_managers(session=session, proposal=proposal, text="exchange-active")
    return []


def answer(
    *, session: Session, proposal: Proposal, user: User, sides: list[str], action: str,
    comment: str = "", refusal: str = "never", until: date | None = None,
) -> list[User]:  # fmt: skip
    """A factory manager's answer for the side(s) they manage: accept, decline, suspend or
    end. A manager of both factories accepts for both. Returns the managers to mail."""
    if action == "accept":
        left = [side for side in sides if getattr(proposal, f"{side}_accepted_at") is None]
        if not left or proposal.status != ProposalStatus.approved:
            raise ProposalError("wrong-status", status=proposal.status)
        managers = []
        for side in left:
            managers += accept(session=session, proposal=proposal, user=user, side=side,
                               comment=comment)  # fmt: skip
        return managers
    if action == "decline":
        decline(session=session, proposal=proposal, user=user, side=sides[0], comment=comment,
                refusal=refusal, until=until)  # fmt: skip
    else:
        change_life(session=session, proposal=proposal, user=user, action=action,
                    comment=comment)  # fmt: skip
    return []


def decline(
    *, session: Session, proposal: Proposal, user: User, side: str, comment: str = "",
    refusal: str = "never", until: date | None = None,
) -> None:  # fmt: skip
    """A factory says no, "not-now" (up to the month `until`) or "never" (as `reject`)."""
    _fresh(session, proposal, (ProposalStatus.approved,))
    _refuse(proposal, refusal, until)
    _move(session=session, proposal=proposal, to=ProposalStatus.declined, user=user,
          action=f"decline-{side}", comment=comment)  # fmt: skip


LIFE = {
    "suspend": ((ProposalStatus.active,), ProposalStatus.suspended),
    "resume": ((ProposalStatus.suspended,), ProposalStatus.active),
    "end": ((ProposalStatus.active, ProposalStatus.suspended), ProposalStatus.ended),
}


def change_life(
    *, session: Session, proposal: Proposal, user: User, action: str, comment: str = ""
) -> None:
    allowed, to = LIFE[action]
    if action == "resume":
        lock_listings(session=session, ids=[proposal.offer_id, proposal.want_id])
    _fresh(session, proposal, allowed)
    _move(session=session, proposal=proposal, to=to, user=user, action=action, comment=comment)


@dataclass(frozen=True)
class Recorded:
    delivery: Delivery
    replaced_tonnes: float | None  # what the month held before, when it was replaced


def record_delivery(
    *, session: Session, proposal: Proposal, user: User, month: date, tonnes: float,
    note: str = "", replace: bool = False,
) -> Recorded:  # fmt: skip
    """The tonnes one month delivered. The month is one the exchange ran in (from its first
    active month, not wholly suspended, not after it ended) up to the current month in the
    park's zone; replacing a recorded month needs `replace`; tonnes other than the agreed
    monthly tonnes need a note and stay within twice them; the month's deliveries of an offer
    (or into a want) across all its exchanges never exceed its tonnes per month."""
    lock_listings(session=session, ids=[proposal.offer_id, proposal.want_id])
    _fresh(
        session, proposal, (ProposalStatus.active, ProposalStatus.suspended, ProposalStatus.ended)
    )
    month = month.replace(day=1)
    _check_month(session=session, proposal=proposal, month=month)
    existing = session.exec(
        select(Delivery).where(Delivery.proposal_id == proposal.id, Delivery.month == month)
    ).first()
    if existing is not None and not replace:
        raise ProposalError("delivery-recorded", month=month, held=existing.tonnes)
    _check_tonnes(proposal=proposal, month=month, tonnes=tonnes, note=note)
    _check_listing_limits(session=session, proposal=proposal, month=month, tonnes=tonnes)
    replaced = existing.tonnes if existing is not None else None
    delivery = existing or Delivery(proposal_id=proposal.id, month=month, tonnes=tonnes)
    delivery.tonnes, delivery.note = tonnes, note
    delivery.recorded_by_id, delivery.recorded_at = user.id, utcnow()
    session.add(delivery)
    comment = f"{month:%Y-%m}: {tonnes:g} t" + (f" (was {replaced:g} t)" if replaced else "")
    session.add(ProposalEvent(proposal_id=proposal.id, user_id=user.id, action="delivery",
                              from_status=proposal.status, to_status=proposal.status,
                              comment=f"{comment}. {note}" if note else comment))  # fmt: skip
    session.flush()
    return Recorded(delivery=delivery, replaced_tonnes=replaced)


def running_spans(*, session: Session, proposal: Proposal) -> list[tuple[date, date | None]]:
    """The stretches the exchange ran, as (first, last) days in the park's zone, read from its
    logged steps; the last is None while it still runs."""
    park = session.get(Park, proposal.park_id)
    events = session.exec(select(ProposalEvent).where(ProposalEvent.proposal_id == proposal.id)
                          .order_by(col(ProposalEvent.at), col(ProposalEvent.id)))  # fmt: skip
    spans, start = [], None
    for e in events:
        day = park_today(park, e.at)
        if e.to_status == ProposalStatus.active and e.from_status != ProposalStatus.active:
            start = day
        elif e.from_status == ProposalStatus.active and e.to_status != ProposalStatus.active:
            if start is not None:
                spans.append((start, day))
            start = None
    if start is not None:
        spans.append((start, None))
    return spans


def _check_month(*, session: Session, proposal: Proposal, month: date) -> None:
    current = month_start(park_today(session.get(Park, proposal.park_id)))
    if month > current:
        raise ProposalError("delivery-future", month=month, current=current)
    spans = running_spans(session=session, proposal=proposal)
    if not spans:
        raise ProposalError("delivery-before-start", month=month, first=current)
    first = month_start(spans[0][0])
    if month < first:
        raise ProposalError("delivery-before-start", month=month, first=first)
    if any(month_start(a) <= month and (b is None or month <= month_start(b)) for a, b in spans):
        return
    last_end = spans[-1][1]
    if proposal.status == ProposalStatus.ended and last_end and month > month_start(last_end):
        raise ProposalError("delivery-after-end", month=month, ended=last_end)
    raise ProposalError("delivery-suspended", month=month)


def _check_tonnes(*, proposal: Proposal, month: date, tonnes: float, note: str) -> None:
    agreed = proposal.tonnes_per_month
    if tonnes > 2 * agreed + EPSILON_T:
        raise ProposalError("delivery-over-twice", month=month, asked=tonnes, agreed=agreed,
                            limit=2 * agreed)  # fmt: skip
    if abs(tonnes - agreed) > EPSILON_T and not note.strip():
        raise ProposalError("delivery-needs-note", month=month, asked=tonnes, agreed=agreed)


def _check_listing_limits(*, session: Session, proposal: Proposal, month: date,
                          tonnes: float) -> None:  # fmt: skip
    for side, listing_id in (("offer", proposal.offer_id), ("want", proposal.want_id)):
        column = Proposal.offer_id if side == "offer" else Proposal.want_id
        others = session.exec(
            select(func.coalesce(func.sum(Delivery.tonnes), 0.0))
            .join(Proposal, Proposal.id == Delivery.proposal_id)
            .where(
                column == listing_id, Delivery.month == month, Delivery.proposal_id != proposal.id
            )
        ).one()
        limit = session.get(Listing, listing_id).tonnes_per_month
        if float(others) + tonnes > limit + EPSILON_T:
            raise ProposalError(
                f"over-delivered-{side}", held=float(others), limit=limit, asked=tonnes
            )


def notify_managers(*, session: Session, proposal: Proposal, text: str) -> list[User]:
    """A notification for every manager of both factories (mail goes out from the view)."""
    factory_ids = [
        session.get(Listing, i).factory_id for i in (proposal.offer_id, proposal.want_id)
    ]
    managers = list(session.exec(
        select(User).join(FactoryManager, FactoryManager.user_id == User.id)
        .where(col(FactoryManager.factory_id).in_(factory_ids)).distinct()
    ))  # fmt: skip
    for manager in managers:
        session.add(Notification(user_id=manager.id, text=text, link=f"/exchanges/{proposal.id}",
                                 proposal_id=proposal.id))  # fmt: skip
    session.flush()
    return managers


def unread_count(*, session: Session, user: User) -> int:
    return session.exec(
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == user.id, col(Notification.read_at).is_(None))
    ).one()  # fmt: skip


def proposal_events(
    *, session: Session, proposal_id: int
) -> list[tuple[ProposalEvent, User | None]]:
    return list(session.exec(
        select(ProposalEvent, User).join(User, User.id == ProposalEvent.user_id, isouter=True)
        .where(ProposalEvent.proposal_id == proposal_id).order_by(col(ProposalEvent.id))
    ))  # fmt: skip


def manager_proposals(
    *, session: Session, user: User, statuses: tuple[str, ...]
) -> list[tuple[Proposal, Listing, Listing]]:
    """Exchanges that touch a factory this user manages, newest first."""
    factory_ids = list(
        session.exec(select(FactoryManager.factory_id).where(FactoryManager.user_id == user.id))
    )
    offer, want = Listing.__table__.alias("offer"), Listing.__table__.alias("want")
    rows = session.exec(
        select(Proposal, offer.c.factory_id, want.c.factory_id)
        .join(offer, offer.c.id == Proposal.offer_id).join(want, want.c.id == Proposal.want_id)
        .where(col(Proposal.status).in_(statuses))
        .where(offer.c.factory_id.in_(factory_ids) | want.c.factory_id.in_(factory_ids))
        .order_by(col(Proposal.updated_at).desc())
    )  # fmt: skip
    return [
        (p, session.get(Listing, p.offer_id), session.get(Listing, p.want_id)) for p, _o, _w in rows
    ]
