"""A factory's ESG report as PDF (ReportLab; its CID font carries Korean without a font file)."""

from __future__ import annotations

import io
from html import escape

from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from exchange import catalogue
from exchange.services.reports import FactoryReport, method_text

KOREAN_FONT = "HYGothic-Medium"
pdfmetrics.registerFont(UnicodeCIDFont(KOREAN_FONT))


def _n(value: float, digits: int = 1) -> str:
    return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""))


def _styles():
    base = getSampleStyleSheet()
    font = KOREAN_FONT  # Latin text renders in it too, so one font serves both languages
    return {
        "title": ParagraphStyle("t", parent=base["Title"], fontName=font, fontSize=18, leading=24),
        "h2": ParagraphStyle("h", parent=base["Heading2"], fontName=font, fontSize=12, leading=16),
        "body": ParagraphStyle("b", parent=base["BodyText"], fontName=font, fontSize=9, leading=13),
        "font": font,
    }


def _table(
    rows: list[list[str]], widths: list[float], font: str, numeric: tuple[int, ...] = ()
) -> Table:
    """Cells as paragraphs, so long names and sources wrap instead of running over."""
    cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10)
    right = ParagraphStyle("num", parent=cell, alignment=2)
    rows = [[Paragraph(escape(str(v)), right if j in numeric and i else cell) for j, v in enumerate(row)]
            for i, row in enumerate(rows)]  # fmt: skip
    table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font, 8.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f3ee")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c9d4d6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))  # fmt: skip
    return table


def report_pdf(report: FactoryReport) -> bytes:
    s = _styles()
    cat = catalogue.load()
    lang = str(get_locale() or "ko")
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm,
                            title=_("Exchange report"), author=report.factory.name)  # fmt: skip
    period = f"{report.start:%Y-%m} – {report.end:%Y-%m}"
    story = [
        Paragraph(
            _("Industrial symbiosis report: %(factory)s", factory=report.factory.name), s["title"]
        ),
        Paragraph(
            _(
                "Period: %(period)s. Business registration number: %(brn)s.",
                period=period,
                brn=report.factory.brn or "—",
            ),
            s["body"],
        ),  # fmt: skip
        Spacer(1, 6 * mm),
        Paragraph(_("Summary"), s["h2"]),
        _table(
            [
                [_("Figure"), "", _("Value")],
                [
                    _("Tonnes supplied to other factories (kept out of disposal)"),
                    "",
                    _n(report.total("tonnes", "supplier")) + " t",
                ],
                [
                    _("Tonnes received in place of virgin material"),
                    "",
                    _n(report.total("tonnes", "receiver")) + " t",
                ],
                [
                    _("Net CO2e avoided by these exchanges"),
                    "",
                    _n(report.total("net_kg") / 1000, 2) + " t CO2e",
                ],
            ],
            [110, 10, 50],
            s["font"],
        ),  # fmt: skip
        Spacer(1, 4 * mm),
        Paragraph(_("Exchanges"), s["h2"]),
    ]
    rows = [[_("Role"), _("Material"), _("Partner (industry)"), _("Tonnes"), _("Disposal avoided"),
             _("Virgin avoided"), _("Transport"), _("Net, kg CO2e")]]  # fmt: skip
    for x in report.lines:
        m = cat.get(x.material_key)
        rows.append([_("Supplier") if x.role == "supplier" else _("Receiver"),
                     m.name(lang) if m else x.material_key, x.partner_industry_ko if lang == "ko" else x.partner_industry, _n(x.tonnes),
                     _n(x.disposal_avoided_kg, 0), _n(x.virgin_avoided_kg, 0), _n(x.transport_kg, 0),
                     _n(x.net_kg, 0)])  # fmt: skip
    story.append(_table(rows, [18, 30, 30, 18, 22, 22, 18, 20], s["font"], numeric=(3, 4, 5, 6, 7)))
    story += [Spacer(1, 4 * mm), Paragraph(_("Method"), s["h2"]), Paragraph(method_text(), s["body"]),
              Spacer(1, 3 * mm)]  # fmt: skip
    factors = [[_("Material"), _("Factor"), _("kg CO2e per tonne"), _("Source")]]
    for f in report.factors:
        factors.append([f["material_ko"] if lang == "ko" else f["material"],
                _("Disposal") if f["kind"] == "disposal" else _("Virgin material avoided"),
                        _n(f["kg_co2e_per_t"]), f"{f['source']} {f['year'] or ''}" + (" *" if f["estimate"] else "")])  # fmt: skip
    story.append(_table(factors, [35, 30, 22, 91], s["font"], numeric=(2,)))
    doc.build(story)
    return buffer.getvalue()
