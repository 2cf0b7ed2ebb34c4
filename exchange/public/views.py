"""What anyone may see: the parks' results, open data, the material catalogue, health.

The JSON summary (`/api/v1/summary`) is in the API blueprint, with the rest of /api/v1."""

from __future__ import annotations

import csv
import io
from datetime import date
from types import SimpleNamespace

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    session,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text

from exchange import catalogue, db, park_calendar
from exchange.charts import bar_chart_svg, column_chart_svg
from exchange.models import Park
from exchange.network import GROUP_COLOURS, Edge, Node, network_svg
from exchange.services import factories, results, summary
from exchange.services.sheets import safe_cell

bp = Blueprint("public", __name__)


def park_today(park=None, zone: str | None = None) -> date:
    """Today in the park's time zone (`park`, or its zone's name): the months and years of
    its figures turn over there, not on the server's clock."""
    return park_calendar.park_today(park or SimpleNamespace(time_zone=zone))


def suppressed_label() -> str:
    """What a hidden figure says instead of its value, in the reader's language."""
    return _("suppressed")


def _park_id_or_404(slug: str) -> int:
    return _park_id_and_zone_or_404(slug)[0]


def _park_id_and_zone_or_404(slug: str) -> tuple[int, str]:
    found = factories.park_id_and_zone_by_slug(session=db.session(), slug=slug)
    if found is None:
        abort(404)
    return found


def _park_or_404(slug: str) -> Park:
    return db.session().get(Park, _park_id_or_404(slug))


def _page_for_anyone(name: str, version: tuple, render):
    """The whole page from the cache for visitors who are not signed in and have no message
    waiting: what everyone hits costs one small query, not a page build."""
    if current_user.is_authenticated or session.get("_flashes"):
        return render()
    g.page_for_anyone = True  # its links must not carry the first visitor's query
    return results.memo(0, version, f"page:{name}:{get_locale() or 'ko'}", render)


@bp.get("/")
def index():
    s = db.session()
    max_age = current_app.config["PUBLIC_OVERVIEW_SECONDS"]
    overview = summary.park_overview(session=s, max_age_s=max_age)
    days = {row["park"].id: park_today(row["park"]) for row in overview}
    version = tuple(
        (row["park"].id, results.data_version(session=s, park_id=row["park"].id),
         days[row["park"].id].isoformat()[:7])
        for row in overview
    ) + (summary.overview_built_at(),)  # fmt: skip

    def render():
        for row in overview:
            row["results"] = results.park_results(
                session=s, park=row["park"], today=days[row["park"].id]
            )
        return render_template("public/index.html", parks=overview)

    return _page_for_anyone("index", version, render)


@bp.get("/parks/<slug>")
def park(slug: str):
    s = db.session()
    park_id = _park_id_or_404(slug)
    p = s.get(Park, park_id)
    today = park_today(p)
    version = (results.data_version(session=s, park_id=park_id), today.isoformat()[:7])

    def render():
        data = results.park_results(session=s, park=p, today=today)
        cat = catalogue.load()
        return render_template(
            "public/park.html", park=p, results=data, catalogue=cat, group_colours=GROUP_COLOURS,
            group_chart=_group_chart(data, cat), month_chart=_month_chart(data), network=_network(s, p, cat),
        )  # fmt: skip

    return _page_for_anyone(f"park:{park_id}", version, render)


def _group_chart(data, cat) -> str:
    lang = str(get_locale() or "ko")
    names = {g: n.get(lang, g) for g, n in cat.groups.items()}
    items = [(names.get(r["group"], r["group"]), r["tonnes"]) for r in data["by_group"]]
    return bar_chart_svg(items, unit="t", hidden=suppressed_label())


def _month_chart(data) -> str:
    return column_chart_svg(
        [(r["month"][2:], r["tonnes"]) for r in data["by_month"][-12:]], unit="t",
        hidden=suppressed_label(),
    )  # fmt: skip


def _network(s, p, cat) -> str:
    lang = str(get_locale() or "ko")
    ko = lang == "ko"
    nodes, edges = results.network(session=s, park=p)
    if not edges:
        return ""
    # a factory that did not opt in: an industry (or KSIC section) at least three share, or
    # just "factory" (results.node_labels)
    label = {n["id"]: (n["name"] if ko else n["name_en"] or n["name"]) or
             (n["label_ko"] if ko else n["label_en"]) or _("factory") for n in nodes}  # fmt: skip
    # every flow drawn alike: a line's width would tell one factory's tonnes
    return network_svg([Node(id=n["id"], label=label[n["id"]]) for n in nodes],
                       [Edge(source=e["source"], target=e["target"], tonnes=1.0, group=e["group"])
                        for e in edges],
                       legend={g: n.get(lang, n.get("en", g)) for g, n in cat.groups.items()})  # fmt: skip


class _SafeWriter:
    """csv.writer whose cells pass through the one CSV-injection guard (sheets.safe_cell)."""

    def __init__(self, writer):
        self.writer = writer

    def writerow(self, row: list) -> None:
        self.writer.writerow([safe_cell(v) for v in row])


@bp.get("/parks/<slug>/summary.csv")
def summary_csv(slug: str):
    park = _park_or_404(slug)
    data = results.park_results(session=db.session(), park=park, today=park_today(park))
    buffer = io.StringIO()
    out = _SafeWriter(csv.writer(buffer))
    out.writerow(["park", "section", "key", "tonnes", "t_co2e", "note"])

    def row(section: str, key: str, figure: dict, note: str = "") -> None:
        # a hidden figure: both values blank, and the note says so
        hidden = figure.get("suppressed")
        notes = [n for n in (note, "suppressed" if hidden else "") if n]
        out.writerow([slug, section, key, "" if hidden else figure["tonnes"],
                      "" if hidden else figure.get("t_co2e", ""), "; ".join(notes)])  # fmt: skip

    for period, figure in data["delivered"].items():
        row("delivered", period, figure,
            f"month {data['last_closed_month']}" if period == "last_month" else "")  # fmt: skip
    row("contracted", "per_month", data["contracted_per_month"], "running exchanges, per month")
    for status, figure in data["potential"].items():
        row("potential", status, figure, f"{figure['exchanges']} exchanges, per month")
    for kind, figure in data["open_listings"].items():
        row("open_listings", kind, figure, f"{figure['listings']} listings, per month")
    for group in data["by_group"]:
        row("by_group", group["group"], group, f"{group['factories']} factories")
    for month in data["by_month"]:
        row("by_month", month["month"], month)
    for f in data["factors"]:
        rows = [(f"factor:disposal:{d['route']}", d) for d in f.get("disposal_routes", [])]
        if "virgin_avoided" in f:
            rows.append(("factor:virgin_avoided", f["virgin_avoided"]))
        for kind, x in rows:
            note = f"{x['kg_co2e_per_t']} kg CO2e/t; {x['source']} {x['year'] or ''}; {x['basis']}"
            out.writerow(
                [slug, kind, f["material"], "", "", note + (" (estimate)" if x["estimate"] else "")]
            )
    return Response(buffer.getvalue().encode("utf-8-sig"), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{slug}-summary.csv"'})  # fmt: skip


@bp.get("/materials")
def materials():
    q = request.args.get("q", "").strip()
    cat = catalogue.load()
    return render_template(
        "public/materials.html", q=q, materials=cat.search(q, str(get_locale())),
        codes=cat.search_waste_codes(q),
        catalogue=cat,
    )  # fmt: skip


@bp.get("/materials/<key>")
def material(key: str):
    cat = catalogue.load()
    item = cat.get(key)
    if item is None:
        abort(404)
    codes = [cat.ewc[c] for c in item.ewc if c in cat.ewc]
    return render_template("public/material.html", material=item, codes=codes, catalogue=cat)


@bp.get("/healthz")
def healthz():
    try:
        db.session().exec(text("SELECT 1")).one()
    except Exception as error:  # any failure of the database is what this reports
        return jsonify(status="error", database=str(error.__class__.__name__)), 503
    return jsonify(status="ok", database="ok")
