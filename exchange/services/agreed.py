"""Agreed tonnes: a listing may not silently fall below what its approved and running
exchanges carry.

Every path that lowers a listing (the edit form, the API, pausing, withdrawing) asks
`check_agreed` first. Without the manager's confirmation the change is refused with the
exchanges it would break (`AgreedTonnesConflict`); with it, those exchanges are marked as
needing attention and the park's coordinators and the partner factories' managers are told.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from exchange.models import (
    Factory,
    FactoryManager,
    Listing,
    ListingKind,
    ListingStatus,
    Notification,
    Proposal,
    Role,
    User,
)
from exchange.services.problems import HOLDING
from exchange.services.proposals import EPSILON_T, lock_listings

NOTICE = "agreed-tonnes-lowered"
TOLD = "agreed_tonnes_told"


@dataclass(frozen=True)
class HeldExchange:
    """An approved or running exchange of the listing, and the factory on its other side."""

    proposal: Proposal
    partner: Factory


class AgreedTonnesConflict(ValueError):
    """The change would leave `tonnes` t a month (0 when paused or withdrawn) where the
    exchanges hold `held` t; nothing was changed."""

    def __init__(self, *, listing: Listing, tonnes: float, held: float,
                 exchanges: list[HeldExchange]):  # fmt: skip
        super().__init__("agreed-tonnes")
        self.listing, self.tonnes, self.held, self.exchanges = listing, tonnes, held, exchanges


def held_exchanges(*, session: Session, listing: Listing) -> list[HeldExchange]:
    """The listing's approved, active and suspended exchanges, oldest first."""
    mine = Proposal.offer_id if listing.kind == ListingKind.offer else Proposal.want_id
    other = Proposal.want_id if listing.kind == ListingKind.offer else Proposal.offer_id
    rows = session.exec(
        select(Proposal, Factory)
        .join(Listing, Listing.id == other).join(Factory, Factory.id == Listing.factory_id)
        .where(mine == listing.id, col(Proposal.status).in_(HOLDING))
        .order_by(col(Proposal.id))
    )  # fmt: skip
    return [HeldExchange(p, f) for p, f in rows]


def check_agreed(
    *, session: Session, listing: Listing, tonnes: float, status: str, confirm: bool
) -> list[tuple[Proposal, list[User]]]:
    """Before `listing` takes `tonnes` t a month and `status`: raise `AgreedTonnesConflict`
    if that is below what its exchanges hold and `confirm` is false.

    Confirmed, each exchange is marked `needs_attention` and its people notified; the
    (exchange, users notified) pairs are returned and kept for `pop_told` (the view mails them
    once committed). Nothing held below: returns [].
    """
    lock_listings(session=session, ids=[listing.id])  # an approval at the same moment waits
    exchanges = held_exchanges(session=session, listing=listing)
    held = sum(x.proposal.tonnes_per_month for x in exchanges)
    left = tonnes if status == ListingStatus.active else 0.0
    if not exchanges or left + EPSILON_T >= held:
        return []
    if not confirm:
        raise AgreedTonnesConflict(listing=listing, tonnes=left, held=held, exchanges=exchanges)
    told = session.info.setdefault(TOLD, [])
    for x in exchanges:
        x.proposal.needs_attention = True
        session.add(x.proposal)
        told.append((x.proposal, _notify(session=session, listing=listing, held=x)))
    session.flush()
    return told


def pop_told(session: Session) -> list[tuple[Proposal, list[User]]]:
    """Who `check_agreed` notified within this database session, for the view to mail once
    it has committed."""
    return session.info.pop(TOLD, [])


def _notify(*, session: Session, listing: Listing, held: HeldExchange) -> list[User]:
    """The park's coordinators and the partner factory's managers (not the one who changed
    the listing: they know)."""
    coordinators = session.exec(
        select(User).where(User.role == Role.coordinator, User.park_id == held.partner.park_id,
                           col(User.is_active).is_(True))
    )  # fmt: skip
    partners = session.exec(
        select(User).join(FactoryManager, FactoryManager.user_id == User.id)
        .where(FactoryManager.factory_id == held.partner.id)
    )  # fmt: skip
    people = {u.id: u for u in [*coordinators, *partners]}
    for user in people.values():
        session.add(Notification(user_id=user.id, text=NOTICE, proposal_id=held.proposal.id,
                                 link=f"/exchanges/{held.proposal.id}"))  # fmt: skip
    return list(people.values())

