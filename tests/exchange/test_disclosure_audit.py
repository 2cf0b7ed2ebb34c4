"""An attacker's audit of everything a park publishes.

The outsider reads every number the park's pages (front page and park page, in English), the
JSON summary and the CSV show, each as an interval (a page rounds). The outsider knows what each
figure sums (the pages say it) and the park's structure: which exchanges run, between which
factories (the network picture), in which material group, and each exchange's CO2e a tonne (the
catalogue's factors are on the page). So every figure is a linear equation on unknowns the
outsider does not know: the tonnes each running exchange delivered in each month, each active
exchange's agreed tonnes, each approved or proposed exchange's, each open listing's (all >= 0).

The confidential quantities are every figure that was suppressed, and each factory's own part
of every figure (for a factory that did not consent to its figures being published). For each,
scipy's linear programming finds the least and greatest value consistent with all that was
published; each must leave at least 20 % of the true value open on either side.

It runs on the demo park, a five-factory park, a two-factory park and random parks. The code
before disclosure control fails it (the subtraction of groups, single-exchange months, the
potential and the front page's open offers pin figures exactly).
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from html import unescape

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from sqlmodel import col, select

from exchange import catalogue
from exchange.models import (
    Delivery,
    Factory,
    Listing,
    ListingStatus,
    Park,
    Proposal,
    ProposalStatus,
)
from exchange.services import results
from tests.exchange.public_parks import TODAY, exchange, factory, run_of

PROTECTION = 0.20
RUNNING = {"active", "suspended", "ended"}


@dataclass(frozen=True)
class Figure:
    """A published number: what it sums (`cell`), in tonnes or kg CO2e, within [low, high]."""

    cell: str
    measure: str
    low: float
    high: float
    source: str


# ---------------------------------------------------------------- what the park publishes


def _interval(text: str, digits: int, scale: float = 1.0) -> tuple[float, float]:
    value = float(text.replace(",", "").replace("−", "-"))
    half = 0.5 * 10**-digits
    return (value - half) * scale, (value + half) * scale


def _json_figures(park: dict) -> tuple[list[Figure], set[str]]:
    """The figures of the JSON summary, and the cells it marks suppressed (or leaves empty)."""
    figures, hidden = [], set()

    def take(cell: str, fig: dict | None):
        if not fig or fig.get("suppressed") or fig.get("tonnes") is None:
            hidden.add(cell)
            return
        for measure, key, scale in (("tonnes", "tonnes", 1.0), ("kg", "t_co2e", 1000.0)):
            if fig.get(key) is not None:
                low, high = _interval(str(fig[key]), 3, scale)
                figures.append(Figure(cell, measure, low, high, "json"))

    for period, fig in (park.get("delivered") or {}).items():
        take(f"delivered:{period}", fig)
    if park.get("delivered") is None:
        hidden.update({"delivered:since_start", "delivered:this_year"})
    take("contracted", park.get("contracted_per_month"))
    for status, fig in park["potential"].items():
        take(f"potential:{status}", fig)
    for kind, fig in (park.get("open_listings") or {}).items():
        take(f"open:{kind}", fig)
    for row in park["by_group"]:
        take(f"group:{row['group']}", row)
    for row in park["by_month"]:
        take(f"month:{row['month']}", row)
    return figures, hidden


def _csv_figures(text: str) -> list[Figure]:
    out = []
    for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))):
        section, key = row["section"], row["key"]
        cell = {"delivered": f"delivered:{key}", "potential": f"potential:{key}",
                "contracted": "contracted", "open_listings": f"open:{key}",
                "by_group": f"group:{key}", "by_month": f"month:{key}"}.get(section)  # fmt: skip
        if cell is None:
            continue
        for measure, column, scale in (("tonnes", "tonnes", 1.0), ("kg", "t_co2e", 1000.0)):
            if row.get(column):
                low, high = _interval(row[column], 3, scale)
                out.append(Figure(cell, measure, low, high, "csv"))
    return out


STAT = re.compile(r'<div class="n">([-\d,.]+) <small>([^<]*)</small></div><div class="l">([^<]+)</div>')


def _park_page_figures(html: str, groups_by_name: dict[str, str]) -> list[Figure]:
    """The park page's figures, its sentence of agreed tonnes and its two charts."""
    out = []
    for value, unit, label in STAT.findall(html):
        label = unescape(label)
        measure = "kg" if "CO2e" in unit else "tonnes"
        scale = 1000.0 if measure == "kg" else 1.0
        period = next((p for p, words in (("last_month", "last month"), ("this_month", "this month"),
                                          ("this_year", "this year"), ("since_start", "since the start"))
                       if words in label), None)  # fmt: skip
        if label.startswith(("delivered", "avoided")) and period:
            cell = f"delivered:{period}"
        elif label == "a month, if they go ahead":
            cell = "potential:approved"
        elif label == "a month, if all were agreed":
            cell = "potential:proposed"
        else:
            continue
        out.append(Figure(cell, measure, *_interval(value, 1, scale), "park page"))
    agreed = re.search(r"agreed for ([\d,.]+) t a month, avoiding ([\d,.]+) t CO2e", html)
    if agreed:
        out.append(Figure("contracted", "tonnes", *_interval(agreed[1], 0), "park page"))
        out.append(Figure("contracted", "kg", *_interval(agreed[2], 1, 1000.0), "park page"))
    charts = re.findall(r'<svg class="chart".*?</svg>', html, re.S)
    for svg in charts:
        bars = re.findall(r'class="chart-label">([^<]+)</text><rect[^>]*class="chart-bar"/>'
                          r'<text[^>]*class="chart-value">([-\d,.]+) t</text>', svg)  # fmt: skip
        for label, value in bars:
            group = groups_by_name.get(unescape(label), "small-groups")
            out.append(Figure(f"group:{group}", "tonnes", *_interval(value, 1), "group chart"))
        columns = re.findall(r'class="chart-bar"/><text[^>]*class="chart-value">([-\d,.]+)</text>'
                             r'<text[^>]*class="chart-label">(\d\d-\d\d)</text>', svg)  # fmt: skip
        for value, label in columns:
            out.append(Figure(f"month:20{label}", "tonnes", *_interval(value, 0), "month chart"))
    return out


def _front_page_figures(html: str, slug: str) -> list[Figure]:
    card = html[html.index(f'href="/parks/{slug}"'):]
    card = card[: card.index("</table>")]
    out = []
    since = re.search(r"([\d,.]+) t since the start", card)
    if since:
        out.append(Figure("delivered:since_start", "tonnes", *_interval(since[1], 0), "front"))
    co2e = re.search(r"([\d,.]+) t CO2e since the start", card)
    if co2e:
        out.append(Figure("delivered:since_start", "kg", *_interval(co2e[1], 1, 1000.0), "front"))
    for kind, label in (("offer", "Open offers"), ("want", "Open wants")):
        found = re.search(label + r"</th><td>[\d,]+ · ([\d,.]+) t/month", card)
        if found:
            out.append(Figure(f"open:{kind}", "tonnes", *_interval(found[1], 0), "front"))
    return out


def published(client, slug: str) -> tuple[list[Figure], set[str], dict]:
    results._cache.clear()
    park = client.get(f"/api/v1/summary?park={slug}&lang=en").get_json()["parks"][0]
    figures, hidden = _json_figures(park)
    figures += _csv_figures(client.get(f"/parks/{slug}/summary.csv").get_data(as_text=True))
    names = {n["en"]: g for g, n in catalogue.load().groups.items()}
    figures += _park_page_figures(client.get(f"/parks/{slug}?lang=en").get_data(as_text=True), names)
    figures += _front_page_figures(client.get("/?lang=en").get_data(as_text=True), slug)
    return figures, hidden, park


# ------------------------------------------------------------- what the outsider can infer


class Outsider:
    """The park as the outsider models it, with the true values (from the database) beside.

    Unknowns: ("d", exchange, month) tonnes delivered, ("c", exchange) agreed tonnes a month,
    ("p", exchange) tonnes a month of an approved or proposed exchange, ("l", listing)."""

    def __init__(self, session, park: Park, json_park: dict):
        cat = catalogue.load()
        self.today = TODAY
        closed_only = "last_closed_month" in json_park  # the code before it counted every month
        first_open = self.today.replace(day=1)
        offer, want = {}, {}
        for listing in session.exec(select(Listing).join(Factory).where(Factory.park_id == park.id)):
            (offer if listing.kind == "offer" else want)[listing.id] = listing
        listings = {**offer, **want}
        proposals = list(session.exec(select(Proposal).where(Proposal.park_id == park.id)))
        self.consent = {f.id for f in session.exec(select(Factory).where(
            Factory.park_id == park.id, Factory.publish_figures))}  # fmt: skip
        self.owner: dict[tuple, set[int]] = {}
        self.ratio: dict[tuple, float] = {}
        self.truth: dict[tuple, float] = {}
        self.cells: dict[str, list[tuple]] = defaultdict(list)
        running = [p for p in proposals if p.status in RUNNING]
        deliveries = defaultdict(float)
        for d in session.exec(select(Delivery).where(
                col(Delivery.proposal_id).in_([p.id for p in running] or [-1]))):  # fmt: skip
            deliveries[(d.proposal_id, d.month)] = d.tonnes
        months = {m for _p, m in deliveries}
        months |= {date.fromisoformat(r["month"] + "-01") for r in json_park["by_month"]}
        if closed_only:
            months = {m for m in months if m < first_open}
        group_of = {p.id: cat.get(p.material_key).group for p in proposals}
        shown_groups = {r["group"] for r in json_park["by_group"]}
        for p in running:
            pair = {listings[p.offer_id].factory_id, listings[p.want_id].factory_id}
            ratio = p.net_saved_kg_co2e / p.tonnes_per_month
            for m in sorted(months):
                atom = ("d", p.id, m)
                self.owner[atom], self.ratio[atom] = pair, ratio
                self.truth[atom] = deliveries.get((p.id, m), 0.0)
                label = m.strftime("%Y-%m")
                self.cells["delivered:since_start"].append(atom)
                if m.year == self.today.year:
                    self.cells["delivered:this_year"].append(atom)
                if (m.year, m.month) == (self.today.year, self.today.month):
                    self.cells["delivered:this_month"].append(atom)
                if label == json_park.get("last_closed_month"):
                    self.cells["delivered:last_month"].append(atom)
                self.cells[f"month:{label}"].append(atom)
                group = group_of[p.id]
                self.cells[f"group:{group if group in shown_groups else 'small-groups'}"].append(atom)
                if group not in shown_groups:
                    self.cells[f"group:{group}"].append(atom)
            if p.status == "active":
                atom = ("c", p.id)
                self.owner[atom], self.ratio[atom] = pair, ratio
                self.truth[atom] = p.tonnes_per_month
                self.cells["contracted"].append(atom)
        for p in proposals:
            if p.status in ("approved", "proposed"):
                atom = ("p", p.id)
                self.owner[atom] = {listings[p.offer_id].factory_id, listings[p.want_id].factory_id}
                self.ratio[atom] = p.net_saved_kg_co2e / p.tonnes_per_month
                self.truth[atom] = p.tonnes_per_month
                self.cells[f"potential:{p.status}"].append(atom)
        for listing in listings.values():
            if listing.status == ListingStatus.active:
                atom = ("l", listing.id)
                self.owner[atom], self.ratio[atom] = {listing.factory_id}, 0.0
                self.truth[atom] = listing.tonnes_per_month
                self.cells[f"open:{listing.kind}"].append(atom)
        self.atoms = sorted(self.owner, key=repr)
        self.column = {a: n for n, a in enumerate(self.atoms)}

    def true(self, atoms, measure: str) -> float:
        return sum(self.truth[a] * (self.ratio[a] if measure == "kg" else 1.0) for a in atoms)

    def read(self, figures: list[Figure]) -> None:
        """What the outsider read: each figure as two inequalities (it is an interval)."""
        rows, upper = [], []
        for f in figures:
            row = np.zeros(len(self.atoms))
            for a in self.cells.get(f.cell, []):
                row[self.column[a]] = self.ratio[a] if f.measure == "kg" else 1.0
            rows += [row, -row]
            upper += [f.high, -f.low]
        self.a_ub = np.array(rows) if rows else None
        self.b_ub = np.array(upper) if upper else None

    def bounds(self, atoms, measure: str) -> tuple[float, float]:
        """The least and greatest value of `atoms` summed in `measure`, given what was read."""
        cost = np.zeros(len(self.atoms))
        for a in atoms:
            cost[self.column[a]] = self.ratio[a] if measure == "kg" else 1.0
        out = []
        for sign in (1.0, -1.0):
            res = linprog(sign * cost, A_ub=self.a_ub, b_ub=self.b_ub, bounds=(0, None),
                          method="highs")  # fmt: skip
            if res.status == 3:  # unbounded
                out.append(-sign * float("inf"))
            else:
                assert res.status == 0, res.message  # the published figures are consistent
                out.append(sign * res.fun)
        return out[0], out[1]


def audit(session, client, park: Park) -> list[str]:
    """Every confidential quantity the outsider narrows to within 20 %, in words."""
    figures, hidden, json_park = published(client, park.slug)
    outsider = Outsider(session, park, json_park)
    outsider.read(figures)
    for f in figures:  # every figure the outsider reads is one the model knows how to sum
        assert f.cell in outsider.cells or f.high >= 0 >= f.low, f
    targets = [(cell, None, outsider.cells.get(cell, [])) for cell in sorted(hidden)]
    for cell, atoms in sorted(outsider.cells.items()):
        by_factory = defaultdict(list)
        for a in atoms:
            for factory_id in outsider.owner[a] - outsider.consent:
                by_factory[factory_id].append(a)
        targets += [(cell, fid, own) for fid, own in sorted(by_factory.items())]
    leaks, seen = [], set()
    for cell, factory_id, atoms in targets:
        for measure in ("tonnes", "kg"):
            key = (frozenset(atoms), measure)
            value = outsider.true(atoms, measure)
            if key in seen or abs(value) < 1e-6:
                continue
            seen.add(key)
            low, high = outsider.bounds(atoms, measure)
            slack = 1e-6 * max(1.0, abs(value))
            if low > value - PROTECTION * abs(value) + slack or (
                high < value + PROTECTION * abs(value) - slack
            ):
                who = "the figure" if factory_id is None else f"factory {factory_id}'s part"
                leaks.append(f"{cell} ({measure}): {who} is {value:,.1f}, "
                             f"known to lie in [{low:,.1f}, {high:,.1f}]")  # fmt: skip
    return leaks


# ------------------------------------------------------------------------------ the parks


SEPT, OCT = date(2026, 9, 1), date(2026, 10, 1)


def test_the_demo_park_leaks_nothing(app, client, session):
    from exchange.seed import load_demo

    with app.test_request_context():
        load_demo(session=session, history=True, today=TODAY)
        session.commit()
    park = session.exec(select(Park)).one()
    assert audit(session, client, park) == []
    figures, hidden, _json = published(client, park.slug)
    # four groups hidden (metals is shown since the catalogue credits
    # scrap by its WARM factor: three factories, none over 85 %); the rest shown on four pages
    assert len(hidden) == 4 and len(figures) > 40


def test_a_five_factory_park_leaks_nothing(app, client, session, world):
    """The issue's park: gypsum among four factories, and a pair's scrap in October only."""
    with app.test_request_context():
        d, e, f = (factory(session, world.park, s) for s in ("fd", "fe", "ff"))
        run = run_of(session, world.park)
        exchange(session, run, world.factory_a, world.factory_b, "fgd-gypsum", 100, 10_000,
                 [(SEPT, 60), (OCT, 50), (date(2026, 11, 1), 30)])  # fmt: skip
        exchange(session, run, d, e, "fgd-gypsum", 60, 6_000, [(SEPT, 40), (OCT, 50)])
        exchange(session, run, e, f, "scrap-steel", 20, 40_000, [(OCT, 84)])
        exchange(session, run, f, d, "coal-fly-ash", 150, 15_000, status=ProposalStatus.approved)
        session.commit()
    assert audit(session, client, world.park) == []


def test_a_two_factory_park_leaks_nothing(app, client, session, world):
    with app.test_request_context():
        run = run_of(session, world.park)
        exchange(session, run, world.factory_a, world.factory_b, "wastewater-sludge", 400,
                 40_000, [(SEPT, 468), (OCT, 468)])  # fmt: skip
        exchange(session, run, world.factory_b, world.factory_a, "waste-wood", 10, 1_000,
                 status=ProposalStatus.proposed)  # fmt: skip
        session.commit()
    assert audit(session, client, world.park) == []


MATERIALS = ["fgd-gypsum", "coal-fly-ash", "scrap-steel", "wastewater-sludge", "waste-wood"]
MONTHS = [date(2026, m, 1) for m in (7, 8, 9, 10, 11)]  # November is open


@st.composite
def random_parks(draw):
    n = draw(st.integers(min_value=2, max_value=7))
    consent = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    exchanges = draw(st.lists(st.tuples(
        st.integers(0, n - 1), st.integers(0, n - 1), st.sampled_from(MATERIALS),
        st.integers(1, 300), st.sampled_from(["active", "active", "ended", "approved", "proposed"]),
        st.lists(st.tuples(st.sampled_from(MONTHS), st.integers(1, 400)), max_size=4,
                 unique_by=lambda x: x[0])),
        min_size=1, max_size=8))  # fmt: skip
    return consent, [x for x in exchanges if x[0] != x[1]]


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(park=random_parks())
def test_random_parks_leak_nothing(app, client, session, park):
    consent, exchanges = park
    per_tonne = {"fgd-gypsum": 100, "coal-fly-ash": 300, "scrap-steel": 2000,
                 "wastewater-sludge": 50, "waste-wood": 800}  # fmt: skip
    with app.test_request_context():
        count = session.exec(select(Park)).all()
        p = Park(slug=f"random-{len(count)}", name_ko="무작위", name_en="Random")
        session.add(p)
        session.flush()
        factories = [factory(session, p, f"r{i}", consent=c) for i, c in enumerate(consent)]
        run = run_of(session, p)
        for a, b, material, tonnes, status, deliveries in exchanges:
            exchange(session, run, factories[a], factories[b], material, tonnes,
                     tonnes * per_tonne[material],
                     deliveries if status in RUNNING else [], status=status)  # fmt: skip
        session.commit()
    assert audit(session, client, p) == []


def test_the_audit_finds_what_a_published_pair_gives_away(app, client, session, world, monkeypatch):
    """The audit itself: with disclosure control switched off, the two-factory park's sludge
    tonnes are read off exactly."""
    from exchange import disclosure

    monkeypatch.setattr(disclosure, "suppress", lambda table, rules: set())
    with app.test_request_context():
        run = run_of(session, world.park)
        exchange(session, run, world.factory_a, world.factory_b, "wastewater-sludge", 400,
                 40_000, [(SEPT, 468), (OCT, 468)])  # fmt: skip
        session.commit()
    leaks = audit(session, client, world.park)
    assert any(leak.startswith("delivered:since_start (tonnes): the figure is 936.0")
               or "is 936.0, known to lie in [936.0, 936.0]" in leak for leak in leaks), leaks
    assert any(leak.startswith("month:2026-09 (tonnes)") for leak in leaks)
