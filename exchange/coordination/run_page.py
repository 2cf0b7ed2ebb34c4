"""What a finished run's page shows: totals, proposals with both factories, unmatched offers
in words, and the network picture."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlmodel import Session

from exchange import catalogue
from exchange.coordination.reasons import link, run_failure, say, unmatched_words
from exchange.i18n import format_number
from exchange.models import Factory, Listing, MatchRun, Proposal, UnmatchedOffer
from exchange.network import Edge, Node, network_svg
from exchange.services import proposal_pages, proposals, runs
from exchange.services.problems import listing_id, sink_id, source_id

# a problem's site id, as the matcher's messages quote it: never shown as such
_SITE = re.compile(r"\b(offer|want)-(\d+)\b")


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
    words: Markup


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


def proposal_rows(*, session: Session, run: MatchRun) -> list[ProposalRow]:
    items = runs.run_proposals(session=session, run_id=run.id)
    sides = proposal_pages.parties(session=session, proposals=items)
    return [
        ProposalRow(p, sides[p.id], p.status == "proposed"
                    and proposals.is_stale(session=session, proposal=p))
        for p in items
    ]  # fmt: skip


def unmatched_rows(*, session: Session, run: MatchRun, locale: str) -> list[UnmatchedRow]:
    """Each offer left over, its factory, and its reason in words naming the takers as links."""
    items = runs.run_unmatched(session=session, run_id=run.id)
    named = {_listing(site) for u, _o in items for site in _sites(u.detail)} - {None}
    factories = proposal_pages.listing_factories(
        session=session, listing_ids=[offer.id for _u, offer in items] + list(named)
    )
    refusals = proposal_pages.refused_pairs(session=session, park_id=run.park_id, pairs=[
        (offer.id, want) for u, offer in items if u.reason == "forbidden"
        for want in {_listing(site) for site in _sites(u.detail)} - {None}
    ])  # fmt: skip

    def taker(site: str) -> Markup:
        factory = factories.get(_listing(site))
        if factory is None:  # a listing deleted since, or an id this app did not write
            return escape(_("a taker no longer listed"))
        return factory_link(factory, locale)

    return [
        UnmatchedRow(u, offer, factories.get(offer.id), unmatched_words(
            u.reason, u.detail, u.tonnes_per_month, locale, taker=taker,
            source=source_id(offer.id),
            refusals={(source_id(o), sink_id(w)): status for (o, w), status in refusals.items()},
        ))
        for u, offer in items
    ]  # fmt: skip


def failure_words(*, session: Session, run: MatchRun, locale: str) -> Markup:
    """Why the run failed, each listing the message names (`offer-85`) as its factory's."""
    text = run_failure(run.message)
    ids = {int(m[2]) for m in _SITE.finditer(text)}
    factories = proposal_pages.listing_factories(session=session, listing_ids=list(ids))

    def named(match: re.Match) -> Markup:
        factory = factories.get(int(match[2]))
        if factory is None:
            return escape(_("a listing no longer kept"))
        owner = factory_link(factory, locale)
        number = link(url_for("listings.listing", listing_id=int(match[2])), f"#{match[2]}")
        if match[1] == "offer":
            return say("%(factory)s's offer", factory=owner) + " (" + number + ")"
        return say("%(factory)s's want", factory=owner) + " (" + number + ")"

    # the message's own text between the ids is escaped by the join
    pieces, last = [], 0
    for match in _SITE.finditer(text):
        pieces += [text[last : match.start()], named(match)]
        last = match.end()
    return escape("").join([*pieces, text[last:]])


def factory_link(factory: Factory, locale: str) -> Markup:
    """The factory's name in the reader's language, linked to its page."""
    name = factory.name if locale == "ko" else factory.name_en or factory.name
    return link(url_for("listings.factory", factory_id=factory.id), name)


def _sites(detail: dict[str, Any] | None) -> list[str]:
    """The problem's sink ids a reason's detail names."""
    detail = detail or {}
    return [x for x in [detail.get("sink"), *detail.get("pairs", [])] if isinstance(x, str)]


def _listing(site: str) -> int | None:
    try:
        return listing_id(site)
    except (ValueError, IndexError):
        return None


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
