"""A factory's ESG report for a period, as firms file it: GRI 306 waste tables, CO2e avoided
by its exchanges and a GHG-Protocol Scope 3 category 5 figure, the K-ESG waste indicators,
month by month, with the method and every factor's source.

Shapes (all tonnes are metric tonnes, all CO2e in kg unless a name says t):

- waste generated (GRI 306-3), month m, offer listing L of the factory: L's tonnes per month as
  L stood at the end of m in the park's calendar (its last recorded version by then), when it
  existed and was not withdrawn then and m lies within its availability; never less than what
  its exchanges delivered in m (a delivery is a fact, a listing an estimate);
- diverted from disposal (306-4): what L's exchanges delivered in m ("recycling", off site,
  since the receiver uses it in place of virgin material; "energy recovery" instead, reported
  under 306-5 as GRI wants, where the material replaces a fuel), plus the rest of L's stream
  when L says it goes to recycling today;
- directed to disposal (306-5): the rest of L's stream, by L's disposal route (landfill,
  incineration with or without energy recovery, other disposal for treatment, other or none);
- Scope 3 category 5: that rest times the end-of-life factor of its route (L's own figure
  where it gives one, else the catalogue's factor for the route);
- CO2e avoided per exchange: delivered tonnes times the exchange's figures per tonne (as the
  matcher computed them when it proposed the exchange), split into disposal avoided, virgin
  material avoided and transport; a firm claims `supplier_share` of an exchange's net saving
  as its supplier and the rest as its receiver, so the two firms' claims add up to the
  exchange's saving once (the park's totals count each exchange once).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from exchange import catalogue, park_calendar
from exchange.models import (
    Delivery,
    Factory,
    Listing,
    ListingChange,
    ListingKind,
    ListingStatus,
    Park,
    Proposal,
)
from exchange.services.results import RUNNING

DEFAULT_SUPPLIER_SHARE = 50.0  # per cent of an exchange's net saving the supplier may claim

# GRI 306-4 recovery operations and 306-5 disposal operations, in the order GRI lists them
RECOVERY = ("reuse", "recycling", "other_recovery")
DISPOSAL = ("energy_recovery", "incineration", "landfill", "other_disposal")

# a listing's disposal route -> (GRI disclosure, operation)
_ROUTE_OPERATION = {
    "recycling": ("306-4", "recycling"),
    "landfill": ("306-5", "landfill"),
    "incineration": ("306-5", "incineration"),
    "energy_recovery": ("306-5", "energy_recovery"),
    "treatment": ("306-5", "other_disposal"),
}
# a by-product that replaces one of these is burnt by its receiver: energy recovery for GRI
_FUELS = ("coal", "fuel oil", "heavy fuel oil", "bunker c")


def operation_name(operation: str) -> str:
    """A GRI 306 operation in the reader's language."""
    return {
        "reuse": _("Preparation for reuse"),
        "recycling": _("Recycling"),
        "other_recovery": _("Other recovery operations"),
        "energy_recovery": _("Incineration (with energy recovery)"),
        "incineration": _("Incineration (without energy recovery)"),
        "landfill": _("Landfilling"),
        "other_disposal": _("Other disposal operations"),
    }[operation]


@dataclass
class ReportLine:
    """One exchange seen from this factory: tonnes delivered in the period and the CO2e the
    exchange avoided (kg, whole exchange), with the part this factory claims."""

    proposal_id: int
    role: str  # "supplier" (our offer) or "receiver" (our want)
    material_key: str
    partner_industry: str
    partner_industry_ko: str
    km: float
    mode: str
    tonnes: float = 0.0
    disposal_avoided_kg: float = 0.0
    virgin_avoided_kg: float = 0.0
    transport_kg: float = 0.0
    share: float = 0.5  # the fraction of the net saving this factory claims

    @property
    def net_kg(self) -> float:
        return self.disposal_avoided_kg + self.virgin_avoided_kg - self.transport_kg

    @property
    def claimed_kg(self) -> float:
        return self.net_kg * self.share


@dataclass
class WasteCell:
    """Tonnes of one GRI operation, split hazardous / non-hazardous."""

    hazardous: float = 0.0
    non_hazardous: float = 0.0

    @property
    def total(self) -> float:
        return self.hazardous + self.non_hazardous

    def add(self, tonnes: float, hazardous: bool) -> None:
        if hazardous:
            self.hazardous += tonnes
        else:
            self.non_hazardous += tonnes


@dataclass
class Month:
    """One month of the period (t and kg CO2e)."""

    month: date
    generated: float = 0.0
    diverted: float = 0.0  # 306-4
    disposed: float = 0.0  # 306-5
    exchanged_out: float = 0.0  # delivered to other factories
    received: float = 0.0  # received from other factories in place of virgin material
    net_kg: float = 0.0  # the whole exchanges' net saving
    claimed_kg: float = 0.0  # this factory's part of it
    scope3_kg: float = 0.0
    incomplete: bool = False  # the month has not ended yet: its deliveries are not all recorded


def month_label(month: Month) -> str:
    """"2026-12", marked when the month is still running."""
    text = f"{month.month:%Y-%m}"
    return _("%(month)s (incomplete)", month=text) if month.incomplete else text


def incomplete_note() -> str:
    return _("A month marked incomplete has not ended yet in the park's calendar: its deliveries "
             "are not all recorded, so more of its waste shows as directed to disposal than will.")


@dataclass
class FactoryReport:
    factory: Factory
    park: Park
    start: date
    end: date
    issued: date
    supplier_share: float = DEFAULT_SUPPLIER_SHARE  # per cent
    lines: list[ReportLine] = field(default_factory=list)
    factors: list[dict] = field(default_factory=list)
    generated: dict[str, WasteCell] = field(default_factory=dict)  # material key -> 306-3
    recovery: dict[str, WasteCell] = field(default_factory=dict)  # 306-4 operation -> t
    disposal: dict[str, WasteCell] = field(default_factory=dict)  # 306-5 operation -> t
    scope3_kg: float = 0.0
    months: list[Month] = field(default_factory=list)

    def total(self, name: str, role: str | None = None) -> float:
        return sum(getattr(x, name) for x in self.lines if role in (None, x.role))

    @staticmethod
    def sum_cells(table: dict[str, WasteCell]) -> WasteCell:
        """The total of a table's cells, hazardous and non-hazardous apart."""
        out = WasteCell()
        for cell in table.values():
            out.hazardous += cell.hazardous
            out.non_hazardous += cell.non_hazardous
        return out

    @property
    def generated_t(self) -> float:
        return sum(c.total for c in self.generated.values())

    @property
    def diverted_t(self) -> float:
        return sum(c.total for c in self.recovery.values())

    @property
    def disposed_t(self) -> float:
        return sum(c.total for c in self.disposal.values())

    @property
    def recycling_rate(self) -> float | None:
        """K-ESG 폐기물 재활용 비율: diverted over generated, per cent (None with no waste)."""
        return 100 * self.diverted_t / self.generated_t if self.generated_t else None


def month_start(text: str) -> date:
    """ "2026-03" (or a whole date) as the first day of that month; ValueError otherwise."""
    year, month = (int(x) for x in text.strip()[:7].split("-"))
    return date(year, month, 1)


def default_period(park: Park, now: datetime | None = None) -> tuple[date, date]:
    """January to the last closed month of that month's year, in the park's own calendar: a
    month still running has deliveries yet to record, so it would show its whole stream as
    disposed of (on 15 January 2027 the default is the whole of 2026)."""
    last = park_calendar.add_months(park_calendar.park_today(park, now), -1)
    return date(last.year, 1, 1), last


def factory_name(factory: Factory, locale: str) -> str:
    """The factory's name in the report's language: the Korean name in Korean; in English its
    English name, else its Korean name romanised (letter by letter, marked as such)."""
    if locale == "ko" or not factory.name:
        return factory.name or factory.name_en
    if factory.name_en:
        return factory.name_en
    if not any("\uac00" <= ch <= "\ud7a3" for ch in factory.name):
        return factory.name
    from hangul_romanize import Transliter
    from hangul_romanize.rule import academic

    return _("%(name)s (romanised)", name=Transliter(academic).translit(factory.name))


def park_name(park: Park, locale: str) -> str:
    return park.name_ko if locale == "ko" else (park.name_en or park.name_ko)


def _months(start: date, end: date) -> list[date]:
    out, m = [], start
    while m <= end:
        out.append(m)
        m = park_calendar.add_months(m, 1)
    return out


def _month_end_utc(month: date, park: Park) -> datetime:
    """The last instant of `month` in the park's zone, as naive UTC (as the database stores)."""
    local = datetime.combine(park_calendar.add_months(month, 1), time(), park_calendar.park_zone(park))
    return (local - timedelta(microseconds=1)).astimezone(UTC).replace(tzinfo=None)


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _as_of(listing: Listing, changes: list[ListingChange], when: datetime) -> dict | None:
    """The listing as it stood at `when` (naive UTC): the snapshot of its last change by then,
    None when it did not exist yet."""
    if _naive_utc(listing.created_at) > when:
        return None
    state = None
    for change in changes:  # in order of time
        if _naive_utc(change.at) <= when:
            state = change.snapshot or state
    if state is None:
        state = {"tonnes_per_month": listing.tonnes_per_month, "status": listing.status,
                 "hazardous": listing.hazardous, "disposal_route": listing.disposal_route,
                 "disposal_kg_co2e_per_t": listing.disposal_kg_co2e_per_t,
                 "available_from": listing.available_from, "available_until": listing.available_until}  # fmt: skip
    return state


def _day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def route_factor(material_key: str, route: str | None) -> tuple[str, catalogue.Factor | None]:
    """The catalogue's end-of-life factor for a stream of `material_key` going by `route`, and
    the route it is for. Reads per-route factors where the catalogue has them (`route_factor`),
    else its one disposal factor, so the catalogue's own data decides."""
    m = catalogue.load().get(material_key)
    if m is None:
        return route or "landfill", None
    by_route = getattr(m, "route_factor", None)
    if by_route is not None:
        return by_route(route)
    return route or "landfill", m.disposal


def factory_report(
    *,
    session: Session,
    factory: Factory,
    start: date,
    end: date,
    now: datetime | None = None,
) -> FactoryReport:
    """The factory's report for the months `start` to `end` (first days, both included)."""
    park = session.get(Park, factory.park_id)
    share = getattr(park, "esg_supplier_share", None)
    share = DEFAULT_SUPPLIER_SHARE if share is None else float(share)
    report = FactoryReport(factory=factory, park=park, start=start, end=end,
                           issued=park_calendar.park_today(park, now), supplier_share=share)  # fmt: skip
    this_month = park_calendar.month_start(report.issued)
    months = {m: Month(month=m, incomplete=m >= this_month) for m in _months(start, end)}
    cat = catalogue.load()

    # the exchanges, with their deliveries in the period
    offer, want = Listing.__table__.alias("offer"), Listing.__table__.alias("want")
    rows = session.exec(
        select(Proposal, offer.c.factory_id, want.c.factory_id)
        .join(offer, offer.c.id == Proposal.offer_id).join(want, want.c.id == Proposal.want_id)
        .where(col(Proposal.status).in_(RUNNING))
        .where((offer.c.factory_id == factory.id) | (want.c.factory_id == factory.id))
        .order_by(col(Proposal.id))
    ).all()  # fmt: skip
    delivered: dict[tuple[int, date], float] = defaultdict(float)  # (offer id, month) -> t
    for proposal, offer_factory, want_factory in rows:
        per = 1 / proposal.tonnes_per_month if proposal.tonnes_per_month else 0.0
        deliveries = session.exec(
            select(Delivery).where(Delivery.proposal_id == proposal.id,
                                   Delivery.month >= start, Delivery.month <= end)
        ).all()  # fmt: skip
        for role, partner_id, mine in (("supplier", want_factory, offer_factory),
                                       ("receiver", offer_factory, want_factory)):  # fmt: skip
            if mine != factory.id:
                continue
            partner = session.get(Factory, partner_id)
            line = ReportLine(
                proposal_id=proposal.id, role=role, material_key=proposal.material_key,
                # an English report shows no Korean: the industry's KSIC code stands in for it
                partner_industry=partner.industry_en or (f"KSIC {partner.ksic}" if partner.ksic else "—"),
                partner_industry_ko=partner.industry_ko or partner.industry_en,
                km=proposal.km, mode=proposal.mode,
                share=share / 100 if role == "supplier" else 1 - share / 100,
            )  # fmt: skip
            for d in deliveries:
                line.tonnes += d.tonnes
                line.disposal_avoided_kg += d.tonnes * proposal.disposal_avoided_kg_co2e * per
                line.virgin_avoided_kg += d.tonnes * proposal.virgin_avoided_kg_co2e * per
                line.transport_kg += d.tonnes * proposal.transport_kg_co2e * per
                month = months[park_calendar.month_start(d.month)]
                net = d.tonnes * (proposal.disposal_avoided_kg_co2e + proposal.virgin_avoided_kg_co2e
                                  - proposal.transport_kg_co2e) * per  # fmt: skip
                month.net_kg += net
                month.claimed_kg += net * line.share
                if role == "supplier":
                    month.exchanged_out += d.tonnes
                    delivered[(proposal.offer_id, month.month)] += d.tonnes
                else:
                    month.received += d.tonnes
            report.lines.append(line)

    # the waste the factory generates: its offers, month by month (GRI 306-3/4/5, Scope 3 cat. 5)
    offers = session.exec(
        select(Listing).where(Listing.factory_id == factory.id, Listing.kind == ListingKind.offer)
        .order_by(col(Listing.id))
    ).all()  # fmt: skip
    used: list[dict] = [row for proposal, *_ in rows for row in _exchange_factors(session, proposal)]
    for listing in offers:
        changes = list(session.exec(
            select(ListingChange).where(ListingChange.listing_id == listing.id)
            .order_by(col(ListingChange.at), col(ListingChange.id))
        ))  # fmt: skip
        material = cat.get(listing.material_key)
        fuel = bool(material and material.replaces_en.lower().startswith(_FUELS))
        for m, month in months.items():
            state = _as_of(listing, changes, _month_end_utc(m, park))
            stated = 0.0
            if state is not None and state.get("status") != ListingStatus.withdrawn:
                first, last = _day(state.get("available_from")), _day(state.get("available_until"))
                if (first is None or first < park_calendar.add_months(m, 1)) and (last is None or last >= m):
                    stated = float(state.get("tonnes_per_month") or 0)
            out = delivered.get((listing.id, m), 0.0)
            generated = max(stated, out)
            if not generated:
                continue
            hazardous = bool((state or {}).get("hazardous", listing.hazardous))
            report.generated.setdefault(listing.material_key, WasteCell()).add(generated, hazardous)
            month.generated += generated
            if out:
                kind = "energy_recovery" if fuel else "recycling"
                target = report.disposal if fuel else report.recovery
                target.setdefault(kind, WasteCell()).add(out, hazardous)
                if fuel:
                    month.disposed += out
                else:
                    month.diverted += out
            rest = generated - out
            if rest <= 0:
                continue
            route = (state or {}).get("disposal_route") or None
            disclosure, operation = _ROUTE_OPERATION.get(route or "", ("306-5", "other_disposal"))
            if disclosure == "306-4":
                report.recovery.setdefault(operation, WasteCell()).add(rest, hazardous)
                month.diverted += rest
            else:
                report.disposal.setdefault(operation, WasteCell()).add(rest, hazardous)
                month.disposed += rest
            own = (state or {}).get("disposal_kg_co2e_per_t")
            if own is not None:
                factor_kg = float(own)
                used.append(_factor_row(listing.material_key, "disposal", route or "", factor_kg, "listing"))
            else:
                factor_route, factor = route_factor(listing.material_key, route)
                factor_kg = factor.kg_co2e_per_t if factor else 0.0
                if factor is not None:
                    used.append(_factor_row(listing.material_key, "disposal", factor_route, factor_kg,
                                            factor.source, factor))  # fmt: skip
            month.scope3_kg += rest * factor_kg
            report.scope3_kg += rest * factor_kg

    report.months = list(months.values())
    report.factors = _unique(used)
    return report


def _exchange_factors(session: Session, proposal: Proposal) -> list[dict]:
    """The two per-tonne factors an exchange's figures were computed with: the disposal factor
    of its offer's route and the virgin-material factor of its want, as the proposal's run
    credited them (the run's problem file, as the proposal pages show them); where that file
    is gone or predates the record, what the run would use today (`problems.disposal_factor`
    and the want's own figure or the catalogue's)."""
    from exchange.services.problems import disposal_factor
    from exchange.services.proposal_pages import factors_used

    key = proposal.material_key
    m = catalogue.load().get(key)
    used = factors_used(session=session, proposal=proposal) or {}
    disposal, virgin = used.get("disposal") or {}, used.get("virgin") or {}
    if not disposal.get("source"):
        offer = session.get(Listing, proposal.offer_id)
        disposal = disposal_factor(offer) if offer else {}
    if not virgin.get("source"):
        want = session.get(Listing, proposal.want_id)
        if want is not None and want.avoided_kg_co2e_per_t is not None:
            virgin = {"kg_co2e_per_t": want.avoided_kg_co2e_per_t, "source": "listing"}
        elif m is not None and m.virgin_avoided is not None:
            virgin = {"kg_co2e_per_t": m.virgin_avoided.kg_co2e_per_t, "source": m.virgin_avoided.source}
    out = []
    if disposal.get("source") not in (None, "none"):
        route = disposal.get("route") or ""
        known = m.routes.get(route) if m else None
        out.append(_factor_row(key, "disposal", route, disposal["kg_co2e_per_t"], disposal["source"],
                               known, estimate=bool(disposal.get("estimate"))))  # fmt: skip
    if virgin.get("source") not in (None, "none"):
        out.append(_factor_row(key, "virgin", "", virgin["kg_co2e_per_t"], virgin["source"],
                               m.virgin_avoided if m else None))  # fmt: skip
    return out


def _factor_row(key: str, kind: str, route: str, kg: float, source_key: str,
                known: catalogue.Factor | None = None, estimate: bool | None = None) -> dict:
    """One row of the factor table: {"material", "material_ko", "kind", "route",
    "kg_co2e_per_t", "estimate", "basis", "basis_ko", "source_key", "source", "source_ko",
    "year"}. `source_key` "listing" is a listing's own figure (no source, no year); `known`
    is the catalogue's factor the figure came from, for its basis (taken only when it is the
    same figure from the same source)."""
    cat = catalogue.load()
    m = cat.get(key)
    if known is not None and (known.source != source_key or abs(known.kg_co2e_per_t - float(kg)) > 1e-9):
        known = None
    source = {} if source_key == "listing" else cat.sources.get(source_key, {})
    title = source.get("title", "" if source_key == "listing" else source_key)
    return {"material_key": key, "material": m.en if m else key, "material_ko": m.ko if m else key, "kind": kind,
            "route": route, "kg_co2e_per_t": float(kg),
            "estimate": bool(known.estimate if known else estimate),
            "basis": known.basis if known else "", "basis_ko": known.basis_ko if known else "",
            "source_key": source_key, "source": title, "source_ko": source.get("title_ko") or title,
            "year": source.get("year")}  # fmt: skip


def _unique(rows: list[dict]) -> list[dict]:
    """The factor rows once each, exchanges' first, in the order the report met them."""
    out, seen = [], set()
    for row in rows:
        mark = (row["material"], row["kind"], row["route"], round(row["kg_co2e_per_t"], 6), row["source_key"])
        if mark not in seen:
            seen.add(mark)
            out.append(row)
    return out


def factor_source(f: dict, locale: str) -> str:
    """A factor's source in the reader's language, an estimate marked * with its basis; a
    listing's own figure says so."""
    if f.get("source_key") == "listing":
        return _("The listing's own figure")
    source = f["source_ko"] if locale == "ko" else f["source"]
    if not f["estimate"]:
        return source
    basis = f["basis_ko"] if locale == "ko" else f["basis"]
    return f"{source} * {basis}" if basis else f"{source} *"


def factor_name(f: dict) -> str:
    """What a factor-table row is the factor of: the disposal route, or the virgin material."""
    if f["kind"] == "virgin":
        return _("Virgin material avoided")
    return route_name(f["route"]) if f["route"] else operation_name("other_disposal")


def route_name(route: str) -> str:
    return {
        "landfill": _("Landfill"),
        "incineration": _("Incineration"),
        "energy_recovery": _("Incineration with energy recovery"),
        "recycling": _("Recycling"),
        "treatment": _("Treatment"),
        "": _("Virgin material avoided"),
    }.get(route, route)


def method_text(report: FactoryReport | None = None) -> list[str]:
    """The method, paragraph by paragraph, in the reader's language."""
    share = report.supplier_share if report else DEFAULT_SUPPLIER_SHARE
    return [
        _("Waste generated (GRI 306-3) is the factory's listed by-product streams: each month, "
          "the tonnes per month of each offer as it stood at the end of the month in the park's "
          "calendar, and never less than what its exchanges delivered that month."),
        _("Waste diverted from disposal (GRI 306-4) is what the factory's exchanges delivered "
          "to other factories, used there in place of virgin material (recycling, off site), and "
          "the rest of any stream the factory says it already sends to recycling. Waste directed "
          "to disposal (GRI 306-5) is the rest of each stream by the disposal route its listing "
          "gives; a stream with no route is counted as other disposal. A by-product burnt as fuel "
          "counts as incineration with energy recovery, as GRI 306-5 asks. Hazardous means "
          "declared hazardous on the listing."),
        _("CO2e avoided: for each exchange the delivered tonnes of the period are multiplied by "
          "the exchange's figures per tonne, as the matcher computed them: the disposal "
          "emissions the supplier no longer causes, the emissions of the virgin material the "
          "receiver no longer buys, minus the transport between the two sites (distance times "
          "the mode's factor per tonne-km)."),
        _("Sharing: the two firms of an exchange share its net saving; by the park's setting the "
          "supplier claims %(supplier)s and the receiver %(receiver)s, so the two claims "
          "add up to the exchange's saving once and the park's totals count every exchange once.",
          supplier=percent(share), receiver=percent(100 - share)),
        _("Scope 3 category 5 (waste generated in operations, GHG Protocol) is the waste still "
          "directed to disposal or recycling outside the exchanges, times the end-of-life factor "
          "of its route: the listing's own figure where it gives one, else the catalogue's."),
        _("K-ESG (Ministry of Trade, Industry and Energy, 2021): waste generated, the waste "
          "recycling rate (diverted over generated) and recycled input (tonnes received in place "
          "of virgin material). The guideline divides waste by revenue and recycled input by "
          "all raw material used: neither is held here, so the firm divides by its own figures."),
        _("Factors marked * are estimates; their basis says how they were made."),
    ]


def percent(value: float) -> str:
    """A share as "50 %", the space one that never breaks the line."""
    return f"{value:g}\u00a0%"


def factor_text(value: float) -> str:
    """A factor as published, for a spreadsheet: up to 3 decimals, no trailing zeros
    ("8.98", "2761.3", "50")."""
    return f"{float(value):.3f}".rstrip("0").rstrip(".")


def factor_figure(value: float) -> str:
    """A factor as published, in the reader's number format: up to 3 decimals, no trailing
    zeros ("8.98", "2,761.3", "50"); never rounded to whole or tenths as other figures are."""
    from flask_babel import format_decimal

    return format_decimal(round(float(value), 3), format="#,##0.###")


def _r(value: float, digits: int = 3) -> float:
    return round(value + 0.0, digits)


def report_csv_rows(report: FactoryReport, locale: str = "en") -> list[list]:
    """Every figure of the report, one a row: section, item, operation, month, role,
    material, hazardous, value, unit (codes and English words, for spreadsheets)."""
    rows = [["factory", "period_start", "period_end", "issued", "issuer", "section", "item",
             "month", "exchange", "role", "material", "partner_industry", "hazardous", "value", "unit",
             "source", "source_year"]]  # fmt: skip
    head = [factory_name(report.factory, locale), report.start.isoformat(), report.end.isoformat(),
            report.issued.isoformat(), park_name(report.park, locale)]  # fmt: skip

    def add(section, item, value, unit, month="", exchange="", role="", material="", partner="", hazardous="",
            source="", year=""):  # fmt: skip
        rows.append([*head, section, item, month, exchange, role, material, partner, hazardous, value, unit,
                     source, year])  # fmt: skip

    for key, cell in sorted(report.generated.items()):
        for hazardous, tonnes in (("yes", cell.hazardous), ("no", cell.non_hazardous)):
            if tonnes:
                add("GRI 306-3", "waste generated", _r(tonnes), "t", material=key, hazardous=hazardous)
    add("GRI 306-3", "waste generated, total", _r(report.generated_t), "t")
    for section, table, operations in (("GRI 306-4", report.recovery, RECOVERY),
                                       ("GRI 306-5", report.disposal, DISPOSAL)):  # fmt: skip
        for operation in operations:
            cell = table.get(operation, WasteCell())
            add(section, operation, _r(cell.hazardous), "t", hazardous="yes")
            add(section, operation, _r(cell.non_hazardous), "t", hazardous="no")
    for x in report.lines:
        common = {"exchange": x.proposal_id, "role": x.role, "material": x.material_key,
                  "partner": x.partner_industry}  # fmt: skip
        add("exchange", "tonnes", _r(x.tonnes), "t", **common)
        add("exchange", "disposal avoided", _r(x.disposal_avoided_kg, 1), "kg CO2e", **common)
        add("exchange", "virgin material avoided", _r(x.virgin_avoided_kg, 1), "kg CO2e", **common)
        add("exchange", "transport", _r(x.transport_kg, 1), "kg CO2e", **common)
        add("exchange", "net avoided", _r(x.net_kg, 1), "kg CO2e", **common)
        add("exchange", "claimed by this factory", _r(x.claimed_kg, 1), "kg CO2e", **common)
    add("CO2e", "disposal avoided", _r(report.total("disposal_avoided_kg"), 1), "kg CO2e")
    add("CO2e", "virgin material avoided", _r(report.total("virgin_avoided_kg"), 1), "kg CO2e")
    add("CO2e", "transport", _r(report.total("transport_kg"), 1), "kg CO2e")
    add("CO2e", "net avoided by the exchanges", _r(report.total("net_kg"), 1), "kg CO2e")
    add("CO2e", "claimed by this factory", _r(report.total("claimed_kg"), 1), "kg CO2e")
    add("CO2e", "supplier share of a saving", _r(report.supplier_share, 2), "%")
    add("GHG Protocol Scope 3", "category 5, waste generated in operations", _r(report.scope3_kg, 1), "kg CO2e")  # fmt: skip
    add("K-ESG", "waste generated", _r(report.generated_t), "t")
    rate = report.recycling_rate
    add("K-ESG", "waste recycling rate", "" if rate is None else _r(rate, 2), "%")
    add("K-ESG", "recycled input received", _r(report.total("tonnes", "receiver")), "t")
    for m in report.months:
        month = f"{m.month:%Y-%m}"
        for item, value, unit in (("waste generated", m.generated, "t"), ("diverted", m.diverted, "t"),
                                  ("directed to disposal", m.disposed, "t"),
                                  ("received", m.received, "t"),
                                  ("net avoided by the exchanges", m.net_kg, "kg CO2e"),
                                  ("claimed by this factory", m.claimed_kg, "kg CO2e"),
                                  ("scope 3 category 5", m.scope3_kg, "kg CO2e")):  # fmt: skip
            add("month", item, _r(value, 3 if unit == "t" else 1), unit, month=month)
        if m.incomplete:
            add("month", "incomplete (not ended yet)", "yes", "", month=month)
    for f in report.factors:
        item = "virgin material avoided" if f["kind"] == "virgin" else f"disposal, {f['route'] or 'other'}"
        source = "listing's own figure" if f.get("source_key") == "listing" else factor_source(f, "en")
        add("factor", item, factor_text(f["kg_co2e_per_t"]), "kg CO2e/t", material=f.get("material_key", ""),
            source=source, year=f["year"] or "")  # fmt: skip
    return rows
