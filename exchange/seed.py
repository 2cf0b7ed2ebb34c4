"""The demo park: factories, people and listings near Sihwa-Banwol, loaded idempotently."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from exchange.models import Factory, Listing, Park, Permit, Role
from exchange.services import users
from exchange.services.listing_input import parse_listing
from exchange.services.listings import create_listing

DEMO_FILE = Path(__file__).parent / "demo" / "sihwa-banwol.json"


def load_demo(*, session: Session, path: Path = DEMO_FILE) -> dict[str, int]:
    """Add what is missing of the demo park; running it twice adds nothing the second time."""
    data = json.loads(path.read_text(encoding="utf-8"))
    park = _park(session, data["park"])
    by_slug = {f["slug"]: _factory(session, park, f) for f in data["factories"]}
    added_users = sum(_user(session, park, u, by_slug) for u in data["users"])
    added_listings = sum(
        _listing(session, by_slug[item["factory"]], item) for item in data["listings"]
    )
    return {"factories": len(by_slug), "users": added_users, "listings": added_listings}


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
                                  "address", "lat", "lon", "show_name") if k in raw}  # fmt: skip
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
