"""A factory's ESG report: GRI 306 tables, CO2e, Scope 3, K-ESG and months, exact figures from
its listings and deliveries, as page, PDF and CSV; a PDF that embeds its fonts and prints
every name as typed."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from datetime import UTC, date, datetime

import pytest
import time_machine
from pypdf import PdfReader
from reportlab.pdfbase.ttfonts import TTFont

from exchange.models import Delivery, Factory, Listing, ListingChange, MatchRun, Park, Proposal
from exchange.report_pdf import font_dir
from exchange.services import reports
from exchange.services.listings import snapshot
from tests.exchange.conftest import sign_in

PERIOD = "from=2026-01&to=2026-03"
LONG_AGO = datetime(2025, 11, 1, tzinfo=UTC)


def _offer(session, factory, material, tonnes, *, route, own_factor, hazardous=False, kind="offer"):
    """A listing that has existed since November 2025, with its creation in its history."""
    listing = Listing(factory_id=factory.id, kind=kind, material_key=material, accepts=material,
                      tonnes_per_month=tonnes, hazardous=hazardous, disposal_route=route,
                      disposal_kg_co2e_per_t=own_factor, created_at=LONG_AGO, updated_at=LONG_AGO)  # fmt: skip
    session.add(listing)
    session.flush()
    session.add(ListingChange(listing_id=listing.id, version=1, action="created", at=LONG_AGO,
                              snapshot=snapshot(listing)))  # fmt: skip
    return listing


def _change(session, listing, at: datetime, **values):
    for name, value in values.items():
        setattr(listing, name, value)
    listing.version += 1
    session.add(ListingChange(listing_id=listing.id, version=listing.version, action="changed",
                              at=at, snapshot=snapshot(listing)))  # fmt: skip


def _exchange(session, park, offer, want, per_month, disposal, virgin, transport, deliveries):
    run = MatchRun(park_id=park.id, status="done")
    session.add(run)
    session.flush()
    p = Proposal(run_id=run.id, park_id=park.id, offer_id=offer.id, want_id=want.id, offer_version=1,
                 want_version=1, material_key=offer.material_key, tonnes_per_month=per_month,
                 mode="truck", km=10, transport_kg_co2e=transport, disposal_avoided_kg_co2e=disposal,
                 virgin_avoided_kg_co2e=virgin, net_saved_kg_co2e=disposal + virgin - transport,
                 status="active")  # fmt: skip
    session.add(p)
    session.flush()
    for month, tonnes in deliveries:
        session.add(Delivery(proposal_id=p.id, month=month, tonnes=tonnes))
    return p


def _park_of_factory_a(session, world):
    """Factory A, January to March 2026 (Seoul), hand-worked.

    Offers of A (tonnes per month as each stood at the end of each month in Seoul):

    | offer | material | hazardous | route | own factor kg/t | Jan | Feb | Mar |
    | --- | --- | --- | --- | --- | --- | --- | --- |
    | O1 | fgd-gypsum | no | landfill | 10 | 100 | 100 | 100 |
    | O2 | spent-solvent | yes | incineration | 100 | 20 | 30 | 30 |
    | O3 | waste-paper-cardboard | no | recycling | 5 | 10 | 10 | 0 (withdrawn 5 Mar) |

    O2 became 30 t at 2026-01-31 15:30 UTC, which is 1 February 00:30 in Seoul: January stays
    20. Exchange P1 (O1 to B's want; per 100 t: disposal 4,000, virgin 2,000, transport 200 kg)
    delivered 50 t in January and 70 t in February (99 t in December 2025, outside). Exchange
    P2 (B's offer of steel slag to A's want; per 50 t: 1,000, 3,000, 100 kg) delivered 40 t in
    February.

    GRI 306-3 generated: O1 300 + O2 80 + O3 20 = 400 t (hazardous 80, non-hazardous 320).
    GRI 306-4 recycling: P1 120 + O3 20 = 140 t (non-hazardous).
    GRI 306-5 landfilling: O1's rest 50 + 30 + 100 = 180 t; incineration (no energy recovery):
    O2 80 t (hazardous). 140 + 180 + 80 = 400.
    Scope 3 cat. 5: 180 × 10 + 80 × 100 + 20 × 5 = 1,800 + 8,000 + 100 = 9,900 kg.
    K-ESG recycling rate: 140 / 400 = 35 %; recycled input received 40 t.
    P1: 120 t → disposal 4,800, virgin 2,400, transport 240, net 6,960 kg; A claims 50 % = 3,480.
    P2: 40 t → 800, 2,400, 80, net 3,120 kg; A claims 50 % = 1,560. A claims 5,040 in all.
    Months: generated 130 / 140 / 130; diverted 60 / 80 / 0; to disposal 70 / 60 / 130.
    """
    a, b = world.factory_a, world.factory_b
    o1 = _offer(session, a, "fgd-gypsum", 100, route="landfill", own_factor=10)
    o2 = _offer(session, a, "spent-solvent", 20, route="incineration", own_factor=100, hazardous=True)
    o3 = _offer(session, a, "waste-paper-cardboard", 10, route="recycling", own_factor=5)
    _change(session, o2, datetime(2026, 1, 31, 15, 30, tzinfo=UTC), tonnes_per_month=30)
    _change(session, o3, datetime(2026, 3, 5, 2, 0, tzinfo=UTC), status="withdrawn")
    want_b = _offer(session, b, "fgd-gypsum", 100, route=None, own_factor=None, kind="want")
    offer_b = _offer(session, b, "steel-slag", 50, route="landfill", own_factor=None)
    want_a = _offer(session, a, "steel-slag", 50, route=None, own_factor=None, kind="want")
    p1 = _exchange(session, world.park, o1, want_b, 100, 4000, 2000, 200,
                   [(date(2026, 1, 1), 50), (date(2026, 2, 1), 70), (date(2025, 12, 1), 99)])  # fmt: skip
    p2 = _exchange(session, world.park, offer_b, want_a, 50, 1000, 3000, 100, [(date(2026, 2, 1), 40)])
    session.commit()
    return p1, p2


def test_gri_306_tables_are_the_hand_summed_ones(app, session, world):
    _park_of_factory_a(session, world)
    with app.test_request_context():
        r = reports.factory_report(session=session, factory=world.factory_a, start=date(2026, 1, 1),
                                   end=date(2026, 3, 1))  # fmt: skip
    assert {k: (c.hazardous, c.non_hazardous) for k, c in r.generated.items()} == {
        "fgd-gypsum": (0, 300), "spent-solvent": (80, 0), "waste-paper-cardboard": (0, 20)}
    assert r.generated_t == 400
    assert {k: (c.hazardous, c.non_hazardous) for k, c in r.recovery.items()} == {"recycling": (0, 140)}
    assert {k: (c.hazardous, c.non_hazardous) for k, c in r.disposal.items()} == {
        "landfill": (0, 180), "incineration": (80, 0)}
    assert r.scope3_kg == pytest.approx(9900)
    assert r.recycling_rate == pytest.approx(35)
    assert r.total("tonnes", "receiver") == 40
    assert [(x.role, x.tonnes, x.net_kg, x.claimed_kg) for x in r.lines] == [
        ("supplier", 120, pytest.approx(6960), pytest.approx(3480)),
        ("receiver", 40, pytest.approx(3120), pytest.approx(1560))]  # fmt: skip
    assert (r.total("disposal_avoided_kg"), r.total("virgin_avoided_kg"), r.total("transport_kg")) == (
        pytest.approx(5600), pytest.approx(4800), pytest.approx(320))  # fmt: skip
    assert [(m.month.month, m.generated, m.diverted, m.disposed, m.received) for m in r.months] == [
        (1, 130, 60, 70, 0), (2, 140, 80, 60, 40), (3, 130, 0, 130, 0)]  # fmt: skip
    assert [round(m.scope3_kg) for m in r.months] == [500 + 2000 + 50, 300 + 3000 + 50, 1000 + 3000]


def test_a_saving_is_shared_by_the_parks_setting_and_never_counted_twice(app, session, world):
    p1, p2 = _park_of_factory_a(session, world)
    world.park.esg_supplier_share = 60
    session.add(world.park)
    session.commit()
    with app.test_request_context():
        a = reports.factory_report(session=session, factory=world.factory_a, start=date(2026, 1, 1),
                                   end=date(2026, 3, 1))  # fmt: skip
        b = reports.factory_report(session=session, factory=world.factory_b, start=date(2026, 1, 1),
                                   end=date(2026, 3, 1))  # fmt: skip
    claims = {(x.proposal_id, x.role): x.claimed_kg for x in a.lines + b.lines}
    # P1: A supplies, 60 % of 6,960 = 4,176; B receives, 2,784. P2: B supplies 60 % of 3,120
    assert claims == {(p1.id, "supplier"): pytest.approx(4176), (p1.id, "receiver"): pytest.approx(2784),
                      (p2.id, "supplier"): pytest.approx(1872), (p2.id, "receiver"): pytest.approx(1248)}  # fmt: skip
    assert sum(claims.values()) == pytest.approx(6960 + 3120)  # each exchange once


def test_report_csv_carries_every_table(app, client, session, world):
    _park_of_factory_a(session, world)
    sign_in(client, world.manager_a)
    response = client.get(f"/factories/{world.factory_a.id}/report?{PERIOD}&format=csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    got = {(r["section"], r["item"], r["hazardous"], r["month"], r["role"]): r["value"] for r in rows}
    assert got[("GRI 306-3", "waste generated, total", "", "", "")] == "400.0"
    assert got[("GRI 306-4", "recycling", "no", "", "")] == "140.0"
    assert got[("GRI 306-5", "landfill", "no", "", "")] == "180.0"
    assert got[("GRI 306-5", "incineration", "yes", "", "")] == "80.0"
    assert got[("GHG Protocol Scope 3", "category 5, waste generated in operations", "", "", "")] == "9900.0"
    assert got[("K-ESG", "waste recycling rate", "", "", "")] == "35.0"
    assert got[("exchange", "net avoided", "", "", "supplier")] == "6960.0"
    assert got[("CO2e", "claimed by this factory", "", "", "")] == "5040.0"
    assert got[("month", "waste generated", "", "2026-02", "")] == "140.0"
    assert {r["issuer"] for r in rows} == {"Sihwa"} and {r["issued"] for r in rows} != {""}


def test_the_default_period_is_the_closed_months_of_the_year_in_the_parks_calendar():
    park = Park(slug="p", name_ko="p", name_en="p", time_zone="Asia/Seoul")
    # 31 December 2026 16:00 UTC is already 1 January 2027 in Seoul: 2026 has closed
    assert reports.default_period(park, datetime(2026, 12, 31, 16, 0, tzinfo=UTC)) == (
        date(2026, 1, 1), date(2026, 12, 1))
    assert reports.default_period(park, datetime(2026, 12, 31, 14, 0, tzinfo=UTC)) == (
        date(2026, 1, 1), date(2026, 11, 1))
    assert reports.default_period(park, datetime(2026, 3, 10, tzinfo=UTC)) == (
        date(2026, 1, 1), date(2026, 2, 1))


def test_english_names_fall_back_to_a_marked_romanisation(app):
    with app.test_request_context():
        named = Factory(park_id=1, slug="x", name="반월도금", name_en="Banwol Plating", lat=0, lon=0)
        unnamed = Factory(park_id=1, slug="y", name="반월도금", lat=0, lon=0)
        assert reports.factory_name(named, "en") == "Banwol Plating"
        assert reports.factory_name(named, "ko") == "반월도금"
        assert reports.factory_name(unnamed, "en") == "ban-woldogeum (romanised)"


def _pdf(client, factory, lang: str) -> PdfReader:
    response = client.get(f"/factories/{factory.id}/report?{PERIOD}&format=pdf&lang={lang}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return PdfReader(io.BytesIO(response.data))


def _fonts(reader: PdfReader) -> dict[str, object]:
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    return fonts


def _text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_pdf_embeds_every_font_and_prints_the_reports_figures(app, client, session, world, lang):
    _park_of_factory_a(session, world)
    world.factory_a.name = "반월도금"
    world.factory_a.name_en = "Banwol Plating"
    session.add(world.factory_a)
    session.commit()
    sign_in(client, world.manager_a)
    reader = _pdf(client, world.factory_a, lang)
    fonts = _fonts(reader)
    assert fonts, "no font at all"
    for name, font in fonts.items():
        descriptor = font["/FontDescriptor"].get_object()
        # a subset of a TrueType font, embedded (FontFile2: glyf outlines, not CFF)
        assert "/FontFile2" in descriptor, f"{name} is not embedded as TrueType"
        assert re.fullmatch(r"/[A-Z]{6}\+NanumGothic(Bold)?", name), name
    text = _text(reader)
    flat = re.sub(r"\s+", " ", text)
    # the figures, digits together (no spacing artefacts), as the page and CSV give them
    for figure in ("400.000", "140.000", "180.000", "80.000", "9.900", "35.0 %", "6,960", "3,480",
                   "5.040", "10.080", "2026-01 – 2026-03"):  # fmt: skip
        assert figure in flat, figure
    pages = len(reader.pages)
    assert (f"Page {pages} of {pages}" if lang == "en" else f"{pages} / {pages} 페이지") in flat
    assert ("반월도금" if lang == "ko" else "Banwol Plating") in flat
    assert ("시화" if lang == "ko" else "Sihwa") in flat
    if lang == "en":
        assert not re.search("[\uac00-\ud7a3]", flat), "Hangul in the English report"
    # every character printed has a glyph in the embedded font
    face = TTFont("check", str(font_dir() / "NanumGothic.ttf")).face.charToGlyph
    missing = {ch for ch in text if ch not in " \n" and ord(ch) not in face}
    assert not missing, missing


def test_names_with_markup_print_as_typed(app, client, session, world):
    """A factory named like markup (a link, an unbalanced tag, an entity) gives a whole report
    whose text shows the name exactly as typed."""
    _park_of_factory_a(session, world)
    sign_in(client, world.manager_a)
    for name in ('<a href="x">A&B</a>', "<b>unbalanced", "Kim & Lee <i>", "&amp; </para>"):
        world.factory_a.name = world.factory_a.name_en = name
        world.factory_a.brn = "<font size=40>123"
        session.add(world.factory_a)
        session.commit()
        for lang in ("ko", "en"):
            flat = re.sub(r"\s+", " ", _text(_pdf(client, world.factory_a, lang)))
            assert name.strip() in flat, (name, lang)
            assert "<font size=40>123" in flat
            assert "400.000" in flat  # the report is whole


def test_report_is_only_for_those_who_may_see_the_factory(client, world):
    for user, status in ((None, 302), (world.manager_b, 404), (world.other_coordinator, 404),
                         (world.manager_a, 200), (world.coordinator, 200), (world.admin, 200)):  # fmt: skip
        sign_in(client, user)
        assert client.get(f"/factories/{world.factory_a.id}/report").status_code == status
    sign_in(client, world.manager_a)
    bad = client.get(f"/factories/{world.factory_a.id}/report?from=last-year")
    assert bad.status_code == 302


def test_the_supplier_share_is_a_park_setting_with_a_stated_default(app, session):
    from sqlmodel import select

    runner = app.test_cli_runner()
    assert runner.invoke(args=["create-park", "--slug", "p1", "--name-ko", "가", "--name-en", "A"]).exit_code == 0
    ok = runner.invoke(args=["create-park", "--slug", "p2", "--name-ko", "나", "--name-en", "B",
                             "--esg-supplier-share", "70"])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(args=["create-park", "--slug", "p3", "--name-ko", "다", "--name-en", "C",
                              "--esg-supplier-share", "120"])  # fmt: skip
    assert bad.exit_code != 0 and "120" in bad.output
    shares = dict(session.exec(select(Park.slug, Park.esg_supplier_share)).all())
    assert (shares["p1"], shares["p2"]) == (50, 70) and "p3" not in shares
    assert "--esg-supplier-share" in runner.invoke(args=["create-park", "--help"]).output


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils (pdftoppm) not installed")
def test_the_pdf_renders_with_no_font_on_the_machine(app, client, session, world, tmp_path):
    """poppler with a font configuration that knows no font: nothing to substitute, so any
    font the PDF did not carry would be reported missing on stderr."""
    _park_of_factory_a(session, world)
    sign_in(client, world.manager_a)
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?><fontconfig><cachedir>{tmp_path}</cachedir></fontconfig>')
    env = dict(os.environ, FONTCONFIG_FILE=str(conf))
    for lang in ("ko", "en"):
        pdf = tmp_path / f"{lang}.pdf"
        pdf.write_bytes(client.get(f"/factories/{world.factory_a.id}/report?{PERIOD}&format=pdf&lang={lang}").data)
        done = subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / lang)],
                              capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
        assert done.returncode == 0 and "font" not in done.stderr.lower(), done.stderr
        assert sorted(tmp_path.glob(f"{lang}-*.png"))


def test_a_by_product_burnt_as_fuel_is_energy_recovery_under_gri_306_5(app, session, world):
    """GRI 306-4 excludes energy recovery: 30 t of a material that replaces a fuel, delivered in
    January out of a 30 t stream, is 30 t incinerated with energy recovery, none diverted."""
    from exchange import catalogue

    fuels = [m.key for m in catalogue.load().materials.values()
             if m.replaces_en.lower().startswith(reports._FUELS)]  # fmt: skip
    if not fuels:
        pytest.skip("no catalogue material replaces a fuel")
    offer = _offer(session, world.factory_a, fuels[0], 30, route="landfill", own_factor=0)
    want = _offer(session, world.factory_b, fuels[0], 30, route=None, own_factor=None, kind="want")
    _exchange(session, world.park, offer, want, 30, 300, 300, 30, [(date(2026, 1, 1), 30)])
    session.commit()
    with app.test_request_context():
        r = reports.factory_report(session=session, factory=world.factory_a, start=date(2026, 1, 1),
                                   end=date(2026, 1, 1))  # fmt: skip
    assert r.recovery == {} and r.disposal["energy_recovery"].total == 30
    assert r.recycling_rate == 0


def test_the_factor_table_lists_exactly_the_factors_the_figures_used(app, session, world):
    """Each exchange's offer by its own route's factor (P2's steel slag goes to landfill, its
    catalogue factor) or the listing's own figure (P1's gypsum, 10 kg/t), each want's
    virgin-material factor, and the Scope 3 streams' factors (own figures 100 and 5): nothing
    else, no default route the offers do not take."""
    _park_of_factory_a(session, world)
    with app.test_request_context():
        r = reports.factory_report(session=session, factory=world.factory_a, start=date(2026, 1, 1),
                                   end=date(2026, 3, 1))  # fmt: skip
        rows = [(f["material"], reports.factor_name(f), f["kg_co2e_per_t"], reports.factor_source(f, "en"),
                 f["year"]) for f in r.factors]  # fmt: skip
    desnz = "UK DESNZ GHG conversion factors 2025 (waste disposal; material use)"
    assert rows == [
        ("FGD gypsum", "Landfill", 10.0, "The listing's own figure", None),
        ("FGD gypsum", "Virgin material avoided", 88.0, f"{desnz} * proxy: plasterboard, primary production "
                                                        "minus closed-loop, for natural gypsum", 2025),
        ("Steelmaking slag", "Landfill", 1.26, f"{desnz} * proxy: landfill of aggregates, the nearest inert "
                                               "category (DESNZ has no category for this stream)", 2025),
        ("Steelmaking slag", "Virgin material avoided", 4.6, desnz, 2025),
        ("Spent organic solvent", "Incineration", 100.0, "The listing's own figure", None),
        ("Waste paper and cardboard", "Recycling", 5.0, "The listing's own figure", None),
    ]  # fmt: skip


def test_an_exchanges_factors_are_its_offers_route_and_what_its_run_credited(app, session, world):
    """Mixed plastics going to incineration were credited the incineration factor (2,761.3,
    IPCC 2006), not the landfill one of the material's default route; a run's problem file
    says what it credited (here the want's own 900 kg/t), and the table says the same."""
    a, b = world.factory_a, world.factory_b
    offer = _offer(session, a, "mixed-plastic", 10, route="incineration", own_factor=None)
    want = _offer(session, b, "mixed-plastic", 10, route=None, own_factor=None, kind="want")
    p = _exchange(session, world.park, offer, want, 10, 27613, 15970, 10, [(date(2026, 1, 1), 10)])
    session.commit()
    with app.test_request_context():
        r = reports.factory_report(session=session, factory=a, start=date(2026, 1, 1), end=date(2026, 1, 1))
        rows = [(reports.factor_name(f), f["kg_co2e_per_t"], f["source_key"]) for f in r.factors]
        assert rows == [("Incineration", 2761.3, rows[0][2]), ("Virgin material avoided", 1597.0, rows[1][2])]
        assert "IPCC" in reports.factor_source(r.factors[0], "en")
        run = session.get(MatchRun, p.run_id)
        run.problem = {"sources": [{"id": f"offer-{offer.id}", "disposal_kg_co2e_per_t": 2761.3,
                                    "disposal_route": "incineration", "disposal_factor_source": rows[0][2],
                                    "disposal_factor_estimate": False}],
                       "sinks": [{"id": f"want-{want.id}", "accepts": {"mixed-plastic": {
                           "avoided_kg_co2e_per_t": 900.0, "avoided_factor_source": "listing"}}}]}  # fmt: skip
        session.add(run)
        session.commit()
        r = reports.factory_report(session=session, factory=a, start=date(2026, 1, 1), end=date(2026, 1, 1))
        assert [(reports.factor_name(f), f["kg_co2e_per_t"], reports.factor_source(f, "en"))
                for f in r.factors][1] == ("Virgin material avoided", 900.0, "The listing's own figure")


def test_factors_print_as_published_on_the_page_pdf_and_csv(app, client, session, world):
    """Steel slag's landfill factor is 1.26 kg/t (DESNZ): not 1 nor 1.3; 88 and 10 print with no
    trailing zeros."""
    _park_of_factory_a(session, world)
    sign_in(client, world.manager_a)
    url = f"/factories/{world.factory_a.id}/report?{PERIOD}"
    page = client.get(url + "&lang=en").data.decode()
    cells = re.findall(r'<td class="num">([^<]*)</td><td class="small">', page)
    assert cells == ["10", "88", "1.26", "4.6", "100", "5"]
    flat = re.sub(r"\s+", " ", _text(_pdf(client, world.factory_a, "en")))
    assert " 1.26 " in flat and " 4.6 " in flat and " 88 " in flat and "1.3 " not in flat
    rows = list(csv.DictReader(io.StringIO(client.get(url + "&format=csv").data.decode("utf-8-sig"))))
    factors = [(r["item"], r["material"], r["value"], r["source"], r["source_year"])
               for r in rows if r["section"] == "factor"]  # fmt: skip
    assert [x[:3] for x in factors] == [
        ("disposal, landfill", "fgd-gypsum", "10"), ("virgin material avoided", "fgd-gypsum", "88"),
        ("disposal, landfill", "steel-slag", "1.26"), ("virgin material avoided", "steel-slag", "4.6"),
        ("disposal, incineration", "spent-solvent", "100"), ("disposal, recycling", "waste-paper-cardboard", "5")]
    assert factors[0][3:] == ("listing's own figure", "") and factors[2][4] == "2025"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_period_may_not_end_after_this_month_in_the_parks_calendar(app, client, session, world, lang):
    """At 00:30 on 1 December 2026 in Seoul (30 November 15:30 UTC) December has begun: a report
    may end in it, marked incomplete (a server in UTC would still say November); one that
    ends in January 2027 or 2030 is refused, naming the month typed, the form kept."""
    _park_of_factory_a(session, world)
    sign_in(client, world.manager_a)
    url = f"/factories/{world.factory_a.id}/report"
    with time_machine.travel("2026-11-30T15:30:00Z", tick=False):
        for query, typed in (("from=2020-01&to=2030-12", "2030-12"), ("from=2027-01&to=2026-06", "2027-01")):
            for fmt in ("", "&format=pdf", "&format=csv"):
                response = client.get(f"{url}?{query}{fmt}&lang={lang}")
                assert response.status_code == 400 and response.mimetype == "text/html"
            page = response.data.decode()
            assert typed in page and ("has not begun" if lang == "en" else "시작되지 않은") in page
            assert f'name="from" value="{query[5:12]}"' in page and "Issued on" not in page
        ok = client.get(f"{url}?from=2026-11&to=2026-12&lang={lang}")
        assert ok.status_code == 200
        page = ok.data.decode()
        label = "2026-12 (incomplete)" if lang == "en" else "2026-12 (미완료)"
        assert label in page and "2026-11 (" not in page
        assert "2026-12-01" in page  # issued on, in Seoul
        flat = re.sub(r"\s+", " ", _text(PdfReader(io.BytesIO(
            client.get(f"{url}?from=2026-11&to=2026-12&format=pdf&lang={lang}").data))))  # fmt: skip
        assert f"{label} 130.000" in flat
        rows = list(csv.DictReader(io.StringIO(client.get(f"{url}?from=2026-11&to=2026-12&format=csv").data
                                               .decode("utf-8-sig"))))  # fmt: skip
        assert [(r["month"], r["value"]) for r in rows if r["item"].startswith("incomplete")] == [("2026-12", "yes")]
