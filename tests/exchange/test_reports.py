"""A factory's ESG report: exact figures from its deliveries, as page, PDF and CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

from exchange.models import Delivery, MatchRun, Proposal
from exchange.services.listing_input import parse_listing
from exchange.services.listings import create_listing
from tests.exchange.conftest import sign_in


def _exchange(app, session, world) -> Proposal:
    """Factory A supplies gypsum to B: per tonne 40 disposal + 20 virgin - 2 transport."""
    with app.test_request_context():
        offer = create_listing(session=session, factory=world.factory_a, user=None,
                               listing_in=parse_listing({"kind": "offer", "material": "fgd-gypsum", "tonnes_per_month": "100"}))  # fmt: skip
        want = create_listing(session=session, factory=world.factory_b, user=None,
                              listing_in=parse_listing({"kind": "want", "material": "fgd-gypsum", "tonnes_per_month": "100"}))  # fmt: skip
    run = MatchRun(park_id=world.park.id, status="done")
    session.add(run)
    session.flush()
    p = Proposal(run_id=run.id, park_id=world.park.id, offer_id=offer.id, want_id=want.id, offer_version=1,
                 want_version=1, material_key="fgd-gypsum", tonnes_per_month=100, mode="truck", km=10,
                 transport_kg_co2e=200, disposal_avoided_kg_co2e=4000, virgin_avoided_kg_co2e=2000,
                 net_saved_kg_co2e=5800, status="active")  # fmt: skip
    session.add(p)
    session.flush()
    for month, tonnes in ((date(2026, 1, 1), 50), (date(2026, 2, 1), 70), (date(2025, 12, 1), 99)):
        session.add(Delivery(proposal_id=p.id, month=month, tonnes=tonnes))
    session.commit()
    return p


def test_report_sums_the_period_exactly(app, client, session, world):
    _exchange(app, session, world)
    sign_in(client, world.manager_a)
    response = client.get(
        f"/factories/{world.factory_a.id}/report?from=2026-01&to=2026-03&format=csv"
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    # 120 t in January and February (December 2025 is outside the period)
    assert (row["role"], row["tonnes"]) == ("supplier", "120.0")
    assert (row["disposal_avoided_kg_co2e"], row["virgin_avoided_kg_co2e"], row["transport_kg_co2e"],
            row["net_kg_co2e"]) == ("4800.0", "2400.0", "240.0", "6960.0")  # fmt: skip
    page = client.get(f"/factories/{world.factory_a.id}/report?from=2026-01&to=2026-03").get_data(
        as_text=True
    )
    assert "6.96 t" in page and "120 t" in page
    sign_in(client, world.manager_b)  # the receiving side sees the same exchange as receiver
    theirs = client.get(
        f"/factories/{world.factory_b.id}/report?from=2026-01&to=2026-03&format=csv"
    )
    assert "receiver" in theirs.data.decode("utf-8-sig")


def test_report_pdf_is_a_real_pdf_in_both_languages(app, client, session, world):
    _exchange(app, session, world)
    sign_in(client, world.manager_a)
    for lang in ("ko", "en"):
        response = client.get(
            f"/factories/{world.factory_a.id}/report?format=pdf&from=2026-01&to=2026-02&lang={lang}"
        )
        assert response.status_code == 200
        assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")


def test_report_is_only_for_those_who_may_see_the_factory(client, world):
    for user, status in ((None, 302), (world.manager_b, 404), (world.other_coordinator, 404),
                         (world.manager_a, 200), (world.coordinator, 200), (world.admin, 200)):  # fmt: skip
        sign_in(client, user)
        assert client.get(f"/factories/{world.factory_a.id}/report").status_code == status
    sign_in(client, world.manager_a)
    bad = client.get(f"/factories/{world.factory_a.id}/report?from=last-year")
    assert bad.status_code == 302
