"""What a park achieved, for anyone to see: aggregates only, never one factory's data.

Figures come from exchanges that are running (active, suspended, ended) and the deliveries
recorded for them in months that have closed in the park's calendar; potential (approved and
proposed exchanges) and open listings are shown apart. No factory name unless the factory opted
in, no location, price or disposal cost. Every tonnes and CO2e figure goes through disclosure
control (`exchange.disclosure`): the park's published table is built once per data version, its
cells suppressed where fewer than three factories make them up, where one factory dominates, and
where other figures would rebuild a hidden one; every page, the JSON, the CSV and the charts
read that one table. Counts of exchanges, listings and factories stay public.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import text
from sqlmodel import Session, col, select

from exchange import catalogue, disclosure, ksic, park_calendar
from exchange.models import (
    Delivery,
    Factory,
    Listing,
    ListingStatus,
    Park,
    Proposal,
    ProposalStatus,
)

RUNNING = (ProposalStatus.active, ProposalStatus.suspended, ProposalStatus.ended)
MIN_FACTORIES = 3
PERIODS = ("last_month", "this_year", "since_start")
_cache: dict[tuple[int, str], tuple[tuple, Any]] = {}
_cache_lock = threading.Lock()


# Built once: on the public pages' hot path, building the statement costs more than running it.
# Listings (open offers and wants) and the factories' choices (consent, names) are part of it.
_VERSION_SQL = text(
    "SELECT (SELECT count(*) FROM proposal WHERE park_id = :park),"
    " (SELECT max(updated_at) FROM proposal WHERE park_id = :park),"
    " (SELECT count(*) FROM delivery JOIN proposal ON proposal.id = delivery.proposal_id"
    "  WHERE proposal.park_id = :park),"
    " (SELECT max(delivery.recorded_at) FROM delivery JOIN proposal"
    "  ON proposal.id = delivery.proposal_id WHERE proposal.park_id = :park),"
    " (SELECT count(*) FROM listing JOIN factory ON factory.id = listing.factory_id"
    "  WHERE factory.park_id = :park),"
    " (SELECT max(listing.updated_at) FROM listing JOIN factory"
    "  ON factory.id = listing.factory_id WHERE factory.park_id = :park),"
    " (SELECT count(*) FROM factory WHERE park_id = :park)"
)
# which factories consent to their figures and show their names, by id: a sum of ids or a
# count would let one factory's withdrawal and another's consent cancel out, and the cache
# keep publishing what is no longer agreed to
_CHOICES_SQL = text(
    "SELECT id, publish_figures, show_name FROM factory"
    " WHERE park_id = :park AND (publish_figures OR show_name) ORDER BY id"
)


def data_version(*, session: Session, park_id: int) -> tuple:
    """Changes whenever an exchange, a delivery, a listing or a factory's consent or shown name
    of the park changes: the cache key. One prepared query: it runs on every public request."""
    counts = tuple(str(v) for v in session.execute(_VERSION_SQL, {"park": park_id}).one())
    choices = tuple(
        (i, bool(figures), bool(name))
        for i, figures, name in session.execute(_CHOICES_SQL, {"park": park_id})
    )
    return counts + (choices,)


def rules() -> disclosure.Rules:
    """The disclosure thresholds from the settings (the defaults outside an app)."""
    if not has_app_context():
        return disclosure.Rules()
    c = current_app.config
    return disclosure.Rules(
        min_factories=int(c.get("DISCLOSURE_MIN_FACTORIES", MIN_FACTORIES)),
        dominance=float(c.get("DISCLOSURE_DOMINANCE", 0.85)),
        protection=float(c.get("DISCLOSURE_PROTECTION", 0.20)),
    )


def park_results(*, session: Session, park: Park, today: date | None = None) -> dict[str, Any]:
    """The park's published table, recomputed only when its data changed.

    `today` is the park's today (`park_calendar.park_today(park)` when None). Shape: see
    `_compute`; a figure is ``{"tonnes": t | None, "t_co2e": t | None, "suppressed": bool}``."""
    today = today or park_calendar.park_today(park)
    r = rules()
    version = (data_version(session=session, park_id=park.id), today.isoformat()[:7],
               r.min_factories, r.dominance, r.protection)  # fmt: skip
    return memo(
        park.id, version, "results", lambda: _compute(session=session, park=park, today=today, r=r)
    )


def memo(park_id: int, version: tuple, name: str, compute: Callable[[], Any]) -> Any:
    """Per-process cache of anything derived from a park's exchanges (figures, charts, the
    network picture), dropped as soon as the park's data version moves on."""
    key = (park_id, name)
    with _cache_lock:
        hit = _cache.get(key)
    if hit and hit[0] == version:
        return hit[1]
    value = compute()
    with _cache_lock:
        _cache[key] = (version, value)
    return value


def published_table(
    *, session: Session, park: Park, today: date
) -> tuple[disclosure.Table, dict[str, Any]]:
    """The park's table for disclosure control, and what the pages need besides (counts,
    cell order). Only months before `today`'s month (closed in the park's calendar) count."""
    cat = catalogue.load()
    rows = _running_exchanges(session=session, park_id=park.id)
    per_tonne = {p.id: (p.net_saved_kg_co2e / p.tonnes_per_month if p.tonnes_per_month else 0.0)
                 for p, _o, _w in rows}  # fmt: skip
    pair = {p.id: frozenset((o, w)) for p, o, w in rows}
    group_of = {p.id: (cat.get(p.material_key).group if cat.get(p.material_key) else "other")
                for p, _o, _w in rows}  # fmt: skip
    first_open = park_calendar.month_start(today)
    deliveries = [d for d in session.exec(
        select(Delivery).where(col(Delivery.proposal_id).in_(list(per_tonne) or [-1]))
    ) if d.month < first_open]  # fmt: skip
    atoms: dict[Any, disclosure.Atom] = {}
    cells: dict[str, list[Any]] = defaultdict(list)
    last = park_calendar.add_months(today, -1).strftime("%Y-%m")
    for key in ("delivered:" + p for p in PERIODS):
        cells[key] = []
    for d in deliveries:
        month = d.month.strftime("%Y-%m")
        atom = ("d", d.proposal_id, month)
        atoms[atom] = disclosure.Atom(d.tonnes, d.tonnes * per_tonne[d.proposal_id],
                                      pair[d.proposal_id])  # fmt: skip
        cells["delivered:since_start"].append(atom)
        if d.month.year == today.year:
            cells["delivered:this_year"].append(atom)
        if month == last:
            cells["delivered:last_month"].append(atom)
        cells[f"month:{month}"].append(atom)
        cells[f"group:{group_of[d.proposal_id]}"].append(atom)
    cells["contracted"] = []
    for p, o, w in rows:
        if p.status == ProposalStatus.active:
            atoms[("c", p.id)] = disclosure.Atom(p.tonnes_per_month, p.net_saved_kg_co2e,
                                                 frozenset((o, w)))  # fmt: skip
            cells["contracted"].append(("c", p.id))
    counts: dict[str, int] = {}
    for status, p, o, w in _potential(session=session, park_id=park.id):
        key = f"potential:{status}"
        atoms[("p", p.id)] = disclosure.Atom(p.tonnes_per_month, p.net_saved_kg_co2e,
                                             frozenset((o, w)))  # fmt: skip
        cells[key].append(("p", p.id))
    for status in (ProposalStatus.approved, ProposalStatus.proposed):
        cells.setdefault(f"potential:{status}", [])
        counts[f"potential:{status}"] = len(cells[f"potential:{status}"])
    for kind in ("offer", "want"):
        cells[f"open:{kind}"] = []
    for listing_id, kind, tonnes, factory_id in _open_listings(session=session, park_id=park.id):
        atoms[("l", listing_id)] = disclosure.Atom(tonnes, 0.0, frozenset((factory_id,)))
        cells[f"open:{kind}"].append(("l", listing_id))
    for kind in ("offer", "want"):
        counts[f"open:{kind}"] = len(cells[f"open:{kind}"])
    months = sorted(k for k in cells if k.startswith("month:"))
    groups = sorted(k for k in cells if k.startswith("group:"))
    relations = [["delivered:since_start", *groups], ["delivered:since_start", *months],
                 ["delivered:this_year", *(m for m in months if m[6:10] == str(today.year))],
                 ["delivered:since_start", "delivered:this_year",
                  *(m for m in months if m[6:10] != str(today.year))]]
    if f"month:{last}" in cells:
        relations.append(["delivered:last_month", f"month:{last}"])
    consent = frozenset(session.exec(
        select(Factory.id).where(Factory.park_id == park.id, col(Factory.publish_figures))
    ))  # fmt: skip
    group_factories = defaultdict(set)
    for p, o, w in rows:
        group_factories[group_of[p.id]].update((o, w))
    extra = {
        "rows": rows,
        "counts": counts,
        "months": [m[6:] for m in months],
        "groups": {g[6:]: len(group_factories[g[6:]]) for g in groups},
        "last_month": last,
    }
    return disclosure.Table(atoms=atoms, cells=dict(cells), relations=relations,
                            consent=consent), extra  # fmt: skip


def _compute(*, session: Session, park: Park, today: date, r: disclosure.Rules) -> dict[str, Any]:
    table, extra = published_table(session=session, park=park, today=today)
    hidden = disclosure.suppress(table, r)
    rows = extra["rows"]

    def figure(key: str) -> dict[str, Any]:
        if key in hidden:
            return {"tonnes": None, "t_co2e": None, "suppressed": True}
        return {"tonnes": round(table.value(key), 3),
                "t_co2e": round(table.value(key, "kg") / 1000, 3), "suppressed": False}  # fmt: skip

    factories = {f for _p, o, w in rows for f in (o, w)}
    cat = catalogue.load()
    order = {g: n for n, g in enumerate(cat.groups)}
    return {
        "park": {
            "slug": park.slug,
            "name_ko": park.name_ko,
            "name_en": park.name_en,
            "region": park.region,
        },  # fmt: skip
        "as_of": today.isoformat(),
        "last_closed_month": extra["last_month"],
        "active_exchanges": sum(1 for p, _o, _w in rows if p.status == ProposalStatus.active),
        "participating_factories": len(factories),
        "delivered": {period: figure(f"delivered:{period}") for period in PERIODS},
        "contracted_per_month": figure("contracted"),
        "potential": {str(s): {"exchanges": extra["counts"][f"potential:{s}"],
                               **figure(f"potential:{s}")}
                      for s in (ProposalStatus.approved, ProposalStatus.proposed)},  # fmt: skip
        "open_listings": {kind: {"listings": extra["counts"][f"open:{kind}"],
                                 **{k: v for k, v in figure(f"open:{kind}").items()
                                    if k != "t_co2e"}}
                          for kind in ("offer", "want")},  # fmt: skip
        # a fixed order (the catalogue's): sorting by tonnes would place the hidden ones
        "by_group": [{"group": g, "factories": n, **figure(f"group:{g}")}
                     for g, n in sorted(extra["groups"].items(),
                                        key=lambda x: (order.get(x[0], len(order)), x[0]))],
        "by_month": [{"month": m, **figure(f"month:{m}")} for m in extra["months"]],
        "suppressed_cells": len(hidden),
        "rules": {"min_factories": r.min_factories, "dominance": r.dominance,
                  "protection": r.protection},  # fmt: skip
        "factors": _factors(session=session, rows=rows),
    }


def _running_exchanges(*, session: Session, park_id: int) -> list[tuple[Proposal, int, int]]:
    return _proposals(session=session, park_id=park_id, statuses=RUNNING)


def _proposals(*, session: Session, park_id: int, statuses) -> list[tuple[Proposal, int, int]]:
    offer, want = Listing.__table__.alias("offer"), Listing.__table__.alias("want")
    query = (
        select(Proposal, offer.c.factory_id, want.c.factory_id)
        .join(offer, offer.c.id == Proposal.offer_id)
        .join(want, want.c.id == Proposal.want_id)
        .where(Proposal.park_id == park_id, col(Proposal.status).in_(statuses))
        .order_by(Proposal.id)
    )
    return list(session.exec(query))


def _potential(*, session: Session, park_id: int) -> list[tuple[str, Proposal, int, int]]:
    """Approved and proposed exchanges: what the park could add, shown apart."""
    statuses = (ProposalStatus.approved, ProposalStatus.proposed)
    return [(str(p.status), p, o, w)
            for p, o, w in _proposals(session=session, park_id=park_id, statuses=statuses)]  # fmt: skip


def _open_listings(*, session: Session, park_id: int) -> list[tuple[int, str, float, int]]:
    """The park's open offers and wants: (id, kind, tonnes a month, factory id)."""
    query = (
        select(Listing.id, Listing.kind, Listing.tonnes_per_month, Listing.factory_id)
        .join(Factory, Factory.id == Listing.factory_id)
        .where(Factory.park_id == park_id, Listing.status == ListingStatus.active)
        .order_by(Listing.id)
    )
    return [(i, str(k), float(t), f) for i, k, t, f in session.exec(query)]


def _factors(*, session: Session, rows) -> list[dict[str, Any]]:
    """The catalogue's factors for the materials exchanged, with their sources: the disposal
    factor of each route the offers go by today (`disposal_routes`; `disposal` is the first of
    them) and the virgin-material credit. A factor dict: kg_co2e_per_t, estimate, basis (English),
    basis_ko, source (title), source_ko, year, url, and `route` for a disposal factor."""
    cat = catalogue.load()
    offer_ids = sorted({p.offer_id for p, _o, _w in rows})
    routes: dict[str, set[str]] = defaultdict(set)
    for key, route in session.exec(
        select(Listing.material_key, Listing.disposal_route).where(col(Listing.id).in_(offer_ids or [-1]))
    ):
        m = cat.get(key)
        if m is not None:
            routes[key].add(m.route_factor(route)[0])
    out = []
    for key in sorted({p.material_key for p, _o, _w in rows}):
        m = cat.get(key)
        if m is None:
            continue
        entry: dict[str, Any] = {
            "material": key,
            "name_en": m.en,
            "name_ko": m.ko,
            "group": m.group,
        }
        used = [r for r in (*m.routes, m.default_route) if r in (routes.get(key) or {m.default_route})]
        entry["disposal_routes"] = [
            {"route": r, **_factor_entry(cat, m.routes[r])} for r in dict.fromkeys(used) if r in m.routes
        ]
        if entry["disposal_routes"]:
            entry["disposal"] = entry["disposal_routes"][0]
        if m.virgin_avoided:
            entry["virgin_avoided"] = _factor_entry(cat, m.virgin_avoided)
        out.append(entry)
    return out


def _factor_entry(cat, factor) -> dict[str, Any]:
    source = cat.sources.get(factor.source, {})
    return {"kg_co2e_per_t": factor.kg_co2e_per_t, "estimate": factor.estimate,
            "basis": factor.basis, "basis_ko": factor.basis_ko,
            "source": source.get("title", factor.source),
            "source_ko": source.get("title_ko") or source.get("title", factor.source),
            "year": source.get("year"), "url": source.get("url")}  # fmt: skip


def network(*, session: Session, park: Park) -> tuple[list[dict], list[dict]]:
    """Factories (by industry, or by name where they opted in) and the material flows."""
    cat = catalogue.load()
    rows = _running_exchanges(session=session, park_id=park.id)
    ids = {f for _p, o, w in rows for f in (o, w)}
    factories = {
        f.id: f for f in session.exec(select(Factory).where(col(Factory.id).in_(list(ids) or [-1])))
    }
    # opaque node ids: the public never learns the database's
    alias = {fid: f"f{n}" for n, fid in enumerate(sorted(factories), start=1)}
    labels = node_labels(list(factories.values()))
    nodes = [{"id": alias[f.id], "name": f.name if f.show_name else None,
              "name_en": f.name_en if f.show_name else None,
              "label_ko": labels[f.id][0], "label_en": labels[f.id][1]}
             for f in sorted(factories.values(), key=lambda f: alias[f.id])]  # fmt: skip
    edges = [{"source": alias[o], "target": alias[w], "material": p.material_key,
              "group": cat.get(p.material_key).group if cat.get(p.material_key) else "other"}
             for p, o, w in rows if p.status == ProposalStatus.active]  # fmt: skip
    return nodes, edges


def node_labels(factories: list[Factory], least: int = MIN_FACTORIES) -> dict[int, tuple]:
    """(Korean, English) label of each factory that did not opt in to its name: its industry
    where at least `least` such factories share it, else its KSIC section where as many share
    that, else (None, None): the page then says just "factory". An industry or section only one
    or two factories have would name them."""
    hidden = [f for f in factories if not f.show_name]
    industry = {f.id: (f.industry_ko, f.industry_en) for f in hidden}
    section = {f.id: ksic.section(f.ksic) for f in hidden}
    by_industry = defaultdict(int)
    by_section = defaultdict(int)
    for f in hidden:
        if any(industry[f.id]):
            by_industry[industry[f.id]] += 1
        if section[f.id]:
            by_section[section[f.id]] += 1
    out: dict[int, tuple] = {}
    for f in factories:
        if f.show_name:
            out[f.id] = (f.industry_ko or None, f.industry_en or None)
        elif any(industry[f.id]) and by_industry[industry[f.id]] >= least:
            ko, en = industry[f.id]
            out[f.id] = (ko or en, en or ko)
        elif section[f.id] and by_section[section[f.id]] >= least:
            _first, _last, ko, en = ksic.SECTIONS[section[f.id]]
            out[f.id] = (ko, en)
        else:
            out[f.id] = (None, None)
    return out
