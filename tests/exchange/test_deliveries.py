"""A delivery is for a month the exchange ran, up to the current month in the park's zone.

The exchange of the `history` fixture: 100 t a month of FGD gypsum from factory A (offer
120 t) to factory B (want 150 t), active from 2026-09-01 00:30 in Seoul (2026-08-31 15:30
UTC: a UTC server would call that August), suspended on 2026-09-20 and resumed on 2026-11-03
(so October ran not at all). Its clock: 2026-12-01 00:30 in Seoul unless a test says.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import time_machine
from sqlmodel import col, select

from exchange.models import Delivery, Listing, MatchRun, Proposal, ProposalEvent, RunStatus
from exchange.services import proposals
from tests.exchange.api_fixtures import auth
from tests.exchange.api_fixtures import tokens as tokens  # noqa: F401  (a fixture)
from tests.exchange.conftest import sign_in

FIRST_0030 = "2026-11-30T15:30:00Z"  # 2026-12-01 00:30 in Seoul
LAST_2330 = "2026-11-30T14:30:00Z"  # 2026-11-30 23:30 in Seoul


@dataclass
class History:
    proposal: Proposal
    url: str


def _at(when: str):
    return time_machine.travel(when, tick=False)


@pytest.fixture
def history(app, session, world) -> History:
    offer = Listing(factory_id=world.factory_a.id, kind="offer", material_key="fgd-gypsum",
                    tonnes_per_month=120)  # fmt: skip
    want = Listing(factory_id=world.factory_b.id, kind="want", material_key="fgd-gypsum",
                   accepts="fgd-gypsum", tonnes_per_month=150)  # fmt: skip
    run = MatchRun(park_id=world.park.id, status=RunStatus.done)
    session.add_all([offer, want, run])
    session.flush()
    p = Proposal(run_id=run.id, park_id=world.park.id, offer_id=offer.id, want_id=want.id,
                 offer_version=1, want_version=1, material_key="fgd-gypsum", tonnes_per_month=100,
                 mode="truck", km=9, transport_kg_co2e=96.3, disposal_avoided_kg_co2e=1000,
                 virgin_avoided_kg_co2e=8800, net_saved_kg_co2e=9703.7)  # fmt: skip
    session.add(p)
    session.commit()
    with app.test_request_context():
        with _at("2026-08-31T15:30:00Z"):
            proposals.approve(session=session, proposal=p, user=world.coordinator)
            proposals.accept(session=session, proposal=p, user=world.manager_a, side="offer")
            proposals.accept(session=session, proposal=p, user=world.manager_b, side="want")
        with _at("2026-09-20T01:00:00Z"):
            proposals.change_life(session=session, proposal=p, user=world.manager_b,
                                  action="suspend")  # fmt: skip
        with _at("2026-11-03T01:00:00Z"):
            proposals.change_life(session=session, proposal=p, user=world.coordinator,
                                  action="resume")  # fmt: skip
    session.commit()
    return History(proposal=p, url=f"/api/v1/exchanges/{p.id}/deliveries")


def _post(client, history, token, when=FIRST_0030, **body):
    with _at(when):
        return client.post(history.url, json=body, headers=auth(token))


def test_the_months_it_ran_come_from_its_logged_steps(session, history):
    from datetime import date

    spans = proposals.running_spans(session=session, proposal=history.proposal)
    assert spans == [(date(2026, 9, 1), date(2026, 9, 20)), (date(2026, 11, 3), None)]


@pytest.mark.parametrize(
    ("month", "code", "message"),
    [
        ("2026-08", "delivery-before-start",
         "2026-08 is before this exchange began: its first month is 2026-09."),
        ("2025-06", "delivery-before-start",
         "2025-06 is before this exchange began: its first month is 2026-09."),
        ("2026-10", "delivery-suspended",
         "This exchange was suspended for the whole of 2026-10: nothing can be recorded for it."),
        ("2027-01", "delivery-future", "2027-01 has not begun yet in the park (it is now 2026-12)."),
    ],
)  # fmt: skip
def test_a_month_it_did_not_run_is_refused_409_naming_it(client, session, history, tokens, month,
                                                         code, message):  # noqa: F811
    response = _post(client, history, tokens["manager_b"], month=month, tonnes=100)
    assert response.status_code == 409
    assert response.get_json()["error"] == {"code": code, "field": None, "message": message}
    assert session.exec(select(Delivery)).all() == []


@pytest.mark.parametrize("month", ["2026-09", "2026-11", "2026-12"])
def test_a_month_it_ran_is_recorded(client, session, history, tokens, month):  # noqa: F811
    response = _post(client, history, tokens["manager_b"], month=month, tonnes=100)
    assert response.status_code == 201
    assert (response.get_json()["month"], response.get_json()["tonnes"]) == (month, 100)


def test_this_month_is_the_parks_at_2330_on_the_last_day(client, history, tokens):  # noqa: F811
    early = _post(client, history, tokens["manager_b"], when=LAST_2330, month="2026-12", tonnes=100)
    assert early.get_json()["error"]["message"] == (
        "2026-12 has not begun yet in the park (it is now 2026-11).")
    assert _post(client, history, tokens["manager_b"], when=LAST_2330, month="2026-11",
                 tonnes=100).status_code == 201  # fmt: skip


def test_replacing_a_month_needs_confirmation_and_says_what_it_replaced(client, session, history,
                                                                         tokens):  # noqa: F811
    token = tokens["manager_b"]
    assert _post(client, history, token, month="2026-09", tonnes=100).status_code == 201
    again = _post(client, history, token, month="2026-09", tonnes=90, note="rain")
    assert again.status_code == 409
    assert again.get_json()["error"]["message"] == (
        "2026-09 already has 100 t recorded. Tick “Replace the tonnes already recorded for this "
        "month” and save again to replace them.")  # fmt: skip
    replaced = _post(client, history, token, month="2026-09", tonnes=90, note="rain",
                     replace=True)  # fmt: skip
    assert replaced.status_code == 201
    assert {k: replaced.get_json()[k] for k in ("month", "tonnes", "note", "replaced_tonnes")} == {
        "month": "2026-09", "tonnes": 90, "note": "rain", "replaced_tonnes": 100}  # fmt: skip
    session.expire_all()
    assert [(d.month.isoformat(), d.tonnes) for d in session.exec(select(Delivery))] == [
        ("2026-09-01", 90.0)]  # fmt: skip
    log = session.exec(select(ProposalEvent.comment).where(ProposalEvent.action == "delivery")
                       .order_by(col(ProposalEvent.id))).all()  # fmt: skip
    assert log == ["2026-09: 100 t", "2026-09: 90 t (was 100 t). rain"]


@pytest.mark.parametrize(
    ("tonnes", "note", "code", "message"),
    [
        (200.5, "catch-up", "delivery-over-twice",
         "200.5 t in 2026-11 is more than twice the agreed 100 t a month (at most 200 t)."),
        (95, "", "delivery-needs-note",
         "95 t in 2026-11 differs from the agreed 100 t a month: add a note saying why."),
        (130, "catch-up", "over-delivered-offer",
         "130 t in this month would be more than the offer has: 120 t a month, and other "
         "exchanges already delivered 0 t of it."),
    ],
)  # fmt: skip
def test_tonnes_other_than_agreed_need_a_note_and_at_most_twice(client, history, tokens, tonnes,
                                                                note, code, message):  # noqa: F811
    response = _post(client, history, tokens["manager_b"], month="2026-11", tonnes=tonnes,
                     note=note)  # fmt: skip
    assert response.status_code == 409
    assert (response.get_json()["error"]["code"], response.get_json()["error"]["message"]) == (
        code, message)  # fmt: skip
    ok = _post(client, history, tokens["manager_b"], month="2026-11", tonnes=95, note="kiln stop")
    assert (ok.status_code, ok.get_json()["note"]) == (201, "kiln stop")


def test_after_it_ended_no_month_is_taken(app, client, session, world, history,
                                         tokens):  # noqa: F811
    with app.test_request_context(), _at("2026-11-20T01:00:00Z"):
        proposals.change_life(session=session, proposal=history.proposal, user=world.manager_a,
                              action="end")  # fmt: skip
    session.commit()
    late = _post(client, history, tokens["manager_b"], when="2027-01-10T01:00:00Z",
                 month="2026-12", tonnes=100)  # fmt: skip
    assert late.get_json()["error"]["message"] == "2026-12 is after this exchange ended (on Nov 20, 2026)."
    assert _post(client, history, tokens["manager_b"], when="2027-01-10T01:00:00Z",
                 month="2026-11", tonnes=100).status_code == 201  # fmt: skip


def test_the_page_asks_before_replacing_and_names_the_month(client, session, world, history):
    with _at(FIRST_0030):
        sign_in(client, world.manager_b)
        url = f"/exchanges/{history.proposal.id}/deliveries"
        back = client.post(url, data={"month": "2026-08", "tonnes": "100"})
        assert back.status_code == 409
        html = back.get_data(as_text=True)
        assert "2026-08 is before this exchange began: its first month is 2026-09." in html
        assert 'value="2026-08"' in html  # nothing typed is lost
        assert client.post(url, data={"month": "2026-11", "tonnes": "100"}).status_code == 302
        asked = client.post(url, data={"month": "2026-11", "tonnes": "80", "note": "strike"})
        assert asked.status_code == 409
        html = asked.get_data(as_text=True)
        assert "2026-11 already has 100 t recorded." in html
        assert 'name="replace"' in html and 'value="strike"' in html
        done = client.post(url, data={"month": "2026-11", "tonnes": "80", "note": "strike",
                                      "replace": "y"}, follow_redirects=True)  # fmt: skip
        assert ("80 t delivered in 2026-11 were recorded, replacing the 100 t recorded before."
                in done.get_data(as_text=True))  # fmt: skip
        page = client.get(f"/exchanges/{history.proposal.id}").get_data(as_text=True)
        assert 'name="replace"' not in page
        assert "From the exchange's first month to this month in the park (2026-12)." in page
