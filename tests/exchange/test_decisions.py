"""Decisions can be revisited: reject and decline ask first and say "not now" (up to a month)
or "never"; a "not now" pair comes back after its month; a coordinator lifts a ban, saying why.

The park is the one of test_agreed: P offers 100 t of FGD gypsum, Q wants 80 t, at the same
spot; each run proposes P -> Q 80 t unless the pair is forbidden.
"""
# ruff: noqa: F811  (fixtures imported from other test modules are taken as parameters)

from __future__ import annotations

import pytest
from sqlmodel import select

from exchange.models import Proposal, ProposalEvent, ProposalStatus
from exchange.park_calendar import add_months, next_month
from exchange.services import proposals, runs
from tests.exchange.api_fixtures import auth, tokens  # noqa: F401  (a fixture)
from tests.exchange.conftest import sign_in
from tests.exchange.test_agreed import OFFER_FORM, _listing, run_park


@pytest.fixture
def proposed(app, session, world) -> Proposal:
    p, q = world.factory_a, world.factory_b
    q.lat, q.lon, q.name, q.name_en = p.lat, p.lon, "큐공장", "Plant Q"
    session.add(q)
    _listing(app, session, p, world.manager_a, **OFFER_FORM)
    _listing(app, session, q, world.manager_b, kind="want", material="fgd-gypsum",
             tonnes_per_month="80", avoided_kg_co2e_per_t="50")  # fmt: skip
    session.commit()
    run = run_park(app, session, world)
    [proposal] = runs.run_proposals(session=session, run_id=run.id)
    return proposal


def _pair(run) -> list[dict]:
    return run.problem["forbidden"]


def _month(world, ahead: int):
    """The first day of the month `ahead` months after the park's next one."""
    return add_months(next_month(world.park), ahead)


def test_a_reject_asks_first_and_a_not_now_pair_comes_back_after_its_month(
    app, client, session, world, proposed
):
    sign_in(client, world.coordinator)
    url = f"/coordination/proposals/{proposed.id}/reject"
    asked = client.post(url, data={"comment": "not this winter", "back": "run"})
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert "Reject this proposal?" in html and "not this winter" in html
    session.expire_all()
    assert session.get(Proposal, proposed.id).status == ProposalStatus.proposed

    missing = client.post(url, data={"confirm": "1", "refusal": "not-now", "until": ""})
    assert missing.status_code == 422
    assert "Say until which month (YYYY-MM) the pair stays out." in missing.get_data(as_text=True)
    bad = client.post(url, data={"confirm": "1", "refusal": "not-now", "until": "2027-13"})
    assert "(not “2027-13”)" in bad.get_data(as_text=True)

    until = _month(world, 1)
    done = client.post(url, data={"confirm": "1", "refusal": "not-now",
                                  "until": f"{until:%Y-%m}", "comment": "not this winter"})  # fmt: skip
    assert done.status_code == 302
    session.expire_all()
    item = session.get(Proposal, proposed.id)
    assert (item.status, item.refusal, item.refused_until) == ("rejected", "not-now", until)
    page = client.get(f"/coordination/proposals/{item.id}").get_data(as_text=True)
    assert f"Not now: runs up to {until:%Y-%m} leave this pair out" in page

    pair = {"source": f"offer-{item.offer_id}", "sink": f"want-{item.want_id}"}
    during = run_park(app, session, world, month=until.isoformat())
    assert _pair(during) == [pair]
    assert runs.run_proposals(session=session, run_id=during.id) == []
    after = run_park(app, session, world, month=_month(world, 2).isoformat())
    assert _pair(after) == []
    [again] = runs.run_proposals(session=session, run_id=after.id)
    assert (again.offer_id, again.want_id, again.tonnes_per_month) == (
        item.offer_id, item.want_id, 80)  # fmt: skip


def test_a_never_decline_stays_out_until_a_coordinator_lifts_the_ban(
    app, client, session, world, proposed
):
    proposals.approve(session=session, proposal=proposed, user=world.coordinator)
    session.commit()
    sign_in(client, world.manager_b)
    url = f"/exchanges/{proposed.id}/decline"
    asked = client.post(url, data={"comment": "no room"})
    assert asked.status_code == 200 and "Decline this exchange?" in asked.get_data(as_text=True)
    unsaid = client.post(url, data={"confirm": "1", "comment": "no room"})
    assert unsaid.status_code == 422  # "not now" or "never" must be said
    assert client.post(url, data={"confirm": "1", "refusal": "never"}).status_code == 302
    session.expire_all()
    item = session.get(Proposal, proposed.id)
    assert (item.status, item.refusal, item.refused_until) == ("declined", "never", None)

    pair = {"source": f"offer-{item.offer_id}", "sink": f"want-{item.want_id}"}
    assert _pair(run_park(app, session, world, month=_month(world, 12).isoformat())) == [pair]

    sign_in(client, world.coordinator)
    lift = f"/coordination/proposals/{item.id}/lift"
    why = client.post(lift, data={"comment": ""})
    assert why.status_code == 422
    assert "Say why the pair may be proposed again." in why.get_data(as_text=True)
    assert client.post(lift, data={"comment": "Q has a new silo"}).status_code == 302
    session.expire_all()
    [event] = session.exec(select(ProposalEvent).where(ProposalEvent.action == "lift-ban")).all()
    assert (event.user_id, event.comment) == (world.coordinator.id, "Q has a new silo")
    page = client.get(f"/coordination/proposals/{item.id}").get_data(as_text=True)
    assert "Ban lifted by the coordinator" in page and "Q has a new silo" in page
    assert client.post(lift, data={"comment": "again"}).status_code == 409

    freed = run_park(app, session, world)
    assert _pair(freed) == []
    assert len(runs.run_proposals(session=session, run_id=freed.id)) == 1


def test_the_api_says_not_now_or_never(app, client, session, world, proposed, tokens):
    url = f"/api/v1/proposals/{proposed.id}/reject"
    headers = auth(tokens["coordinator"])
    bad = client.post(url, json={"refusal": "not-now"}, headers=headers)
    assert (bad.status_code, bad.get_json()["error"]["field"]) == (422, "until")
    until = _month(world, 0)
    done = client.post(url, json={"refusal": "not-now", "until": f"{until:%Y-%m}"},
                       headers=headers)  # fmt: skip
    body = done.get_json()
    assert (body["status"], body["refusal"], body["refused_until"]) == (
        "rejected", "not-now", until.isoformat())  # fmt: skip
    manager = client.post(f"/api/v1/proposals/{proposed.id}/lift", json={"comment": "x"},
                          headers=auth(tokens["manager_a"]))  # fmt: skip
    assert manager.status_code == 404  # a rejected proposal is not the managers' to see
    lifted = client.post(f"/api/v1/proposals/{proposed.id}/lift", json={"comment": "agreed now"},
                         headers=headers)  # fmt: skip
    assert lifted.status_code == 200 and lifted.get_json()["ban_lifted_at"] is not None


def test_the_confirmation_speaks_korean(client, session, world, proposed):
    sign_in(client, world.coordinator)
    with client.session_transaction() as sess:
        sess["lang"] = "ko"
    html = client.post(f"/coordination/proposals/{proposed.id}/reject").get_data(as_text=True)
    for korean in ("이 제안을 거절할까요?", "지금은 아님: 정한 달 이후 다시 제안",
                   "다시 제안하지 않음(코디네이터가 해제할 때까지)", "예, 거절합니다", "월 80 t"):  # fmt: skip
        assert korean in html, korean
    body = html.split("<main", 1)[1].split("</main>")[0]
    for english in ("Reject", "Not now", "Never", "Comment", "Cancel", "a month"):
        assert english not in body, english


def test_the_back_field_of_a_refusal_only_chooses_between_two_pages(
    app, client, session, world, proposed
):
    """RefusalForm.back (test_security lists the fields that carry ids or pages)."""
    from exchange.park_calendar import park_today

    sign_in(client, world.coordinator)
    this_month = f"{park_today(world.park):%Y-%m}"
    confirm = {"confirm": "1", "refusal": "not-now", "until": this_month}
    evil = client.post(f"/coordination/proposals/{proposed.id}/reject",
                       data=confirm | {"back": "https://evil.example/"})  # fmt: skip
    assert evil.headers["Location"] == f"/coordination/proposals/{proposed.id}"
    run = run_park(app, session, world)  # next month: the pair is back
    [again] = runs.run_proposals(session=session, run_id=run.id)
    back = client.post(f"/coordination/proposals/{again.id}/reject",
                       data=confirm | {"back": "run"})  # fmt: skip
    assert back.headers["Location"] == f"/coordination/runs/{run.id}#proposal-{again.id}"
