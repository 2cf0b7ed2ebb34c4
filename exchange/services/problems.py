"""A park's open listings as a `symbiosis-problem/1`: offers become sources, wants sinks.

The file is kept with its run, so any proposal can be reproduced with
`python -m matching solve` and audited later.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from exchange import catalogue
from exchange.models import (
    Factory,
    Listing,
    ListingKind,
    ListingStatus,
    Park,
    Permit,
    Proposal,
    ProposalStatus,
)
from exchange.park_calendar import park_today
from exchange.services.factories import permit_valid
from exchange.services.listing_input import is_hazardous

# Per tonne-km, well-to-wheel. Truck: the contract's default, DESNZ 2012 all-articulated HGV
# with well-to-tank. Rail: DESNZ 2025 freight train 0.02779 + 0.00691 well-to-tank.
DEFAULT_MODES = {
    "truck": {"kg_co2e_per_tkm": 0.107, "circuity": 1.3},
    "rail": {"kg_co2e_per_tkm": 0.0347, "circuity": 1.2},
}
HOLDING = (ProposalStatus.approved, ProposalStatus.active, ProposalStatus.suspended)
REFUSED = (ProposalStatus.rejected, ProposalStatus.declined)


def source_id(listing_id: int) -> str:
    return f"offer-{listing_id}"


def sink_id(listing_id: int) -> str:
    return f"want-{listing_id}"


def listing_id(site_id: str) -> int:
    return int(site_id.split("-", 1)[1])


def build_problem(
    *, session: Session, park: Park, options: dict[str, Any], today: date | None = None
) -> tuple[dict[str, Any], dict[str, int]]:
    """The problem for the park's open listings, and the version of each listing it used."""
    today = today or park_today(park)
    rows = _open_listings(session=session, park=park, options=options)
    modes = options.get("modes") or DEFAULT_MODES
    permitted = _permitted_factories(session=session, park=park, today=today)
    sources, sinks, versions = [], [], {}
    for listing, factory in rows:
        site_modes = [m for m in factory.modes.split() if m in modes] or ["truck"]
        if listing.kind == ListingKind.offer:
            sources.append(_source(listing, factory, site_modes))
        else:
            sinks.append(_sink(listing, factory, site_modes, factory.id in permitted))
        versions[str(listing.id)] = listing.version
    open_ids = {int(i) for i in versions}
    problem = {
        "format": "symbiosis-problem/1",
        "name": f"{park.name_en}, {today:%Y-%m}",
        "period": "month",
        "modes": modes,
        "sources": sources,
        "sinks": sinks,
        "locked": _locked(session=session, park=park, open_ids=open_ids),
        "forbidden": _forbidden(session=session, park=park, open_ids=open_ids),
        "options": {
            "min_lot_t": float(options.get("min_lot_t") or 0),
            "max_partners_per_source": options.get("max_partners_per_source"),
            "max_partners_per_sink": options.get("max_partners_per_sink"),
            "solver": "auto",
            "time_limit_s": float(options.get("time_limit_s") or 60),
        },
    }
    return problem, versions


def _open_listings(*, session: Session, park: Park, options: dict[str, Any]):
    query = (
        select(Listing, Factory)
        .join(Factory, Factory.id == Listing.factory_id)
        .where(Factory.park_id == park.id, Listing.status == ListingStatus.active)
        .order_by(col(Listing.id))
    )
    if options.get("listing_ids"):
        query = query.where(col(Listing.id).in_(options["listing_ids"]))
    if options.get("materials"):
        query = query.where(col(Listing.material_key).in_(options["materials"]))
    return list(session.exec(query))


def _permitted_factories(*, session: Session, park: Park, today: date) -> set[int]:
    """Factories holding a hazardous-waste permit that has not expired."""
    rows = session.exec(
        select(Permit)
        .join(Factory, Factory.id == Permit.factory_id)
        .where(Factory.park_id == park.id)
    )
    return {p.factory_id for p in rows if permit_valid(p, today)}


def _source(listing: Listing, factory: Factory, modes: list[str]) -> dict[str, Any]:
    material = catalogue.load().get(listing.material_key)
    disposal = listing.disposal_kg_co2e_per_t
    if disposal is None:
        disposal = material.disposal.kg_co2e_per_t if material and material.disposal else 0.0
    return {
        "id": source_id(listing.id),
        "lat": factory.lat,
        "lon": factory.lon,
        "material": listing.material_key,
        "tonnes": listing.tonnes_per_month,
        "disposal_kg_co2e_per_t": disposal,
        "hazardous": is_hazardous(listing),
        "properties": dict(listing.properties or {}),
        "modes": modes,
    }


def _sink(listing: Listing, factory: Factory, modes: list[str], permit: bool) -> dict[str, Any]:
    cat = catalogue.load()
    accepts = {}
    for key in listing.accepts.split() or [listing.material_key]:
        avoided = listing.avoided_kg_co2e_per_t
        if avoided is None:
            material = cat.get(key)
            avoided = (
                material.virgin_avoided.kg_co2e_per_t
                if material and material.virgin_avoided
                else 0.0
            )
        accepts[key] = {"avoided_kg_co2e_per_t": avoided}
    sink = {
        "id": sink_id(listing.id),
        "lat": factory.lat,
        "lon": factory.lon,
        "capacity_t": listing.tonnes_per_month,
        "accepts": accepts,
        "requirements": dict(listing.requirements or {}),
        "hazardous_permit": permit,
        "modes": modes,
    }
    if listing.max_km is not None:
        sink["max_km"] = listing.max_km
    return sink


def _decided(*, session: Session, park: Park, statuses, open_ids: set[int]):
    rows = session.exec(
        select(Proposal).where(Proposal.park_id == park.id, col(Proposal.status).in_(statuses))
    )
    return [p for p in rows if p.offer_id in open_ids and p.want_id in open_ids]


def _locked(*, session: Session, park: Park, open_ids: set[int]) -> list[dict[str, Any]]:
    """Approved and running exchanges are not re-decided: they carry their tonnes."""
    totals: dict[tuple[int, int], float] = {}
    for p in _decided(session=session, park=park, statuses=HOLDING, open_ids=open_ids):
        totals[(p.offer_id, p.want_id)] = (
            totals.get((p.offer_id, p.want_id), 0) + p.tonnes_per_month
        )
    return [
        {"source": source_id(o), "sink": sink_id(w), "tonnes": t}
        for (o, w), t in sorted(totals.items())
    ]


def _forbidden(*, session: Session, park: Park, open_ids: set[int]) -> list[dict[str, str]]:
    """Pairs a coordinator rejected or a factory declined are never proposed again."""
    pairs = {
        (p.offer_id, p.want_id)
        for p in _decided(session=session, park=park, statuses=REFUSED, open_ids=open_ids)
    }
    holding = {
        (p.offer_id, p.want_id)
        for p in _decided(session=session, park=park, statuses=HOLDING, open_ids=open_ids)
    }
    return [{"source": source_id(o), "sink": sink_id(w)} for o, w in sorted(pairs - holding)]
