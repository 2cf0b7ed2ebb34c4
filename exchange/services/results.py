"""What a park achieved, for anyone to see: aggregates only, never one factory's data.

Figures come from exchanges that are running (active, suspended, ended) and the deliveries
recorded for them. Three rules keep confidential data in: no factory name unless the factory
opted in, no location, price or disposal cost, and no tonnes or CO2e for a material group (or
a whole park) that fewer than three factories share.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from exchange import catalogue
from exchange.models import Delivery, Factory, Listing, Park, Proposal, ProposalStatus

RUNNING = (ProposalStatus.active, ProposalStatus.suspended, ProposalStatus.ended)
MIN_FACTORIES = 3
_cache: dict[tuple[int, str], tuple[tuple, Any]] = {}
_cache_lock = threading.Lock()


# Built once: on the public pages' hot path, building the statement costs more than running it.
_VERSION_SQL = text(
    "SELECT (SELECT count(*) FROM proposal WHERE park_id = :park),"
    " (SELECT max(updated_at) FROM proposal WHERE park_id = :park),"
    " (SELECT count(*) FROM delivery JOIN proposal ON proposal.id = delivery.proposal_id"
    "  WHERE proposal.park_id = :park),"
    " (SELECT max(delivery.recorded_at) FROM delivery JOIN proposal"
    "  ON proposal.id = delivery.proposal_id WHERE proposal.park_id = :park)"
)


def data_version(*, session: Session, park_id: int) -> tuple:
    """Changes whenever an exchange or a delivery of the park changes: the cache key.
    One prepared query: it runs on every public request."""
    return tuple(str(v) for v in session.execute(_VERSION_SQL, {"park": park_id}).one())


def park_results(*, session: Session, park: Park, today: date) -> dict[str, Any]:
    """The park's public figures, recomputed only when its exchanges or deliveries changed."""
    version = (data_version(session=session, park_id=park.id), today.isoformat()[:7])
    return memo(
        park.id, version, "results", lambda: _compute(session=session, park=park, today=today)
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


def _compute(*, session: Session, park: Park, today: date) -> dict[str, Any]:
    cat = catalogue.load()
    rows = _running_exchanges(session=session, park_id=park.id)
    per_tonne = {p.id: (p.net_saved_kg_co2e / p.tonnes_per_month if p.tonnes_per_month else 0.0)
                 for p, _o, _w in rows}  # fmt: skip
    deliveries = list(session.exec(
        select(Delivery).where(col(Delivery.proposal_id).in_(list(per_tonne) or [-1]))
    ))  # fmt: skip
    factories = {f for _p, o, w in rows for f in (o, w)}
    enough = len(factories) >= MIN_FACTORIES
    group_of = {p.id: (cat.get(p.material_key).group if cat.get(p.material_key) else "other")
                for p, _o, _w in rows}  # fmt: skip
    active = [p for p, _o, _w in rows if p.status == ProposalStatus.active]
    return {
        "park": {
            "slug": park.slug,
            "name_ko": park.name_ko,
            "name_en": park.name_en,
            "region": park.region,
        },  # fmt: skip
        "as_of": today.isoformat(),
        "active_exchanges": len(active),
        "participating_factories": len(factories),
        "figures_shown": enough,
        "delivered": _delivered(deliveries, per_tonne, today) if enough else None,
        "contracted_per_month": _sum(active) if enough else None,
        "potential": _potential(session=session, park_id=park.id),
        "by_group": _by_group(rows, deliveries, per_tonne, group_of),
        "by_month": _by_month(deliveries, per_tonne) if enough else [],
        "factors": _factors(session=session, rows=rows),
    }


def _running_exchanges(*, session: Session, park_id: int) -> list[tuple[Proposal, int, int]]:
    offer, want = Listing.__table__.alias("offer"), Listing.__table__.alias("want")
    query = (
        select(Proposal, offer.c.factory_id, want.c.factory_id)
        .join(offer, offer.c.id == Proposal.offer_id)
        .join(want, want.c.id == Proposal.want_id)
        .where(Proposal.park_id == park_id, col(Proposal.status).in_(RUNNING))
    )
    return list(session.exec(query))


def _figure(tonnes: float, kg: float) -> dict[str, float]:
    return {"tonnes": round(tonnes, 3), "t_co2e": round(kg / 1000, 3)}


def _sum(proposals: list[Proposal]) -> dict[str, float]:
    return _figure(
        sum(p.tonnes_per_month for p in proposals), sum(p.net_saved_kg_co2e for p in proposals)
    )


def _delivered(
    deliveries: list[Delivery], per_tonne: dict[int, float], today: date
) -> dict[str, Any]:
    def total(keep) -> dict[str, float]:
        chosen = [d for d in deliveries if keep(d.month)]
        return _figure(
            sum(d.tonnes for d in chosen), sum(d.tonnes * per_tonne[d.proposal_id] for d in chosen)
        )

    return {
        "this_month": total(lambda m: (m.year, m.month) == (today.year, today.month)),
        "this_year": total(lambda m: m.year == today.year),
        "since_start": total(lambda m: True),
    }


def _potential(*, session: Session, park_id: int) -> dict[str, Any]:
    """Approved and proposed exchanges: what the park could add, shown apart."""
    out = {}
    for status in (ProposalStatus.approved, ProposalStatus.proposed):
        count, tonnes, kg = session.exec(
            select(func.count(), func.coalesce(func.sum(Proposal.tonnes_per_month), 0.0),
                   func.coalesce(func.sum(Proposal.net_saved_kg_co2e), 0.0))
            .where(Proposal.park_id == park_id, Proposal.status == status)
        ).one()  # fmt: skip
        out[str(status)] = {"exchanges": count, **_figure(float(tonnes), float(kg))}
    return out


def _by_group(rows, deliveries, per_tonne, group_of) -> list[dict[str, Any]]:
    """Delivered tonnes per material group; a group fewer than three factories share is
    folded into "other" (and that too is hidden if it has fewer than three)."""
    factories, tonnes, kg = defaultdict(set), defaultdict(float), defaultdict(float)
    for p, o, w in rows:
        factories[group_of[p.id]].update((o, w))
    for d in deliveries:
        g = group_of[d.proposal_id]
        tonnes[g] += d.tonnes
        kg[g] += d.tonnes * per_tonne[d.proposal_id]
    shown, folded = [], {"factories": set(), "tonnes": 0.0, "kg": 0.0}
    for g in sorted(factories):
        if len(factories[g]) >= MIN_FACTORIES:
            shown.append({"group": g, "factories": len(factories[g]), **_figure(tonnes[g], kg[g])})
        else:
            folded["factories"] |= factories[g]
            folded["tonnes"] += tonnes[g]
            folded["kg"] += kg[g]
    if len(folded["factories"]) >= MIN_FACTORIES:
        shown.append({"group": "small-groups", "factories": len(folded["factories"]),
                      **_figure(folded["tonnes"], folded["kg"])})  # fmt: skip
    return sorted(shown, key=lambda r: -r["tonnes"])


def _by_month(deliveries, per_tonne) -> list[dict[str, Any]]:
    tonnes, kg = defaultdict(float), defaultdict(float)
    for d in deliveries:
        key = d.month.strftime("%Y-%m")
        tonnes[key] += d.tonnes
        kg[key] += d.tonnes * per_tonne[d.proposal_id]
    return [{"month": m, **_figure(tonnes[m], kg[m])} for m in sorted(tonnes)]


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
    nodes = [{"id": alias[f.id], "name": f.name if f.show_name else None,
              "name_en": f.name_en if f.show_name else None,
              "industry_ko": f.industry_ko, "industry_en": f.industry_en}
             for f in sorted(factories.values(), key=lambda f: alias[f.id])]  # fmt: skip
    edges = [{"source": alias[o], "target": alias[w], "material": p.material_key,
              "group": cat.get(p.material_key).group if cat.get(p.material_key) else "other"}
             for p, o, w in rows if p.status == ProposalStatus.active]  # fmt: skip
    return nodes, edges
