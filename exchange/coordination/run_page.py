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


def totals(run: MatchRun, rows: list[ProposalRow]) -> dict[str, Any]:
    plan = run.plan or {}
    return {
        "baseline": run.baseline_kg_co2e,
        "objective": run.objective_kg_co2e,
        "saved": run.saved_kg_co2e,
        "proposals": len(rows),
        "tonnes": sum(e["tonnes"] for e in plan.get("exchanges", [])),
        "exchanges": len(plan.get("exchanges", [])),
    }


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
