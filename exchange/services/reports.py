"""A factory's ESG report: its exchanges, tonnes diverted and CO2e avoided over a period.

Figures are per exchange, from the deliveries recorded in the period, split the way the
matcher computes them: disposal avoided (the supplier's stream no longer disposed of),
virgin material avoided (what the receiver no longer buys), minus transport.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from exchange import catalogue
from exchange.models import Delivery, Factory, Listing, Proposal
from exchange.services.results import RUNNING


@dataclass
class ReportLine:
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

    @property
    def net_kg(self) -> float:
        return self.disposal_avoided_kg + self.virgin_avoided_kg - self.transport_kg


@dataclass
class FactoryReport:
    factory: Factory
    start: date
    end: date
    lines: list[ReportLine] = field(default_factory=list)
    factors: list[dict] = field(default_factory=list)

    def total(self, name: str, role: str | None = None) -> float:
        return sum(getattr(x, name) for x in self.lines if role in (None, x.role))


def month_start(text: str) -> date:
    """ "2026-03" (or a whole date) as the first day of that month; ValueError otherwise."""
    year, month = (int(x) for x in text.strip()[:7].split("-"))
    return date(year, month, 1)


def factory_report(*, session: Session, factory: Factory, start: date, end: date) -> FactoryReport:
    """The exchanges this factory supplies or receives, with deliveries from start to end
    (months, both included)."""
    report = FactoryReport(factory=factory, start=start, end=end)
    offer, want = Listing.__table__.alias("offer"), Listing.__table__.alias("want")
    rows = session.exec(
        select(Proposal, offer.c.factory_id, want.c.factory_id)
        .join(offer, offer.c.id == Proposal.offer_id).join(want, want.c.id == Proposal.want_id)
        .where(col(Proposal.status).in_(RUNNING))
        .where((offer.c.factory_id == factory.id) | (want.c.factory_id == factory.id))
        .order_by(col(Proposal.id))
    ).all()  # fmt: skip
    for proposal, offer_factory, want_factory in rows:
        for role, partner_id in (("supplier", want_factory), ("receiver", offer_factory)):
            if (offer_factory if role == "supplier" else want_factory) == factory.id:
                report.lines.append(_line(session, proposal, role, partner_id, start, end))
    report.factors = _factors({x.material_key for x in report.lines})
    return report


def _line(
    session: Session, p: Proposal, role: str, partner_id: int, start: date, end: date
) -> ReportLine:
    partner = session.get(Factory, partner_id)
    tonnes = sum(d.tonnes for d in session.exec(
        select(Delivery).where(Delivery.proposal_id == p.id, Delivery.month >= start, Delivery.month <= end)
    ))  # fmt: skip
    per = 1 / p.tonnes_per_month if p.tonnes_per_month else 0.0
    return ReportLine(
        proposal_id=p.id, role=role, material_key=p.material_key,
        partner_industry=partner.industry_en or partner.industry_ko,
        partner_industry_ko=partner.industry_ko or partner.industry_en, km=p.km, mode=p.mode,
        tonnes=tonnes, disposal_avoided_kg=tonnes * p.disposal_avoided_kg_co2e * per,
        virgin_avoided_kg=tonnes * p.virgin_avoided_kg_co2e * per,
        transport_kg=tonnes * p.transport_kg_co2e * per,
    )  # fmt: skip


def _factors(keys: set[str]) -> list[dict]:
    cat = catalogue.load()
    out = []
    for key in sorted(keys):
        m = cat.get(key)
        if m is None:
            continue
        for kind, factor in (
            ("disposal", m.disposal),
            ("virgin material avoided", m.virgin_avoided),
        ):
            if factor:
                source = cat.sources.get(factor.source, {})
                out.append({"material": m.en, "material_ko": m.ko, "kind": kind,
                            "kg_co2e_per_t": factor.kg_co2e_per_t, "estimate": factor.estimate,
                            "source": source.get("title", factor.source), "year": source.get("year")})  # fmt: skip
    return out


def method_text() -> str:
    return _(
        "For each exchange the delivered tonnes of the period are multiplied by the exchange's "
        "figures per tonne, as the matcher computed them: the disposal emissions the supplier no "
        "longer causes, the emissions of the virgin material the receiver no longer buys, minus "
        "the transport between the two sites (road or rail distance times the mode's factor per "
        "tonne-km). The figures are those of the whole exchange; how they are shared between the "
        "two firms in a disclosure is for the firms to agree. Factors marked * are estimates."
    )


def report_csv_rows(report: FactoryReport) -> list[list]:
    rows = [["factory", "period_start", "period_end", "exchange", "role", "material", "partner_industry",
             "km", "mode", "tonnes", "disposal_avoided_kg_co2e", "virgin_avoided_kg_co2e",
             "transport_kg_co2e", "net_kg_co2e"]]  # fmt: skip
    for x in report.lines:
        rows.append([report.factory.name, report.start.isoformat(), report.end.isoformat(), x.proposal_id,
                     x.role, x.material_key, x.partner_industry, round(x.km, 2), x.mode, round(x.tonnes, 3),
                     round(x.disposal_avoided_kg, 1), round(x.virgin_avoided_kg, 1),
                     round(x.transport_kg, 1), round(x.net_kg, 1)])  # fmt: skip
    return rows
