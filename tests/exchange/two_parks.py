"""Two parks with something of every kind in each, for the security tests.

Park P (world.park): factories A, B and D; listings la (A offers), lb (B offers), ld (D wants);
a finished run rp; proposal pa (la -> ld, active, with a delivery) and pb (lb -> ld, approved).
Park Q (world.other_park): factories C and E; lc (C offers), le (E wants); run rq; proposal
pq (lc -> le, approved). Manager A is a side of pa only; the coordinator coordinates P only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel

from exchange.models import (
    ApiToken,
    Delivery,
    Factory,
    Invitation,
    Listing,
    MatchRun,
    Park,
    Proposal,
    ProposalEvent,
    ProposalStatus,
    utcnow,
)
from exchange.services.api_tokens import create_token
from exchange.services.listing_input import parse_listing
from exchange.services.listings import create_listing

EVIL = "<script>alert(1)</script>"
EVIL_SHOWN = "&lt;script&gt;alert(1)&lt;/script&gt;"


@dataclass
class TwoParks:
    factories: dict[str, Factory]
    listings: dict[str, Listing]
    runs: dict[str, MatchRun]
    proposals: dict[str, Proposal]
    tokens: dict[str, ApiToken]


def _factory(s: Session, park: Park, slug: str) -> Factory:
    f = Factory(park_id=park.id, slug=slug, name=f"Factory {slug}", name_en=f"Factory {slug}",
                lat=37.3, lon=126.7, industry_en="Foundry", industry_ko="주조업")  # fmt: skip
    s.add(f)
    s.flush()
    return f


def _listing(s: Session, factory: Factory, kind: str) -> Listing:
    raw = {"kind": kind, "material": "fgd-gypsum", "tonnes_per_month": "100"}
    return create_listing(session=s, factory=factory, listing_in=parse_listing(raw), user=None)


def _proposal(s: Session, run: MatchRun, offer: Listing, want: Listing, status: str) -> Proposal:
    p = Proposal(run_id=run.id, park_id=run.park_id, offer_id=offer.id, want_id=want.id,
                 offer_version=1, want_version=1, material_key="fgd-gypsum", tonnes_per_month=20,
                 mode="truck", km=5, transport_kg_co2e=10, disposal_avoided_kg_co2e=1000,
                 virgin_avoided_kg_co2e=0, net_saved_kg_co2e=990, status=status)  # fmt: skip
    s.add(p)
    s.flush()
    return p


def make_two_parks(app, s: Session, world) -> TwoParks:
    """The scene above, committed."""
    with app.test_request_context():
        f = {"A": world.factory_a, "B": world.factory_b, "C": world.factory_c,
             "D": _factory(s, world.park, "fd"), "E": _factory(s, world.other_park, "fe")}  # fmt: skip
        lst = {"la": _listing(s, f["A"], "offer"), "lb": _listing(s, f["B"], "offer"),
               "ld": _listing(s, f["D"], "want"), "lc": _listing(s, f["C"], "offer"),
               "le": _listing(s, f["E"], "want")}  # fmt: skip
        figures = {"status": "done", "baseline_kg_co2e": 3000.0, "objective_kg_co2e": 1020.0,
                   "saved_kg_co2e": 1980.0}  # fmt: skip
        runs = {"rp": MatchRun(park_id=world.park.id, **figures),
                "rq": MatchRun(park_id=world.other_park.id, **figures)}  # fmt: skip
        s.add_all(runs.values())
        s.flush()
        props = {
            "pa": _proposal(s, runs["rp"], lst["la"], lst["ld"], ProposalStatus.active),
            "pb": _proposal(s, runs["rp"], lst["lb"], lst["ld"], ProposalStatus.approved),
            "pq": _proposal(s, runs["rq"], lst["lc"], lst["le"], ProposalStatus.approved),
        }
        s.add(Delivery(proposal_id=props["pa"].id, month=date(2025, 6, 1), tonnes=20))
        tokens = {who: create_token(session=s, user=getattr(world, who), name=who)[0]
                  for who in ("manager_a", "manager_b", "coordinator", "other_coordinator")}  # fmt: skip
    s.commit()
    return TwoParks(factories=f, listings=lst, runs=runs, proposals=props, tokens=tokens)


def make_it_evil(s: Session, world, scene: TwoParks) -> None:
    """Every free text a user can type, set to a script: names, descriptions, comments."""
    a = scene.factories["A"]
    a.name = a.name_en = a.address = EVIL
    a.show_name = True
    world.park.name_ko = world.park.name_en = EVIL
    world.manager_a.name = EVIL
    scene.listings["la"].description = EVIL
    s.add_all([a, world.park, world.manager_a, scene.listings["la"]])
    s.add(ProposalEvent(proposal_id=scene.proposals["pa"].id, user_id=world.coordinator.id,
                        action="approve", from_status="proposed", to_status="approved",
                        comment=EVIL))  # fmt: skip
    s.add(Invitation(email="new@x.kr", name=EVIL, role="manager", park_id=world.park.id,
                     token_hash="0" * 64, invited_by_id=world.coordinator.id,
                     expires_at=utcnow() + timedelta(days=1)))  # fmt: skip
    s.commit()


def snapshot(s: Session) -> dict[str, list[str]]:
    """Every row of every table but the sign-in tries: to show a refused request wrote nothing."""
    s.expire_all()
    return {
        table.name: sorted(map(str, s.execute(sa_select(table)).all()))
        for table in SQLModel.metadata.sorted_tables
        if table.name != "loginattempt"
    }
