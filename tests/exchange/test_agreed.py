"""Agreed tonnes are protected: a listing lowered below what its exchanges carry is refused
unless its manager confirms, and a match run never fails the park for it.

The park: factories P and Q at the same spot (no transport). P offers 100 t a month of FGD
gypsum (disposal 100 kg CO2e/t), Q wants 80 t (virgin material avoided 50 kg CO2e/t). The
first run proposes P -> Q 80 t, net 80 x (100 + 50) = 12,000 kg = 12 t CO2e a month; both
accept. P's manager then lowers the offer to 50 t: the exchange can only carry 50 t
(7.5 t CO2e a month).
"""
# ruff: noqa: F811  (fixtures imported from other test modules are taken as parameters)

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import Session, col, select

from exchange import worker
from exchange.models import (
    Factory,
    Listing,
    MatchRun,
    Notification,
    Proposal,
    ProposalStatus,
    RunStatus,
    User,
)
from exchange.services import proposals, runs
from exchange.services.listing_input import parse_listing
from exchange.services.listings import create_listing
from tests.exchange.api_fixtures import auth, tokens  # noqa: F401  (a fixture)
from tests.exchange.conftest import World, sign_in

OFFER_FORM = {"kind": "offer", "material": "fgd-gypsum", "tonnes_per_month": "100",
              "steadiness": "continuous", "disposal_kg_co2e_per_t": "100"}  # fmt: skip


@dataclass
class Agreed:
    offer: Listing
    want: Listing
    exchange: Proposal
    p: Factory
    q: Factory


def run_park(app, session: Session, world: World, **options) -> MatchRun:
    run = runs.queue_run(session=session, park=world.park, user=world.coordinator,
                         options=options)  # fmt: skip
    session.commit()
    assert worker.work_once(app, "test") is True
    session.expire_all()
    return session.get(MatchRun, run.id)


def _listing(app, session, factory, user, **raw) -> Listing:
    with app.test_request_context():
        item = create_listing(session=session, factory=factory, user=user,
                              listing_in=parse_listing(raw))  # fmt: skip
    return item


@pytest.fixture
def agreed(app, session, world) -> Agreed:
    """P -> Q, 80 t a month, accepted by both (P is managed by A, Q by B)."""
    p, q = world.factory_a, world.factory_b
    p.name, p.name_en, q.name, q.name_en = "피공장", "Plant P", "큐공장", "Plant Q"
    q.lat, q.lon = p.lat, p.lon
    session.add_all([p, q])
    offer = _listing(app, session, p, world.manager_a, **OFFER_FORM)
    want = _listing(app, session, q, world.manager_b, kind="want", material="fgd-gypsum",
                    tonnes_per_month="80", avoided_kg_co2e_per_t="50")  # fmt: skip
    session.commit()
    run = run_park(app, session, world)
    assert run.status == RunStatus.done, run.message
    [exchange] = runs.run_proposals(session=session, run_id=run.id)
    assert (exchange.tonnes_per_month, exchange.km, exchange.net_saved_kg_co2e) == (80, 0, 12000)
    proposals.approve(session=session, proposal=exchange, user=world.coordinator)
    proposals.accept(session=session, proposal=exchange, user=world.manager_a, side="offer")
    proposals.accept(session=session, proposal=exchange, user=world.manager_b, side="want")
    session.commit()
    assert exchange.status == ProposalStatus.active
    return Agreed(offer, want, exchange, p, q)


def _notified(session, proposal_id) -> set[str]:
    rows = session.exec(
        select(User.email).join(Notification, Notification.user_id == User.id)
        .where(Notification.proposal_id == proposal_id,
               Notification.text == "agreed-tonnes-lowered")
    )  # fmt: skip
    return set(rows)


def test_the_form_refuses_to_go_below_an_agreed_exchange_until_confirmed(
    client, session, world, agreed
):
    sign_in(client, world.manager_a)
    url = f"/factories/listings/{agreed.offer.id}/edit"
    refused = client.post(url, data=OFFER_FORM | {"tonnes_per_month": "50"})
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert "This would leave 50 t a month, below the 80 t a month that agreed exchanges" in html
    assert f'href="/exchanges/{agreed.exchange.id}">Exchange #{agreed.exchange.id}</a>' in html
    assert "with Plant Q, 80 t a month" in html
    assert 'value="50"' in html  # what was typed is kept
    session.expire_all()
    assert (session.get(Listing, agreed.offer.id).tonnes_per_month, agreed.offer.version) == (
        100, 1)  # fmt: skip
    assert _notified(session, agreed.exchange.id) == set()

    saved = client.post(url, data=OFFER_FORM | {"tonnes_per_month": "50", "confirm": "1"})
    assert saved.status_code == 302
    session.expire_all()
    offer = session.get(Listing, agreed.offer.id)
    assert (offer.tonnes_per_month, offer.version) == (50, 2)
    exchange = session.get(Proposal, agreed.exchange.id)
    assert (exchange.status, exchange.needs_attention) == (ProposalStatus.active, True)
    # the coordinator and the partner factory's manager; not the one who made the change
    assert _notified(session, exchange.id) == {"coord@x.kr", "b@x.kr"}


def test_a_change_that_keeps_the_agreed_tonnes_needs_no_confirmation(
    client, session, world, agreed
):
    sign_in(client, world.manager_a)
    saved = client.post(f"/factories/listings/{agreed.offer.id}/edit",
                        data=OFFER_FORM | {"tonnes_per_month": "80"})  # fmt: skip
    assert saved.status_code == 302
    session.expire_all()
    assert session.get(Listing, agreed.offer.id).tonnes_per_month == 80
    assert session.get(Proposal, agreed.exchange.id).needs_attention is False


def test_pausing_and_withdrawing_name_the_exchanges_first(client, session, world, agreed):
    sign_in(client, world.manager_b)
    paused = client.post(f"/factories/listings/{agreed.want.id}/pause")
    assert paused.status_code == 409
    html = paused.get_data(as_text=True)
    assert "This would leave 0 t a month, below the 80 t a month" in html
    assert "with Plant P, 80 t a month" in html
    withdraw = client.post(f"/factories/listings/{agreed.want.id}/withdraw")
    assert withdraw.status_code == 200  # a withdrawal always asks first
    assert "Withdraw this listing for good?" in withdraw.get_data(as_text=True)
    assert "with Plant P, 80 t a month" in withdraw.get_data(as_text=True)
    session.expire_all()
    assert session.get(Listing, agreed.want.id).status == "active"

    done = client.post(f"/factories/listings/{agreed.want.id}/pause", data={"confirm": "1"})
    assert done.status_code == 302
    session.expire_all()
    assert session.get(Listing, agreed.want.id).status == "paused"
    assert session.get(Proposal, agreed.exchange.id).needs_attention is True
    assert _notified(session, agreed.exchange.id) == {"coord@x.kr", "a@x.kr"}


def test_the_api_answers_409_naming_the_exchanges_and_goes_ahead_when_confirmed(
    client, session, world, agreed, tokens
):
    url = f"/api/v1/listings/{agreed.offer.id}"
    refused = client.patch(url, json={"tonnes_per_month": 50}, headers=auth(tokens["manager_a"]))
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "agreed-tonnes"
    assert error["held_tonnes"] == 80
    assert error["exchanges"] == [{"id": agreed.exchange.id, "tonnes_per_month": 80,
                                   "partner_factory_id": agreed.q.id}]  # fmt: skip
    assert f"#{agreed.exchange.id} with Plant Q (80 t a month)" in error["message"]
    paused = client.post(f"{url}/pause", headers=auth(tokens["manager_a"]))
    assert (paused.status_code, paused.get_json()["error"]["code"]) == (409, "agreed-tonnes")
    session.expire_all()
    assert session.get(Listing, agreed.offer.id).tonnes_per_month == 100

    done = client.patch(url + "?confirm=true", json={"tonnes_per_month": 50},
                        headers=auth(tokens["manager_a"]))  # fmt: skip
    assert (done.status_code, done.get_json()["tonnes_per_month"]) == (200, 50)
    session.expire_all()
    assert session.get(Proposal, agreed.exchange.id).needs_attention is True
    assert _notified(session, agreed.exchange.id) == {"coord@x.kr", "b@x.kr"}


def _lower_offer(app, client, session, world, agreed, tonnes: str) -> None:
    sign_in(client, world.manager_a)
    saved = client.post(f"/factories/listings/{agreed.offer.id}/edit",
                        data=OFFER_FORM | {"tonnes_per_month": tonnes, "confirm": "1"})  # fmt: skip
    assert saved.status_code == 302


def test_a_run_after_the_offer_was_lowered_succeeds_and_names_the_conflict(
    app, client, session, world, agreed
):
    _lower_offer(app, client, session, world, agreed, "50")
    run = run_park(app, session, world)
    # before: "locked tonnes from source offer-N exceed its tonnes", and every run failed
    assert run.status == RunStatus.done, run.message
    assert run.problem["locked"] == [
        {"source": f"offer-{agreed.offer.id}", "sink": f"want-{agreed.want.id}", "tonnes": 50.0}
    ]
    assert run.notes["conflicts"] == [{
        "proposals": [agreed.exchange.id], "offer_id": agreed.offer.id,
        "want_id": agreed.want.id, "side": "offer", "agreed": 80.0, "counted": 50.0,
        "listing_tonnes": 50.0,
    }]  # fmt: skip
    assert run.notes["summary"] == {
        "new": {"count": 0, "tonnes": 0.0, "saved_kg_co2e": 0.0},
        "running": {"count": 1, "tonnes": 50.0, "saved_kg_co2e": 7500.0},
    }
    sign_in(client, world.coordinator)
    html = client.get(f"/coordination/runs/{run.id}").get_data(as_text=True)
    assert ("agreed at 80 t a month, but the offer of Plant P now has 50 t a month; this run "
            "counted 50 t.") in html  # fmt: skip
    for link in (f'href="/coordination/proposals/{agreed.exchange.id}"',
                 f'href="/factories/listings/{agreed.offer.id}"',
                 f'href="/factories/{agreed.p.id}"', f'href="/factories/{agreed.q.id}"'):
        assert link in html, link
    assert f"offer-{agreed.offer.id}" not in html and f"want-{agreed.want.id}" not in html

    with client.session_transaction() as sess:
        sess["lang"] = "ko"
    korean = client.get(f"/coordination/runs/{run.id}").get_data(as_text=True)
    assert ("월 80 t로 합의했지만 피공장의 제공 항목은 이제 월 50 t입니다. 이번 실행은 50 t만 "
            "반영했습니다.") in korean
    assert "Plant P" not in korean and "agreed at" not in korean


def test_a_paused_partner_is_named_and_the_run_succeeds(app, client, session, world, agreed):
    sign_in(client, world.manager_b)
    assert client.post(f"/factories/listings/{agreed.want.id}/pause", data={"confirm": "1"}).status_code == 302
    run = run_park(app, session, world)
    assert run.status == RunStatus.done, run.message
    assert run.problem["locked"] == [] and run.problem["sinks"] == []
    assert run.notes["unavailable"] == [{"listing_id": agreed.want.id, "why": "paused"}]
    [conflict] = run.notes["conflicts"]
    assert (conflict["side"], conflict["agreed"], conflict["counted"]) == ("want", 80.0, 0.0)
    sign_in(client, world.coordinator)
    html = client.get(f"/coordination/runs/{run.id}").get_data(as_text=True)
    assert "but the want of Plant Q is paused; this run counted none of it." in html
    assert "Not available in the period" in html


def test_a_failed_runs_message_names_listings_not_problem_ids(app, client, session, world, agreed):
    run = MatchRun(park_id=world.park.id, status=RunStatus.failed,
                   message=f"matcher: locked tonnes from source offer-{agreed.offer.id} exceed "
                           "its tonnes")  # fmt: skip
    session.add(run)
    session.commit()
    sign_in(client, world.coordinator)
    html = client.get(f"/coordination/runs/{run.id}").get_data(as_text=True)
    listing = f'<a href="/factories/listings/{agreed.offer.id}">#{agreed.offer.id}</a>'
    assert f"""<a href="/factories/{agreed.p.id}">Plant P</a>'s offer ({listing})""" in html
    assert f"offer-{agreed.offer.id}" not in html


def test_the_oldest_agreed_exchange_keeps_its_tonnes_first(app, session, world, agreed):
    """A second taker R (20 t) agreed later; the offer lowered to 90 t: P -> Q keeps 80 t,
    P -> R gets the 10 t left."""
    r = Factory(park_id=world.park.id, slug="r", name="알공장", name_en="Plant R",
                lat=agreed.p.lat, lon=agreed.p.lon)  # fmt: skip
    session.add(r)
    session.flush()
    want_r = _listing(app, session, r, None, kind="want", material="fgd-gypsum",
                      tonnes_per_month="20", avoided_kg_co2e_per_t="50")  # fmt: skip
    session.commit()
    second = run_park(app, session, world)
    [to_r] = runs.run_proposals(session=session, run_id=second.id)
    assert (to_r.want_id, to_r.tonnes_per_month) == (want_r.id, 20)
    proposals.approve(session=session, proposal=to_r, user=world.coordinator)
    session.commit()
    offer = session.get(Listing, agreed.offer.id)
    offer.tonnes_per_month = 90.0
    session.add(offer)
    session.commit()
    third = run_park(app, session, world)
    assert third.status == RunStatus.done, third.message
    assert sorted((x["sink"], x["tonnes"]) for x in third.problem["locked"]) == [
        (f"want-{agreed.want.id}", 80.0), (f"want-{want_r.id}", 10.0)]  # fmt: skip
    assert [(c["want_id"], c["agreed"], c["counted"]) for c in third.notes["conflicts"]] == [
        (want_r.id, 20.0, 10.0)]  # fmt: skip
    held = session.exec(select(Proposal).where(col(Proposal.status).in_(["approved", "active"])))
    assert len(list(held)) == 2


def test_on_the_demo_park_an_offer_lowered_below_its_exchange_no_longer_fails_runs(
    app, session
):
    """The report: on the demo park (twelve running exchanges), one offer lowered below its
    exchange made every later run fail with "locked tonnes from source offer-85 exceed its
    tonnes"."""
    from datetime import date

    from exchange.models import Park, Role
    from exchange.seed import load_demo
    from exchange.services.listing_input import listing_to_raw
    from exchange.services.listings import update_listing

    with app.test_request_context():
        load_demo(session=session, history=True, today=date(2026, 11, 20))
        session.commit()
        park = session.exec(select(Park)).one()
        coordinator = session.exec(select(User).where(User.role == Role.coordinator)).first()
        active = list(session.exec(
            select(Proposal).where(Proposal.status == ProposalStatus.active)
            .order_by(col(Proposal.tonnes_per_month).desc(), col(Proposal.id))
        ))  # fmt: skip
        # the largest exchange of an offer that has no other: all it loses is its own
        exchange = next(p for p in active if [x.offer_id for x in active].count(p.offer_id) == 1)
        offer = session.get(Listing, exchange.offer_id)
        held = exchange.tonnes_per_month
        raw = listing_to_raw(offer) | {"tonnes_per_month": str(held / 2)}
        update_listing(session=session, listing=offer, listing_in=parse_listing(raw),
                       user=coordinator, confirm=True)  # fmt: skip
        session.commit()
    run = runs.queue_run(session=session, park=park, user=coordinator, options={})
    session.commit()
    assert worker.work_once(app, "test") is True
    session.expire_all()
    run = session.get(MatchRun, run.id)
    assert run.status == RunStatus.done, run.message
    [conflict] = run.notes["conflicts"]
    assert (conflict["proposals"], conflict["agreed"], conflict["counted"]) == (
        [exchange.id], held, held / 2)  # fmt: skip
    locked = {(x["source"], x["sink"]): x["tonnes"] for x in run.problem["locked"]}
    assert len(locked) == 12
    assert locked[(f"offer-{offer.id}", f"want-{exchange.want_id}")] == held / 2


def test_a_sheet_cannot_take_a_listing_below_its_agreed_exchange(
    app, client, session, world, agreed, tmp_path
):
    """The round trip (export, edit, import by id) is a path too: 50 t in the sheet where the
    exchange carries 80 t is an error naming the exchange, and nothing is saved; 90 t passes."""
    import csv
    import io

    from tests.exchange.test_field_cases import error_rows, upload

    app.config["IMPORT_DRAFTS"] = str(tmp_path / "imports")
    sign_in(client, world.manager_a)
    text = client.get(f"/factories/{agreed.p.id}/export.csv?lang=en").data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    column = table[0].index("tonnes_per_month")
    table[1][column] = "50"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table)
    html = upload(client, agreed.p.id, "lowered.csv", buffer.getvalue().encode()).get_data(
        as_text=True
    )
    [(line, field, message, typed)] = error_rows(html)
    assert (line, field, typed) == ("2", "tonnes_per_month", "50")
    assert f"#{agreed.exchange.id} with 큐공장 (80 t a month)" in message
    session.expire_all()
    assert session.get(Listing, agreed.offer.id).tonnes_per_month == 100
    table[1][column] = "90"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table)
    html = upload(client, agreed.p.id, "ok.csv", buffer.getvalue().encode()).get_data(as_text=True)
    assert error_rows(html) == [] and "Update 1" in html
