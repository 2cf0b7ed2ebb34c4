"""The demo park: factories, people and listings near Sihwa-Banwol, loaded idempotently."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from exchange.models import Factory, Listing, Park, Permit, Role
from exchange.park_calendar import add_months, park_today, park_zone
from exchange.services import users
from exchange.services.listing_input import parse_listing
from exchange.services.listings import create_listing

DEMO_FILE = Path(__file__).parent / "demo" / "sihwa-banwol.json"


def load_demo(
    *, session: Session, path: Path = DEMO_FILE, history: bool = False, today: date | None = None
) -> dict[str, int]:
    """Add what is missing of the demo park; running it twice adds nothing the second time.

    `history` also gives the park running exchanges with deliveries (see `seed_exchanges`)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    park = _park(session, data["park"])
    by_slug = {f["slug"]: _factory(session, park, f) for f in data["factories"]}
    added_users = sum(_user(session, park, u, by_slug) for u in data["users"])
    added_listings = sum(
        _listing(session, by_slug[item["factory"]], item) for item in data["listings"]
    )
    exchanges = seed_exchanges(session=session, park=park, today=today or park_today(park)) if history else 0
    return {"factories": len(by_slug), "users": added_users, "listings": added_listings,
            "exchanges": exchanges}  # fmt: skip


def _park(session: Session, raw: dict) -> Park:
    park = session.exec(select(Park).where(Park.slug == raw["slug"])).first()
    if park is None:
        park = Park(slug=raw["slug"], name_ko=raw["name_ko"], name_en=raw["name_en"],
                    region=raw.get("region", ""))  # fmt: skip
        session.add(park)
        session.flush()
    return park


def _factory(session: Session, park: Park, raw: dict) -> Factory:
    factory = session.exec(
        select(Factory).where(Factory.park_id == park.id, Factory.slug == raw["slug"])
    ).first()
    if factory is not None:
        return factory
    fields = {k: raw[k] for k in ("name", "name_en", "brn", "ksic", "industry_ko", "industry_en",
                                  "address", "lat", "lon", "show_name", "publish_figures") if k in raw}  # fmt: skip
    factory = Factory(park_id=park.id, slug=raw["slug"], modes=" ".join(raw.get("modes", ["truck"])),
                      **fields)  # fmt: skip
    session.add(factory)
    session.flush()
    for p in raw.get("permits", []):
        expires = date.fromisoformat(p["expires"]) if p.get("expires") else None
        session.add(Permit(factory_id=factory.id, number=p["number"], kind=p.get("kind", ""),
                           expires=expires))  # fmt: skip
    session.flush()
    return factory


def _user(session: Session, park: Park, raw: dict, by_slug: dict[str, Factory]) -> int:
    if users.find_user(session=session, email=raw["email"]) is not None:
        return 0
    users.create_user(
        session=session, email=raw["email"], name=raw.get("name", ""), role=Role(raw["role"]),
        password=raw["password"], park=park if raw["role"] != Role.manager else None,
        factories=[by_slug[s] for s in raw.get("factories", [])],
    )  # fmt: skip
    return 1


def _listing(session: Session, factory: Factory, raw: dict) -> int:
    exists = session.exec(
        select(Listing.id).where(
            Listing.factory_id == factory.id,
            Listing.kind == raw["kind"],
            Listing.material_key == raw["material"],
            Listing.description == raw.get("description", ""),
        )
    ).first()
    if exists is not None:
        return 0
    flat = {
        k: v
        for k, v in raw.items()
        if k not in ("factory", "properties", "requirements", "accepts")
    }
    flat.update({k: v for k, v in (raw.get("properties") or {}).items()})
    for key, bounds in (raw.get("requirements") or {}).items():
        flat.update({f"{side}_{key}": v for side, v in bounds.items()})
    flat["accepts"] = " ".join(a["material"] for a in raw.get("accepts", []))
    create_listing(session=session, factory=factory, listing_in=parse_listing(flat), user=None,
                   action="seeded")  # fmt: skip
    return 1


def _backdate(*, session: Session, proposal, park: Park, day: date) -> None:
    """The demo's exchanges ran since `day` (09:00 in the park): its history of deliveries
    must fall in months the exchange ran."""
    from datetime import UTC, datetime, time

    from exchange.models import ProposalEvent

    at = datetime.combine(day, time(9), park_zone(park)).astimezone(UTC)
    for event in session.exec(select(ProposalEvent).where(ProposalEvent.proposal_id == proposal.id)):
        event.at = at
        session.add(event)
    proposal.offer_accepted_at = proposal.want_accepted_at = at
    session.add(proposal)


def seed_exchanges(
    *, session: Session, park: Park, today: date, count: int = 12, months: int = 6
) -> int:
    """Give the demo park a history: one match run, its best proposals approved and accepted
    by both factories, and deliveries for the last months. Nothing when the park has runs."""
    from sqlmodel import func

    from exchange.models import Delivery, FactoryManager, MatchRun, RunStatus, User, utcnow
    from exchange.services import proposals, runs
    from exchange.services.problems import build_problem
    from matching import load_problem, solve

    if session.exec(
        select(func.count()).select_from(MatchRun).where(MatchRun.park_id == park.id)
    ).one():
        return 0
    coordinator = session.exec(
        select(User).where(User.role == Role.coordinator, User.park_id == park.id)
    ).first()
    problem, versions = build_problem(session=session, park=park, options={}, today=today)
    plan = solve(load_problem(problem)).to_dict()
    run = MatchRun(park_id=park.id, status=RunStatus.done, problem=problem, plan=plan,
                   listing_versions=versions, created_by_id=coordinator.id if coordinator else None,
                   baseline_kg_co2e=plan["baseline_kg_co2e"], objective_kg_co2e=plan["objective_kg_co2e"],
                   saved_kg_co2e=plan["saved_kg_co2e"], message="seeded", finished_at=utcnow())  # fmt: skip
    session.add(run)
    session.flush()
    runs.store_plan(session=session, run=run, plan=plan)
    chosen = runs.run_proposals(session=session, run_id=run.id)[:count]
    for n, proposal in enumerate(chosen):
        proposals.approve(session=session, proposal=proposal, user=coordinator, comment="demo")
        for side in ("offer", "want"):
            factory_id = session.get(Listing, getattr(proposal, f"{side}_id")).factory_id
            manager = session.exec(select(User).join(FactoryManager, FactoryManager.user_id == User.id)
                                   .where(FactoryManager.factory_id == factory_id)).first()  # fmt: skip
            proposals.accept(
                session=session, proposal=proposal, user=manager, side=side, comment="demo"
            )
        _backdate(session=session, proposal=proposal, park=park, day=add_months(today, -months))
        for back in range(1, months + 1):
            month = date(
                today.year + (today.month - back - 1) // 12, (today.month - back - 1) % 12 + 1, 1
            )
            share = 0.75 + 0.05 * ((n + back) % 5)  # 75-95 % of the agreed tonnes, varying
            session.add(Delivery(proposal_id=proposal.id, month=month,
                                 tonnes=round(proposal.tonnes_per_month * share, 1),
                                 recorded_by_id=coordinator.id if coordinator else None))  # fmt: skip
    session.flush()
    return len(chosen)
