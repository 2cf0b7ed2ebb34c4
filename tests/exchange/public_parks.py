"""Parks for the public figures' tests: factories, exchanges and deliveries written straight to
the database, so that each test reads as the table it builds."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from exchange.models import Delivery, Factory, MatchRun, Park, Proposal, ProposalStatus
from exchange.services.listing_input import parse_listing
from exchange.services.listings import create_listing

TODAY = date(2026, 11, 25)  # November is open: deliveries up to October are published


def factory(session: Session, park: Park, slug: str, *, industry=("Plating", "도금업"),
            ksic="25921", show_name=False, consent=False) -> Factory:  # fmt: skip
    f = Factory(park_id=park.id, slug=slug, name=f"Secret {slug}", name_en=f"Secret {slug}",
                lat=37.3, lon=126.7, industry_en=industry[0], industry_ko=industry[1], ksic=ksic,
                show_name=show_name, publish_figures=consent)  # fmt: skip
    session.add(f)
    session.flush()
    return f


def listing(session: Session, f: Factory, kind: str, material: str, tonnes: float, cost=None):
    raw = {"kind": kind, "material": material, "tonnes_per_month": str(tonnes)}
    if cost:
        raw["disposal_cost_krw_per_t"] = str(cost)
    return create_listing(session=session, factory=f, listing_in=parse_listing(raw), user=None)


def run_of(session: Session, park: Park) -> MatchRun:
    run = MatchRun(park_id=park.id, status="done")
    session.add(run)
    session.flush()
    return run


def exchange(session: Session, run: MatchRun, supplier: Factory, receiver: Factory,
             material: str, tonnes: float, net_kg: float, deliveries=(),
             status=ProposalStatus.active) -> Proposal:  # fmt: skip
    """An exchange of `tonnes` a month saving `net_kg` kg CO2e a month, with its deliveries
    [(first day of the month, tonnes)]; its offer and want are new listings."""
    offer = listing(session, supplier, "offer", material, tonnes)
    want = listing(session, receiver, "want", material, tonnes)
    p = Proposal(run_id=run.id, park_id=run.park_id, offer_id=offer.id, want_id=want.id,
                 offer_version=1, want_version=1, material_key=material,
                 tonnes_per_month=tonnes, mode="truck", km=5, transport_kg_co2e=0,
                 disposal_avoided_kg_co2e=net_kg, virgin_avoided_kg_co2e=0,
                 net_saved_kg_co2e=net_kg, status=status)  # fmt: skip
    session.add(p)
    session.flush()
    for month, t in deliveries:
        session.add(Delivery(proposal_id=p.id, month=month, tonnes=t))
    session.flush()
    return p
