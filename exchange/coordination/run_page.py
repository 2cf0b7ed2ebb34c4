"""What a finished run's page shows: totals, proposals with both factories, unmatched offers
in words, and the network picture."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup
from sqlmodel import Session

from exchange import catalogue
from exchange.coordination.reasons import unmatched_words
from exchange.i18n import format_number
from exchange.models import Factory, Listing, MatchRun, Proposal, UnmatchedOffer
from exchange.network import Edge, Node, network_svg
from exchange.services import proposal_pages, proposals, runs


@dataclass(frozen=True)
class ProposalRow:
    proposal: Proposal
    parties: proposal_pages.Parties
    stale: bool


@dataclass(frozen=True)
class UnmatchedRow:
    unmatched: UnmatchedOffer
    offer: Listing
    factory: Factory | None
    words: str


@dataclass(frozen=True)
class ConflictRow:
    """An agreed exchange the run could not carry in full: its listing now has less."""

    proposals: list[Proposal]
    listing: Listing  # the side that has less now
    factory: Factory
    partner: Factory
    agreed: float
    counted: float
    listing_tonnes: float
    left_out: str  # "", "paused" or "dates": the listing did not take part at all


@dataclass(frozen=True)
class UnavailableRow:
    listing: Listing
    factory: Factory
    why: str  # "paused" or "dates"


def totals(run: MatchRun, rows: list[ProposalRow]) -> dict[str, Any]:
    """The run's figures, new proposals and running (locked) exchanges apart (t, t CO2e)."""
    plan = run.plan or {}
    split = runs.plan_summary(run.problem or {}, plan)
    return {
        "baseline": run.baseline_kg_co2e,
        "objective": run.objective_kg_co2e,
        "saved": run.saved_kg_co2e,
        "proposals": len(rows),
        "new": split["new"],
        "running": split["running"],
        "tonnes": sum(e["tonnes"] for e in plan.get("exchanges", [])),
        "exchanges": len(plan.get("exchanges", [])),
    }


def conflict_rows(*, session: Session, run: MatchRun) -> list[ConflictRow]:
    """The run's conflicts (services.problems.BuiltProblem.conflicts) with what they name."""
    notes = run.notes or {}
    left_out = {x["listing_id"]: x["why"] for x in notes.get("unavailable", [])}
    out = []
    for c in notes.get("conflicts", []):
        mine, other = (c["offer_id"], c["want_id"])[:: 1 if c["side"] == "offer" else -1]
        listing, theirs = session.get(Listing, mine), session.get(Listing, other)
        held = [session.get(Proposal, i) for i in c["proposals"]]
        if listing is None or theirs is None or None in held:
            continue
        out.append(ConflictRow(held, listing, session.get(Factory, listing.factory_id),
                               session.get(Factory, theirs.factory_id), c["agreed"],
                               c["counted"], c["listing_tonnes"], left_out.get(mine, "")))  # fmt: skip
    return out


def unavailable_rows(*, session: Session, run: MatchRun) -> list[UnavailableRow]:
    """Listings left out of the run's month: paused, or their dates outside it."""
    items = (run.notes or {}).get("unavailable", [])
    factories = proposal_pages.listing_factories(
        session=session, listing_ids=[x["listing_id"] for x in items]
    )
    return [
        UnavailableRow(session.get(Listing, x["listing_id"]), factories[x["listing_id"]], x["why"])
        for x in items if x["listing_id"] in factories
    ]  # fmt: skip


SITE_ID = re.compile(r"\b(offer|want)-(\d+)\b")


def without_site_ids(text: str, *, session: Session, locale: str) -> str:
    """A matcher's message with its problem ids (`offer-85`) put as the reader knows them:
    the listing's material and factory."""

    def name(found: re.Match) -> str:
        listing = session.get(Listing, int(found.group(2)))
        factory = listing and session.get(Factory, listing.factory_id)
        if listing is None or factory is None:
            return _("a listing")
        material = catalogue.load().get(listing.material_key)
        what = material.name(locale) if material else listing.material_key
        who = factory.name if locale == "ko" else factory.name_en or factory.name
        return f"{who} ({what}, #{listing.id})"

    return SITE_ID.sub(name, text)


def proposal_rows(*, session: Session, run: MatchRun) -> list[ProposalRow]:
    items = runs.run_proposals(session=session, run_id=run.id)
    sides = proposal_pages.parties(session=session, proposals=items)
    return [
        ProposalRow(p, sides[p.id], p.status == "proposed"
                    and proposals.is_stale(session=session, proposal=p))
        for p in items
    ]  # fmt: skip


def unmatched_rows(*, session: Session, run: MatchRun, locale: str) -> list[UnmatchedRow]:
    items = runs.run_unmatched(session=session, run_id=run.id)
    factories = proposal_pages.listing_factories(
        session=session, listing_ids=[offer.id for _u, offer in items]
    )
    return [
        UnmatchedRow(u, offer, factories.get(offer.id),
                     unmatched_words(u.reason, u.detail, locale))
        for u, offer in items
    ]  # fmt: skip


def network(rows: list[ProposalRow], locale: str, title: str) -> Markup:
    """The proposals of the run (the refused ones left out) as an inline SVG."""
    cat = catalogue.load()
    nodes: dict[str, Node] = {}
    edges = []
    for row in rows:
        if row.proposal.status in ("rejected", "declined", "superseded"):
            continue
        a, b = row.parties.offer_factory, row.parties.want_factory
        nodes.setdefault(
            str(a.id), Node(str(a.id), a.name if locale == "ko" else a.name_en or a.name)
        )
        nodes.setdefault(
            str(b.id), Node(str(b.id), b.name if locale == "ko" else b.name_en or b.name)
        )
        material = cat.get(row.proposal.material_key)
        name = material.name(locale) if material else row.proposal.material_key
        edges.append(Edge(str(a.id), str(b.id), row.proposal.tonnes_per_month,
                          material.group if material else "other",
                          f"{nodes[str(a.id)].label} → {nodes[str(b.id)].label}: {name}, "
                          f"{row.proposal.tonnes_per_month:,.1f} t"))  # fmt: skip
    legend = {key: g.get(locale, g.get("en", key)) for key, g in cat.groups.items()}
    return Markup(network_svg(list(nodes.values()), edges, legend=legend, title=title))


def options_words(options: dict[str, Any], locale: str) -> str:
    """A run's options in a line, so runs can be compared on the runs list."""
    o, parts = options or {}, []
    if o.get("min_lot_t"):
        parts.append(_("smallest lot %(t)s t", t=format_number(o["min_lot_t"])))
    if o.get("max_partners_per_source"):
        parts.append(_("at most %(n)s takers per offer", n=o["max_partners_per_source"]))
    if o.get("max_partners_per_sink"):
        parts.append(_("at most %(n)s suppliers per want", n=o["max_partners_per_sink"]))
    truck = (o.get("modes") or {}).get("truck")
    if truck:
        parts.append(_("truck %(f)s kg CO2e/t-km", f=format_number(truck["kg_co2e_per_tkm"], 3)))
    cat = catalogue.load()
    names = [m.name(locale) if (m := cat.get(k)) else k for k in o.get("materials") or []]
    parts.append(", ".join(names) if names else _("all materials"))
    return " · ".join(parts)
