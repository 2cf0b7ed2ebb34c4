"""A park's open listings as a `symbiosis-problem/1`: offers become sources, wants sinks.

The file is kept with its run, so any proposal can be reproduced with
`python -m matching solve` and audited later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
from exchange.park_calendar import add_months, park_today
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
EPSILON_T = 1e-6


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
    built = build_run_problem(session=session, park=park, options=options, today=today)
    return built.problem, built.versions


@dataclass
class BuiltProblem:
    """A run's problem, the listing versions it used, and what the run page must tell.

    `conflicts`: agreed exchanges whose tonnes the listings no longer have, each
    {"proposals": [ids], "offer_id", "want_id", "side": "offer"|"want", "agreed": t,
    "counted": t, "listing_tonnes": t} (`counted` is what the problem locks; 0: unlocked
    and forbidden, so the pair is neither held nor proposed anew).
    `unavailable`: listings left out for the month, each {"listing_id", "why": "paused" |
    "dates"}.
    """

    problem: dict[str, Any]
    versions: dict[str, int]
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    unavailable: list[dict[str, Any]] = field(default_factory=list)

    def notes(self) -> dict[str, Any]:
        return {"conflicts": self.conflicts, "unavailable": self.unavailable}


def build_run_problem(
    *, session: Session, park: Park, options: dict[str, Any], today: date | None = None,
    month: date | None = None,
) -> BuiltProblem:  # fmt: skip
    """The problem for the listings of the park available in `month` (its first day; None:
    every active listing, whatever its dates), the versions used, conflicts and listings left
    out (`BuiltProblem`)."""
    today = today or park_today(park)
    rows, unavailable = _available_listings(session=session, park=park, options=options,
                                            month=month)  # fmt: skip
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
    tonnes = {listing.id: listing.tonnes_per_month for listing, _f in rows}
    left_out = {x["listing_id"] for x in unavailable}
    locked, dropped, conflicts = _locked(session=session, park=park, tonnes=tonnes,
                                         left_out=left_out)  # fmt: skip
    forbidden = _forbidden(session=session, park=park, open_ids=set(tonnes), month=month)
    forbidden = sorted({(f["source"], f["sink"]) for f in forbidden} | dropped)
    problem = {
        "format": "symbiosis-problem/1",
        "name": f"{park.name_en}, {(month or today):%Y-%m}",
        "period": "month",
        "modes": modes,
        "sources": sources,
        "sinks": sinks,
        "locked": locked,
        "forbidden": [{"source": a, "sink": b} for a, b in forbidden],
        "options": {
            "min_lot_t": float(options.get("min_lot_t") or 0),
            "max_partners_per_source": options.get("max_partners_per_source"),
            "max_partners_per_sink": options.get("max_partners_per_sink"),
            "solver": "auto",
            "time_limit_s": float(options.get("time_limit_s") or 60),
        },
    }
    return BuiltProblem(problem, versions, conflicts, unavailable)


def available_in(listing: Listing, month: date) -> bool:
    """Whether the listing's dates (either may be blank) reach into the month of `month`."""
    start, end = month.replace(day=1), add_months(month, 1)
    return (listing.available_from is None or listing.available_from < end) and (
        listing.available_until is None or listing.available_until >= start
    )


def _available_listings(*, session: Session, park: Park, options: dict[str, Any],
                        month: date | None):  # fmt: skip
    """(listing, factory) rows that take part, and the listings left out for the month."""
    rows, unavailable = [], []
    for listing, factory in _open_listings(session=session, park=park, options=options):
        if listing.status == ListingStatus.paused:
            unavailable.append({"listing_id": listing.id, "why": "paused"})
        elif month is not None and not available_in(listing, month):
            unavailable.append({"listing_id": listing.id, "why": "dates"})
        else:
            rows.append((listing, factory))
    return rows, unavailable


def _open_listings(*, session: Session, park: Park, options: dict[str, Any]):
    query = (
        select(Listing, Factory)
        .join(Factory, Factory.id == Listing.factory_id)
        .where(Factory.park_id == park.id,
               col(Listing.status).in_((ListingStatus.active, ListingStatus.paused)))
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


def disposal_factor(listing: Listing) -> dict[str, Any]:
    """What disposing of an offer's stream emits, per tonne, as the run credits it.

    Returns {"route", "kg_co2e_per_t", "source", "estimate"}: the listing's own figure where it
    gives one (source "listing"); else the catalogue's factor for the route the listing says
    the stream takes today, so a stream already recycled is credited only with what recycling
    it emits (transport to the recycler), not with the landfill it never went to; a blank,
    "other" or a route the material cannot take gets the material's default route. `route` is
    the route whose factor is used (the listing's own route with its own figure). A material
    missing from the catalogue gives 0 (source "none").
    """
    if listing.disposal_kg_co2e_per_t is not None:
        return {"route": listing.disposal_route, "kg_co2e_per_t": listing.disposal_kg_co2e_per_t,
                "source": "listing", "estimate": False}  # fmt: skip
    material = catalogue.load().get(listing.material_key)
    if material is None:
        return {"route": listing.disposal_route, "kg_co2e_per_t": 0.0, "source": "none",
                "estimate": False}  # fmt: skip
    route, factor = material.route_factor(listing.disposal_route)
    if factor is None:
        return {"route": route, "kg_co2e_per_t": 0.0, "source": "none", "estimate": False}
    return {"route": route, "kg_co2e_per_t": factor.kg_co2e_per_t, "source": factor.source,
            "estimate": factor.estimate}  # fmt: skip


def _source(listing: Listing, factory: Factory, modes: list[str]) -> dict[str, Any]:
    disposal = disposal_factor(listing)
    return {
        "id": source_id(listing.id),
        "lat": factory.lat,
        "lon": factory.lon,
        "material": listing.material_key,
        "tonnes": listing.tonnes_per_month,
        "disposal_kg_co2e_per_t": disposal["kg_co2e_per_t"],
        # not read by the matcher: kept so the file shows where each figure came from
        "disposal_route": disposal["route"],
        "disposal_factor_source": disposal["source"],
        "disposal_factor_estimate": disposal["estimate"],
        "hazardous": is_hazardous(listing),
        "properties": dict(listing.properties or {}),
        "modes": modes,
    }


def _sink(listing: Listing, factory: Factory, modes: list[str], permit: bool) -> dict[str, Any]:
    cat = catalogue.load()
    accepts = {}
    for key in listing.accepts.split() or [listing.material_key]:
        avoided, source = listing.avoided_kg_co2e_per_t, "listing"
        if avoided is None:
            material = cat.get(key)
            factor = material.virgin_avoided if material else None
            avoided = factor.kg_co2e_per_t if factor else 0.0
            source = factor.source if factor else "none"
        accepts[key] = {"avoided_kg_co2e_per_t": avoided, "avoided_factor_source": source}
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


def _locked(*, session: Session, park: Park, tonnes: dict[int, float], left_out: set[int]):
    """Approved and running exchanges are not re-decided: they carry their tonnes, capped at
    what their listings have now (oldest exchange first), so a listing lowered below them
    never makes the run fail. `tonnes`: the listings in the run; `left_out`: those not
    available in its month. Returns (locked, pairs dropped, conflicts)."""
    rows = session.exec(
        select(Proposal).where(Proposal.park_id == park.id, col(Proposal.status).in_(HOLDING))
        .order_by(col(Proposal.id))
    )  # fmt: skip
    pairs: dict[tuple[int, int], list[Proposal]] = {}
    for p in rows:
        pairs.setdefault((p.offer_id, p.want_id), []).append(p)
    left = dict(tonnes)
    locked, dropped, conflicts = [], set(), []
    for (offer, want), held in pairs.items():
        if not {offer, want} <= set(tonnes) | left_out:
            continue  # withdrawn, or outside the materials this run takes
        agreed = sum(p.tonnes_per_month for p in held)
        room = {"offer": left.get(offer, 0.0), "want": left.get(want, 0.0)}
        counted = max(0.0, min(agreed, room["offer"], room["want"]))
        if counted < agreed - EPSILON_T:
            side = "offer" if room["offer"] <= room["want"] else "want"
            conflicts.append({
                "proposals": [p.id for p in held], "offer_id": offer, "want_id": want,
                "side": side, "agreed": agreed, "counted": counted,
                "listing_tonnes": tonnes.get(offer if side == "offer" else want, 0.0),
            })  # fmt: skip
        if offer not in tonnes or want not in tonnes:
            continue  # a listing left out of the run: the pair is not in the problem
        if counted <= EPSILON_T:
            dropped.add((source_id(offer), sink_id(want)))
            continue
        left[offer] -= counted
        left[want] -= counted
        locked.append({"source": source_id(offer), "sink": sink_id(want), "tonnes": counted})
    locked.sort(key=lambda x: (x["source"], x["sink"]))
    return locked, dropped, conflicts


def _forbidden(*, session: Session, park: Park, open_ids: set[int],
               month: date | None = None) -> list[dict[str, str]]:  # fmt: skip
    """Pairs a coordinator rejected or a factory declined are not proposed again: "never"
    until a coordinator lifts the ban, "not now" until the month the refusal named."""
    pairs = {
        (p.offer_id, p.want_id)
        for p in _decided(session=session, park=park, statuses=REFUSED, open_ids=open_ids)
        if still_refused(p, month)
    }
    holding = {
        (p.offer_id, p.want_id)
        for p in _decided(session=session, park=park, statuses=HOLDING, open_ids=open_ids)
    }
    return [{"source": source_id(o), "sink": sink_id(w)} for o, w in sorted(pairs - holding)]


def still_refused(proposal: Proposal, month: date | None) -> bool:
    """A refused pair still kept out of a run for `month` (None: any month)."""
    if proposal.ban_lifted_at is not None:
        return False
    if proposal.refused_until is None or month is None:
        return True
    return month <= proposal.refused_until
