"""A factory's ESG report as PDF (ReportLab), in the reader's language.

Every glyph comes from NanumGothic, a TrueType (glyf) font that `make setup` installs from PyPI
(the `koreanize-matplotlib` package ships it); ReportLab embeds the subset the report uses, so
the file reads the same on a machine with no Korean font. Every text that goes into a
Paragraph is escaped first: Paragraph reads markup, and a factory named `<b>x` must print as
typed, not break the report.
"""

from __future__ import annotations

import importlib.util
import io
from functools import cache
from html import escape
from pathlib import Path

from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from exchange import catalogue
from exchange.services import reports
from exchange.services.reports import FactoryReport

FONT, FONT_BOLD = "NanumGothic", "NanumGothicBold"


def font_dir() -> Path:
    """Where the NanumGothic files are: the installed package's `fonts` folder (found without
    importing the package, whose import would restyle matplotlib). RuntimeError if missing."""
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the koreanize-matplotlib package (NanumGothic) is not installed: make setup")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts"


@cache
def register_fonts() -> tuple[str, str]:
    """Register the regular and bold faces once per process; their ReportLab names."""
    folder = font_dir()
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "NanumGothic.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(folder / "NanumGothicBold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
    return FONT, FONT_BOLD


def text(value) -> str:
    """Any value as Paragraph-safe text: markup characters escaped, so it prints as typed."""
    return escape("" if value is None else str(value), quote=False)


def _n(value: float, digits: int = 1) -> str:
    return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""))


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("t", fontName=FONT_BOLD, fontSize=16, leading=21, spaceAfter=2 * mm),
        "h2": ParagraphStyle("h", fontName=FONT_BOLD, fontSize=11, leading=15, spaceBefore=4 * mm,
                             spaceAfter=1.5 * mm, keepWithNext=1),  # fmt: skip
        "body": ParagraphStyle("b", fontName=FONT, fontSize=8.5, leading=12.5, spaceAfter=1.2 * mm),
        "small": ParagraphStyle("s", fontName=FONT, fontSize=7.5, leading=10),
        "cell": ParagraphStyle("c", fontName=FONT, fontSize=7.8, leading=10),
        "head": ParagraphStyle("hc", fontName=FONT_BOLD, fontSize=7.8, leading=10),
        "num": ParagraphStyle("n", fontName=FONT, fontSize=7.8, leading=10, alignment=2),
        "numhead": ParagraphStyle("nh", fontName=FONT_BOLD, fontSize=7.8, leading=10, alignment=2),
    }


def _table(rows: list[list], widths: list[float], numeric: tuple[int, ...] = (), total: bool = False) -> Table:
    """Cells as escaped paragraphs, so long names and sources wrap instead of running over;
    the first row is the header (repeated on a new page), `total` bolds the last row."""
    s = _styles()
    cells = []
    for i, row in enumerate(rows):
        bold = i == 0 or (total and i == len(rows) - 1)
        cells.append([Paragraph(text(v), s["numhead" if bold else "num"] if j in numeric
                                else s["head" if bold else "cell"]) for j, v in enumerate(row)])  # fmt: skip
    table = Table(cells, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 7.8),  # else Table sets Helvetica, never embedded
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f3ee")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c9d4d6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))  # fmt: skip
    return table


def _numbered_canvas(footer_left: str):
    """A canvas that knows the page count at the end, for "page 2 of 5" in every footer."""

    class NumberedCanvas(pdfcanvas.Canvas):
        def __init__(self, *args, **kwargs):
            # ReportLab starts every page in Helvetica, which is never embedded: start in ours
            kwargs.update(initialFontName=FONT, initialFontSize=8.5)
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 (ReportLab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            count = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(FONT, 7.5)
                self.setFillColor(colors.HexColor("#5b6b70"))
                self.drawString(16 * mm, 10 * mm, footer_left)
                self.drawRightString(A4[0] - 16 * mm, 10 * mm,
                                     _("Page %(page)d of %(pages)d", page=self._pageNumber, pages=count))  # fmt: skip
                super().showPage()
            super().save()

    return NumberedCanvas


def report_pdf(report: FactoryReport) -> bytes:
    """The report as an A4 PDF in the current locale (Korean or English)."""
    register_fonts()
    s = _styles()
    cat = catalogue.load()
    lang = str(get_locale() or "ko")
    name = reports.factory_name(report.factory, lang)
    issuer = reports.park_name(report.park, lang)
    period = f"{report.start:%Y-%m} – {report.end:%Y-%m}"
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm,
                            topMargin=16 * mm, bottomMargin=18 * mm,
                            title=_("ESG report: %(factory)s", factory=name), author=issuer,
                            subject=period, creator=issuer)  # fmt: skip
    p = lambda value, style="body": Paragraph(text(value), s[style])  # noqa: E731

    def material(key: str) -> str:
        m = cat.get(key)
        return m.name(lang) if m else key

    story = [
        p(_("ESG report: %(factory)s", factory=name), "title"),
        p(_("Period: %(period)s. Business registration number: %(brn)s.", period=period,
            brn=report.factory.brn or "—")),  # fmt: skip
        p(_("Issued on %(date)s by %(issuer)s, from the deliveries and listings recorded on the "
            "park's by-product exchange.", date=report.issued.isoformat(), issuer=issuer)),  # fmt: skip
    ]

    # GRI 306
    generated = [[_("Material"), _("Hazardous"), _("Non-hazardous"), _("Total")]]
    for key, cell in sorted(report.generated.items(), key=lambda kv: material(kv[0])):
        generated.append([material(key), _n(cell.hazardous, 3), _n(cell.non_hazardous, 3), _n(cell.total, 3)])
    total = report.sum_cells(report.generated)
    generated.append([_("Total"), _n(total.hazardous, 3), _n(total.non_hazardous, 3), _n(total.total, 3)])
    story += [p(_("GRI 306-3 Waste generated (t)"), "h2"),
              _table(generated, [82, 32, 32, 32], numeric=(1, 2, 3), total=True)]  # fmt: skip
    for title, table, operations in (
        (_("GRI 306-4 Waste diverted from disposal, by recovery operation (t)"), report.recovery, reports.RECOVERY),
        (_("GRI 306-5 Waste directed to disposal, by disposal operation (t)"), report.disposal, reports.DISPOSAL),
    ):  # fmt: skip
        rows = [[_("Operation"), _("Hazardous"), _("Non-hazardous"), _("Total")]]
        for op in operations:
            cell = table.get(op, reports.WasteCell())
            rows.append([reports.operation_name(op), _n(cell.hazardous, 3), _n(cell.non_hazardous, 3), _n(cell.total, 3)])  # fmt: skip
        total = report.sum_cells(table)
        rows.append([_("Total"), _n(total.hazardous, 3), _n(total.non_hazardous, 3), _n(total.total, 3)])
        story += [p(title, "h2"), _table(rows, [82, 32, 32, 32], numeric=(1, 2, 3), total=True)]
    story.append(p(_("All off site. Waste diverted through the park's exchanges counts as recycling."), "small"))

    # CO2e
    story += [
        p(_("CO2e avoided and Scope 3 (t CO2e)"), "h2"),
        _table([
            [_("Figure"), _("t CO2e")],
            [_("Disposal avoided"), _n(report.total("disposal_avoided_kg") / 1000, 3)],
            [_("Virgin material avoided"), _n(report.total("virgin_avoided_kg") / 1000, 3)],
            [_("Transport (emitted)"), _n(-report.total("transport_kg") / 1000, 3)],
            [_("Net avoided by the exchanges"), _n(report.total("net_kg") / 1000, 3)],
            [_("Claimed by this factory (supplier %(supplier)s, receiver %(receiver)s)",
               supplier=reports.percent(report.supplier_share),
               receiver=reports.percent(100 - report.supplier_share)),
             _n(report.total("claimed_kg") / 1000, 3)],
            [_("GHG Protocol Scope 3 category 5: waste still directed to disposal"), _n(report.scope3_kg / 1000, 3)],
        ], [140, 38], numeric=(1,)),
    ]  # fmt: skip

    # K-ESG
    rate = report.recycling_rate
    story += [
        p(_("K-ESG guideline: waste indicators"), "h2"),
        _table([
            [_("Indicator"), _("Value")],
            [_("Waste generated"), _n(report.generated_t, 3) + " t"],
            [_("Waste recycling rate"), "—" if rate is None else _n(rate, 1) + " %"],
            [_("Recycled input received in place of virgin material"), _n(report.total("tonnes", "receiver"), 3) + " t"],
        ], [140, 38], numeric=(1,)),
    ]  # fmt: skip

    # exchanges
    story.append(p(_("Exchanges (kg CO2e)"), "h2"))
    rows = [[_("Role"), _("Material"), _("Partner (industry)"), _("t"), _("Disposal avoided"),
             _("Virgin avoided"), _("Transport"), _("Net"), _("Claimed")]]  # fmt: skip
    for x in report.lines:
        rows.append([_("Supplier") if x.role == "supplier" else _("Receiver"), material(x.material_key),
                     x.partner_industry_ko if lang == "ko" else x.partner_industry, _n(x.tonnes, 1),
                     _n(x.disposal_avoided_kg, 0), _n(x.virgin_avoided_kg, 0), _n(x.transport_kg, 0),
                     _n(x.net_kg, 0), _n(x.claimed_kg, 0)])  # fmt: skip
    if not report.lines:
        rows.append([_("No exchange of this factory delivered in the period."), "", "", "", "", "", "", "", ""])
    story.append(_table(rows, [16, 24, 25, 16, 17, 19, 18, 21, 21], numeric=(3, 4, 5, 6, 7, 8)))

    # month by month
    story.append(p(_("Month by month"), "h2"))
    rows = [[_("Month"), _("Generated, t"), _("Diverted, t"), _("To disposal, t"), _("Received, t"),
             _("Net avoided, kg CO2e"), _("Claimed, kg CO2e"), _("Scope 3 cat. 5, kg CO2e")]]  # fmt: skip
    for m in report.months:
        rows.append([reports.month_label(m), _n(m.generated, 3), _n(m.diverted, 3), _n(m.disposed, 3),
                     _n(m.received, 3), _n(m.net_kg, 0), _n(m.claimed_kg, 0), _n(m.scope3_kg, 0)])  # fmt: skip
    story.append(_table(rows, [24, 21, 21, 21, 21, 22, 22, 26], numeric=(1, 2, 3, 4, 5, 6, 7)))
    if any(m.incomplete for m in report.months):
        story.append(p(reports.incomplete_note(), "small"))

    # method and factors
    story.append(p(_("Method"), "h2"))
    story += [p(paragraph) for paragraph in reports.method_text(report)]
    story.append(p(_("Factors"), "h2"))
    rows = [[_("Material"), _("Factor"), _("kg CO2e/t"), _("Source"), _("Year")]]
    for f in report.factors:
        rows.append([f["material_ko"] if lang == "ko" else f["material"], reports.factor_name(f),
                     reports.factor_figure(f["kg_co2e_per_t"]), reports.factor_source(f, lang), f["year"] or "—"])  # fmt: skip
    if len(rows) == 1:
        rows.append([_("No factor was needed in the period."), "", "", "", ""])
    story.append(_table(rows, [32, 30, 20, 82, 14], numeric=(2,)))
    doc.build(story, canvasmaker=_numbered_canvas(f"{issuer} · {name} · {period}"))
    return buffer.getvalue()
