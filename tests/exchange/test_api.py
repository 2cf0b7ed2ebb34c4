"""/api/v1 endpoint by endpoint: what each answers, with figures checked by hand."""
# ruff: noqa: F811  (fixtures imported from other test modules are taken as parameters)

from __future__ import annotations

import hashlib
from datetime import timedelta

import time_machine
from sqlmodel import col, select

from exchange.models import ApiToken, Listing, MatchRun, Proposal, utcnow
from exchange.worker import work_once
from tests.exchange.api_fixtures import auth, tokens  # noqa: F401  (a fixture)
from tests.exchange.conftest import sign_in
from tests.exchange.test_coordination_pages import THIS_MONTH, _activate, _approve, scene  # noqa: F401


def test_a_token_made_on_the_profile_page_works_once_shown_and_stops_when_revoked(
    client, session, world
):
    sign_in(client, world.manager_a)
    page = client.post("/auth/profile/tokens", data={"token-name": "FEMS", "token-days": "30"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="name" type="text" value="Manager A"' in html  # the profile's own name
    assert 'name="token-name" required type="text" value=""' in html  # a fresh form for the next
    bad = client.post("/auth/profile/tokens", data={"token-name": "ERP", "token-days": "0"})
    assert bad.status_code == 422 and 'value="ERP"' in bad.get_data(as_text=True)
    secret = page.get_data(as_text=True).split('<code class="secret">')[1].split("<")[0]
    assert secret.startswith("bpx_") and len(secret) == 47
    [stored] = session.exec(select(ApiToken)).all()
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(stored.model_dump())
    assert timedelta(days=29, hours=23) < stored.expires_at - utcnow() <= timedelta(days=30)
    assert secret not in client.get("/auth/profile").get_data(as_text=True)  # shown once
    client.set_cookie("session", "", expires=0)  # the API must not need the browser's session
    me = client.get("/api/v1/me", headers=auth(secret))
    assert me.get_json() == {"id": world.manager_a.id, "email": "a@x.kr", "name": "Manager A",
                             "role": "manager", "park_id": world.park.id,
                             "factory_ids": [world.factory_a.id]}  # fmt: skip
    session.expire_all()
    assert session.get(ApiToken, stored.id).last_used_at is not None
    sign_in(client, world.manager_a)
    assert client.post(f"/auth/profile/tokens/{stored.id}/revoke").status_code == 302
    refused = client.get("/api/v1/me", headers=auth(secret))
    assert refused.status_code == 401
    assert refused.get_json()["error"] == {"code": "invalid-token", "field": None,
                                           "message": "This API token was revoked."}  # fmt: skip


def test_another_users_token_cannot_be_revoked(client, session, world, tokens):
    victim = session.exec(select(ApiToken).where(ApiToken.user_id == world.manager_b.id)).one()
    sign_in(client, world.manager_a)
    assert client.post(f"/auth/profile/tokens/{victim.id}/revoke").status_code == 404
    assert client.get("/api/v1/me", headers=auth(tokens["manager_b"])).status_code == 200


def test_expired_and_unknown_tokens_are_401(client, session, world, tokens):
    token = session.exec(select(ApiToken).where(ApiToken.user_id == world.admin.id)).one()
    token.expires_at = utcnow() - timedelta(seconds=1)
    session.add(token)
    session.commit()
    expired = client.get("/api/v1/me", headers=auth(tokens["admin"])).get_json()
    assert expired["error"]["message"] == "This API token has expired."
    unknown = client.get("/api/v1/me", headers=auth("bpx_" + "x" * 43))
    assert unknown.status_code == 401
    assert unknown.get_json()["error"]["message"] == "This API token is not known."


def test_creating_a_listing_uses_the_forms_rules_and_names_the_field(client, session, world,
                                                                      tokens):  # fmt: skip
    url, headers = f"/api/v1/factories/{world.factory_a.id}/listings", auth(tokens["manager_a"])
    bad = client.post(url, headers=headers, json={"kind": "want", "material": "fgd-gypsum",
                                                   "tonnes_per_month": 0,
                                                   "min_moisture_pct": 30,
                                                   "max_moisture_pct": 10})  # fmt: skip
    assert bad.status_code == 422
    assert bad.get_json()["error"] == {
        "code": "invalid", "field": "tonnes_per_month", "message": "Must be greater than 0.",
        "errors": [{"field": "tonnes_per_month", "message": "Must be greater than 0."},
                   {"field": "min_moisture_pct", "message": "The minimum is above the maximum."}],
    }  # fmt: skip
    typo = client.post(url, headers=headers, json={"kind": "offer", "tonnes": 5})
    assert typo.get_json()["error"]["field"] == "tonnes"
    assert client.post(url, headers=headers, data="{not json").status_code == 400
    assert client.post(url, headers=headers, json=[1, 2]).status_code == 400
    made = client.post(url, headers=headers, json={
        "kind": "want", "material": "FGD gypsum", "accepts": ["steel-slag"],
        "tonnes_per_month": "1,200", "max_moisture_pct": 10, "max_km": 25})  # fmt: skip
    assert made.status_code == 201
    body = made.get_json()
    assert made.headers["Location"].endswith(f"/api/v1/listings/{body['id']}")
    assert (body["material"], body["accepts"], body["tonnes_per_month"], body["version"]) == (
        "fgd-gypsum", ["fgd-gypsum", "steel-slag"], 1200.0, 1)
    assert body["requirements"] == {"moisture_pct": {"max": 10.0}} and body["max_km"] == 25.0
    assert session.exec(select(Listing)).one().factory_id == world.factory_a.id


def test_changing_pausing_and_withdrawing_a_listing(client, session, world, scene, tokens):
    url, headers = f"/api/v1/listings/{scene.offer.id}", auth(tokens["manager_a"])
    changed = client.patch(url, headers=headers, json={"tonnes_per_month": 90})
    assert changed.get_json()["tonnes_per_month"] == 90.0
    assert changed.get_json()["properties"] == {"moisture_pct": 8.0}  # the rest as it was
    assert changed.get_json()["version"] == 2
    assert client.post(url + "/pause", headers=headers).get_json()["status"] == "paused"
    assert client.post(url + "/withdraw", headers=headers).get_json()["status"] == "withdrawn"
    again = client.post(url + "/resume", headers=headers)
    assert again.status_code == 409
    assert again.get_json()["error"]["message"] == "A withdrawn listing cannot be changed."
    assert client.patch(url, headers=headers, json={"tonnes_per_month": 5}).status_code == 409
    session.expire_all()
    assert session.get(Listing, scene.offer.id).version == 4


def test_lists_page_and_filter_the_same_way(client, world, scene, tokens):
    headers = auth(tokens["coordinator"])
    first = client.get("/api/v1/listings?per_page=2", headers=headers).get_json()
    assert (first["total"], first["page"], first["per_page"], first["next"]) == (5, 1, 2, 2)
    assert len(first["items"]) == 2
    last = client.get("/api/v1/listings?per_page=2&page=3", headers=headers).get_json()
    assert (len(last["items"]), last["next"]) == (1, None)
    wants = client.get("/api/v1/listings?kind=want&material=coal-fly-ash", headers=headers)
    assert [x["tonnes_per_month"] for x in wants.get_json()["items"]] == [50.0]
    too_many = client.get("/api/v1/listings?per_page=101", headers=headers)
    assert too_many.status_code == 422
    assert too_many.get_json()["error"]["field"] == "per_page"
    assert client.get("/api/v1/listings?status=gone", headers=headers).status_code == 422
    mine = client.get("/api/v1/factories", headers=auth(tokens["manager_b"])).get_json()
    assert [f["name"] for f in mine["items"]] == ["Factory B"]
    everyone = client.get("/api/v1/factories", headers=auth(tokens["admin"])).get_json()
    assert everyone["total"] == 3
    found = client.get("/api/v1/materials?q=10 01 05").get_json()
    assert [m["key"] for m in found["items"]] == ["fgd-gypsum"]


def test_start_a_run_poll_it_and_read_its_plan(app, client, session, world, scene, tokens):
    headers = auth(tokens["coordinator"])
    bad = client.post("/api/v1/runs", headers=headers, json={"time_limit_s": 0})
    assert bad.get_json()["error"] == {"code": "invalid", "field": "time_limit_s",
                                       "message": "Must be at least 1.",
                                       "errors": [{"field": "time_limit_s",
                                                   "message": "Must be at least 1."}]}  # fmt: skip
    started = client.post("/api/v1/runs", headers=headers,
                          json={"materials": ["fgd-gypsum"], "max_partners_per_sink": 2})  # fmt: skip
    assert started.status_code == 201
    run = started.get_json()
    assert (run["status"], run["finished"]) == ("queued", False)
    assert run["options"]["materials"] == ["fgd-gypsum"]
    assert run["options"]["modes"]["truck"] == {"kg_co2e_per_tkm": 0.107, "circuity": 1.3}
    busy = client.post("/api/v1/runs", headers=headers, json={})
    assert busy.status_code == 409 and busy.get_json()["error"]["code"] == "run-busy"
    assert f"Run #{run['id']} of this park is still under way" in busy.get_json()["error"]["message"]
    assert client.get(f"/api/v1/runs/{run['id']}/plan", headers=headers).status_code == 404
    assert work_once(app, "test")
    done = client.get(f"/api/v1/runs/{run['id']}", headers=headers).get_json()
    assert (done["status"], done["finished"]) == ("done", True)
    plan = client.get(f"/api/v1/runs/{run['id']}/plan", headers=headers).get_json()
    [exchange] = plan["exchanges"]
    assert exchange["tonnes"] == 100.0
    problem = client.get(f"/api/v1/runs/{run['id']}/problem", headers=headers).get_json()
    session.expire_all()
    assert problem == session.get(MatchRun, run["id"]).problem
    assert [s["material"] for s in problem["sources"]] == ["fgd-gypsum"]


def test_approve_accept_and_deliver_through_the_api(client, session, world, scene, tokens):
    p = scene.proposal.id
    listed = client.get("/api/v1/proposals?status=proposed",
                        headers=auth(tokens["coordinator"])).get_json()  # fmt: skip
    assert [(x["id"], x["tonnes_per_month"]) for x in listed["items"]] == [(p, 100.0)]
    assert client.get("/api/v1/proposals", headers=auth(tokens["manager_a"])).get_json()[
        "total"] == 0  # managers see it from approval on
    approved = client.post(f"/api/v1/proposals/{p}/approve", headers=auth(tokens["coordinator"]),
                           json={"comment": "good"})  # fmt: skip
    assert approved.get_json()["status"] == "approved"
    twice = client.post(f"/api/v1/proposals/{p}/reject", headers=auth(tokens["coordinator"]))
    assert twice.status_code == 409
    assert twice.get_json()["error"]["message"] == (
        "Someone else has already decided this proposal (now: Approved).")
    first = client.post(f"/api/v1/proposals/{p}/accept", headers=auth(tokens["manager_a"]))
    assert (first.get_json()["status"], first.get_json()["want_accepted_at"]) == ("approved", None)
    second = client.post(f"/api/v1/proposals/{p}/accept", headers=auth(tokens["manager_b"]))
    assert second.get_json()["status"] == "active"
    url = f"/api/v1/exchanges/{p}/deliveries"
    over = client.post(url, headers=auth(tokens["manager_b"]), json={"month": THIS_MONTH,
                                                                      "tonnes": 130, "note": "x"})  # fmt: skip
    assert over.status_code == 409 and over.get_json()["error"]["code"] == "over-delivered-offer"
    late = client.post(url, headers=auth(tokens["manager_b"]), json={"month": "2025-13",
                                                                      "tonnes": 5})  # fmt: skip
    assert late.get_json()["error"]["field"] == "month"
    ok = client.post(url, headers=auth(tokens["manager_b"]), json={"month": THIS_MONTH,
                                                                    "tonnes": 95.5, "note": "rain"})  # fmt: skip
    assert ok.status_code == 201
    assert {k: ok.get_json()[k] for k in ("proposal_id", "month", "tonnes")} == {
        "proposal_id": p, "month": THIS_MONTH, "tonnes": 95.5}
    running = client.get("/api/v1/exchanges", headers=auth(tokens["manager_a"])).get_json()
    assert [x["id"] for x in running["items"]] == [p]


def test_deliveries_are_listed_latest_first_and_an_exchange_is_suspended_resumed_ended(
    client, session, world, scene, tokens
):
    with time_machine.travel("2025-05-01T03:00:00Z", tick=False):  # it ran since May 2025
        _activate(session, world, scene)
    p, manager, coordinator = scene.proposal.id, auth(tokens["manager_b"]), auth(tokens["coordinator"])
    url = f"/api/v1/exchanges/{p}/deliveries"
    for month, tonnes in (("2025-05", 70), ("2025-07", 90.5), ("2025-06", 80)):
        body = {"month": month, "tonnes": tonnes, "note": "less than agreed"}
        assert client.post(url, headers=manager, json=body).status_code == 201
    page = client.get(f"{url}?per_page=2", headers=manager).get_json()
    assert [(d["month"], d["tonnes"]) for d in page["items"]] == [("2025-07", 90.5), ("2025-06", 80)]
    assert (page["total"], page["next"]) == (3, 2)
    rest = client.get(f"{url}?per_page=2&page=2", headers=manager).get_json()
    assert [(d["month"], rest["next"]) for d in rest["items"]] == [("2025-05", None)]

    life = f"/api/v1/exchanges/{p}"
    assert client.post(f"{life}/resume", headers=coordinator).status_code == 409  # it runs
    suspended = client.post(f"{life}/suspend", headers=manager, json={"comment": "kiln repair"})
    assert suspended.get_json()["status"] == "suspended"
    assert client.post(f"{life}/resume", headers=manager).status_code == 403  # the coordinator's
    assert client.post(f"{life}/resume", headers=coordinator).get_json()["status"] == "active"
    assert client.post(f"{life}/end", headers=auth(tokens["manager_a"])).get_json()["status"] == "ended"
    refused = client.post(f"{life}/suspend", headers=coordinator)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "wrong-status"


def test_a_failed_run_is_retried_with_its_options(client, session, world, scene, tokens):
    from exchange.models import RunStatus

    coordinator = auth(tokens["coordinator"])
    done = client.post(f"/api/v1/runs/{scene.run.id}/retry", headers=coordinator)
    assert done.status_code == 409 and done.get_json()["error"]["code"] == "wrong-status"
    failed = MatchRun(park_id=world.park.id, status=RunStatus.failed, message="worker-lost:solving",
                      options={"min_lot_t": 7.0})  # fmt: skip
    session.add(failed)
    session.commit()
    again = client.post(f"/api/v1/runs/{failed.id}/retry", headers=coordinator)
    assert again.status_code == 201
    body = again.get_json()
    assert (body["status"], body["retry_of_id"], body["options"]["min_lot_t"]) == ("queued", failed.id, 7.0)
    assert again.headers["Location"].endswith(f"/api/v1/runs/{body['id']}")
    busy = client.post(f"/api/v1/runs/{failed.id}/retry", headers=coordinator)
    assert busy.status_code == 409 and busy.get_json()["error"]["code"] == "run-busy"
    assert client.post(f"/api/v1/runs/{failed.id}/retry", headers=auth(tokens["manager_a"])).status_code == 404


def test_approving_beyond_the_offer_is_409_with_the_pages_words(client, session, world, scene,
                                                                tokens):  # fmt: skip
    _approve(session, world, scene)
    p = scene.proposal
    second = Proposal(run_id=p.run_id, park_id=p.park_id, offer_id=p.offer_id,
                      want_id=p.want_id, offer_version=scene.offer.version,
                      want_version=scene.want.version, material_key="fgd-gypsum",
                      tonnes_per_month=50, mode="truck", km=5, transport_kg_co2e=30,
                      disposal_avoided_kg_co2e=100, virgin_avoided_kg_co2e=100,
                      net_saved_kg_co2e=170)  # fmt: skip
    session.add(second)
    session.commit()
    response = client.post(f"/api/v1/proposals/{second.id}/approve",
                           headers=auth(tokens["coordinator"]))  # fmt: skip
    assert response.status_code == 409
    assert response.get_json()["error"] == {
        "code": "over-allocated-offer", "field": None,
        "message": "Approving this would promise 50 t of an offer that has 120 t a month; "
                   "100 t are already held by other exchanges."}  # fmt: skip
    session.expire_all()
    assert session.get(Proposal, second.id).status == "proposed"
    assert session.exec(select(Proposal).where(col(Proposal.status) == "approved")).one().id == p.id


def test_errors_speak_korean_when_asked(client, tokens):
    answer = client.get("/api/v1/listings/99999", headers={**auth(tokens["admin"]),
                                                           "Accept-Language": "ko"})  # fmt: skip
    assert answer.get_json()["error"]["message"] == "이 주소에는 페이지가 없습니다."


def test_the_readable_page_shows_every_operation(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "POST /api/v1/factories/{factory_id}/listings" in page
    assert 'id="schema-ListingCreate"' in page and "<script" not in page
