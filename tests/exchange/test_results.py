"""The public results: hand-summed figures, the three-factory rule, no confidential data out."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from exchange.models import (
    Delivery,
    Factory,
    Listing,
    MatchRun,
    Park,
    Proposal,
    ProposalStatus,  # fmt: skip
)
from exchange.services import results
from exchange.services.listing_input import parse_listing
from exchange.services.listings import create_listing

TODAY = date(2026, 11, 25)


def _listing(session, factory, kind, material, tonnes, cost=None):
    raw = {"kind": kind, "material": material, "tonnes_per_month": str(tonnes)}
    if cost:
        raw["disposal_cost_krw_per_t"] = str(cost)
    return create_listing(
        session=session, factory=factory, listing_in=parse_listing(raw), user=None
    )


def _exchange(session, run, offer, want, tonnes, net_kg, deliveries, status=ProposalStatus.active):
    p = Proposal(run_id=run.id, park_id=run.park_id, offer_id=offer.id, want_id=want.id,
                 offer_version=1, want_version=1, material_key=offer.material_key,
                 tonnes_per_month=tonnes, mode="truck", km=5, transport_kg_co2e=0,
                 disposal_avoided_kg_co2e=net_kg, virgin_avoided_kg_co2e=0,
                 net_saved_kg_co2e=net_kg, status=status)  # fmt: skip
    session.add(p)
    session.flush()
    for month, t in deliveries:
        session.add(Delivery(proposal_id=p.id, month=month, tonnes=t))
    return p


@pytest.fixture
def two_exchanges(app, session, world):
    """Gypsum A -> B (100 kg CO2e/t) and scrap D -> E (2,000 kg CO2e/t) in park 1."""
    with app.test_request_context():
        d = Factory(park_id=world.park.id, slug="fd", name="Secret Steel", lat=37.3, lon=126.7,
                    industry_en="Steel", industry_ko="철강")  # fmt: skip
        e = Factory(park_id=world.park.id, slug="fe", name="Open Foundry", name_en="Open Foundry",
                    lat=37.32, lon=126.71, industry_en="Foundry", show_name=True)  # fmt: skip
        session.add_all([d, e])
        session.flush()
        run = MatchRun(park_id=world.park.id, status="done")
        session.add(run)
        session.flush()
        gypsum = _exchange(session, run, _listing(session, world.factory_a, "offer", "fgd-gypsum", 100, 45000),
                           _listing(session, world.factory_b, "want", "fgd-gypsum", 300),
                           100, 10_000, [(date(2026, 11, 1), 80), (date(2025, 12, 1), 50)])  # fmt: skip
        scrap = _exchange(session, run, _listing(session, d, "offer", "scrap-steel", 20, 99000),
                          _listing(session, e, "want", "scrap-steel", 50),
                          20, 40_000, [(date(2026, 11, 1), 10)])  # fmt: skip
        session.commit()
    return gypsum, scrap


def test_figures_equal_the_hand_summed_deliveries(app, session, world, two_exchanges):
    with app.app_context():
        r = results.park_results(session=session, park=world.park, today=TODAY)
    assert (r["active_exchanges"], r["participating_factories"], r["figures_shown"]) == (2, 4, True)
    assert r["delivered"] == {
        "this_month": {"tonnes": 90, "t_co2e": 28.0},  # 80 x 100 + 10 x 2,000 kg
        "this_year": {"tonnes": 90, "t_co2e": 28.0},  # December 2025 is last year
        "since_start": {"tonnes": 140, "t_co2e": 33.0},  # + 50 x 100 kg
    }
    assert r["contracted_per_month"] == {"tonnes": 120, "t_co2e": 50.0}
    # two factories a group: both groups folded into one of four factories
    assert r["by_group"] == [
        {"group": "small-groups", "factories": 4, "tonnes": 140, "t_co2e": 33.0}
    ]
    assert r["by_month"] == [{"month": "2025-12", "tonnes": 50, "t_co2e": 5.0},
                             {"month": "2026-11", "tonnes": 90, "t_co2e": 28.0}]  # fmt: skip


def test_fewer_than_three_factories_show_no_tonnes(app, session, world, two_exchanges):
    _gypsum, scrap = two_exchanges
    scrap.status = ProposalStatus.approved  # only A and B remain in running exchanges
    session.add(scrap)
    session.commit()
    with app.app_context():
        r = results.park_results(session=session, park=world.park, today=TODAY)
    assert (r["participating_factories"], r["figures_shown"]) == (2, False)
    assert (r["delivered"], r["contracted_per_month"], r["by_group"], r["by_month"]) == (
        None,
        None,
        [],
        [],
    )
    assert r["potential"]["approved"] == {"exchanges": 1, "tonnes": 20, "t_co2e": 40.0}
    body = app.test_client().get("/api/v1/summary?park=sihwa").get_data(as_text=True)
    assert '"tonnes": 80' not in body and "80.0" not in body


def test_a_group_of_three_factories_is_shown_on_its_own(app, session, world, two_exchanges):
    run = session.exec(select(MatchRun)).first()
    with app.test_request_context():
        f = Factory(park_id=world.park.id, slug="ff", name="Third Gypsum", lat=37.3, lon=126.7)
        session.add(f)
        session.flush()
        _exchange(session, run, _listing(session, f, "offer", "fgd-gypsum", 10),
                  session.exec(select(Listing).where(Listing.kind == "want", Listing.material_key == "fgd-gypsum")).one(),
                  10, 1_000, [(date(2026, 11, 1), 10)])  # fmt: skip
        session.commit()
        r = results.park_results(session=session, park=world.park, today=TODAY)
    minerals = [g for g in r["by_group"] if g["group"] == "minerals"]
    # 130 t of gypsum at 100 kg CO2e/t and 10 t more at 1,000 kg / 10 t = 100 kg/t
    assert minerals == [{"group": "minerals", "factories": 3, "tonnes": 140, "t_co2e": 14.0}]


def test_public_pages_and_exports_leak_nothing_confidential(
    app, client, session, world, two_exchanges
):
    factories = session.exec(select(Factory)).all()
    listings = session.exec(select(Listing)).all()
    park = session.get(Park, world.park.id)
    bodies = []
    for lang in ("ko", "en"):
        for url in ("/", f"/parks/{park.slug}", "/api/v1/summary", f"/api/v1/summary?park={park.slug}",
                    f"/parks/{park.slug}/summary.csv"):  # fmt: skip
            response = client.get(f"{url}{'&' if '?' in url else '?'}lang={lang}")
            assert response.status_code == 200, url
            bodies.append(response.get_data(as_text=True))
    text = "\n".join(bodies)
    assert "Open Foundry" in text  # it chose to be named
    for f in factories:
        if not f.show_name:
            assert f.name not in text, f.name
        for coordinate in (f.lat, f.lon):
            assert f"{coordinate}" not in text and f"{coordinate:.4f}" not in text
    for item in listings:
        if item.disposal_cost_krw_per_t:
            cost = item.disposal_cost_krw_per_t
            assert f"{cost:.0f}" not in text and f"{cost:,.0f}" not in text


def test_the_park_page_draws_charts_and_the_network(client, world, two_exchanges):
    html = client.get(f"/parks/{world.park.slug}?lang=en").get_data(as_text=True)
    assert html.count("<svg") >= 2  # the groups (folded) and the months; the network too
    assert "Steel" in html  # a factory that did not opt in appears by its industry
    assert ">Mineral residues<" in html
    korean = client.get(f"/parks/{world.park.slug}?lang=ko").get_data(as_text=True)
    assert ">무기성 부산물<" in korean and ">minerals<" not in korean
    assert client.get("/parks/nowhere").status_code == 404


def test_demo_park_figures_equal_its_deliveries_summed_by_hand(app, session):
    from exchange.seed import load_demo

    with app.test_request_context():
        added = load_demo(session=session, history=True, today=TODAY)
        session.commit()
        park = session.exec(select(Park)).one()
        r = results.park_results(session=session, park=park, today=TODAY)
    assert added["exchanges"] == 12 == r["active_exchanges"]
    running = {p.id: p for p in session.exec(select(Proposal).where(Proposal.status == "active"))}
    deliveries = session.exec(select(Delivery)).all()
    assert len(deliveries) == 12 * 6  # six past months each
    tonnes = sum(d.tonnes for d in deliveries)
    kg = sum(d.tonnes * running[d.proposal_id].net_saved_kg_co2e / running[d.proposal_id].tonnes_per_month
             for d in deliveries)  # fmt: skip
    assert r["delivered"]["since_start"] == {
        "tonnes": round(tonnes, 3),
        "t_co2e": round(kg / 1000, 3),
    }
    assert r["delivered"]["this_month"] == {"tonnes": 0, "t_co2e": 0.0}  # not yet recorded
    this_year = [d for d in deliveries if d.month.year == 2026]
    assert r["delivered"]["this_year"]["tonnes"] == round(sum(d.tonnes for d in this_year), 3)
    assert sum(g["tonnes"] for g in r["by_group"]) <= round(tonnes, 3) + 1e-6
    assert all(g["factories"] >= 3 for g in r["by_group"])
