"""The run, proposal and exchange pages: who may see and do what, and what they say."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import col, select

from exchange.models import (
    Listing,
    MatchRun,
    Notification,
    Proposal,
    ProposalEvent,
    Role,
    RunStatus,
    utcnow,
)
from exchange.park_calendar import next_month, park_today
from exchange.services import proposals, runs, users
from exchange.services.listing_input import parse_listing
from exchange.services.listings import create_listing, update_listing
from exchange.worker import work_once
from tests.exchange.conftest import sign_in

ROLES = ["anonymous", "manager_a", "manager_b", "other_coordinator", "coordinator", "admin"]


@dataclass
class Scene:
    run: MatchRun
    proposal: Proposal  # 100 t of FGD gypsum from factory A to factory B
    offer: Listing
    want: Listing


def _listing(session, factory, user, **raw) -> Listing:
    return create_listing(session=session, factory=factory, listing_in=parse_listing(raw),
                          user=user)  # fmt: skip


def _run(app, session, world, options=None) -> MatchRun:
    run = runs.queue_run(session=session, park=world.park, user=world.coordinator,
                         options=options or {})  # fmt: skip
    session.commit()
    assert work_once(app, "test")
    session.expire_all()
    return session.get(MatchRun, run.id)


@pytest.fixture
def scene(app, session, world) -> Scene:
    """Factory A offers FGD gypsum (120 t), fly ash too wet for B, and slag nobody takes;
    factory B wants 100 t of gypsum and dry fly ash."""
    a, b = world.factory_a, world.factory_b
    with app.test_request_context():
        offer = _listing(session, a, world.manager_a, kind="offer", material="fgd-gypsum",
                         tonnes_per_month="120", moisture_pct="8")  # fmt: skip
        _listing(session, a, world.manager_a, kind="offer", material="coal-fly-ash",
                 tonnes_per_month="40", moisture_pct="82")  # fmt: skip
        _listing(session, a, world.manager_a, kind="offer", material="steel-slag",
                 tonnes_per_month="30")  # fmt: skip
        want = _listing(session, b, world.manager_b, kind="want", material="fgd-gypsum",
                        tonnes_per_month="100", max_moisture_pct="10")  # fmt: skip
        _listing(session, b, world.manager_b, kind="want", material="coal-fly-ash",
                 tonnes_per_month="50", max_moisture_pct="65")  # fmt: skip
    session.commit()
    run = _run(app, session, world)
    [proposal] = runs.run_proposals(session=session, run_id=run.id)
    return Scene(run=run, proposal=proposal, offer=offer, want=want)


def _approve(session, world, scene) -> None:
    proposals.approve(session=session, proposal=scene.proposal, user=world.coordinator)
    session.commit()


def _activate(session, world, scene) -> None:
    _approve(session, world, scene)
    for side, user in (("offer", world.manager_a), ("want", world.manager_b)):
        proposals.accept(session=session, proposal=scene.proposal, user=user, side=side)
    session.commit()


STATES = {"proposed": lambda s, w, sc: None, "approved": _approve, "active": _activate}
THIS_MONTH = f"{park_today():%Y-%m}"  # an exchange activated now takes this month only
DELIVERY = {"month": THIS_MONTH, "tonnes": "100"}
RUN_FORM = {"min_lot_t": "5", "max_partners_per_source": "", "max_partners_per_sink": "2",
            "time_limit_s": "30", "truck_factor": "0.1", "truck_circuity": "1.3",
            "rail_factor": "0.03", "rail_circuity": "1.2", "scope": "materials",
            "materials": ["fgd-gypsum"]}  # fmt: skip

# (method, url, state of the proposal, expected status per role in the order of ROLES)
MATRIX = [
    ("GET", "/coordination/runs?park={park}", "proposed", [302, 403, 403, 200, 200, 200]),
    ("GET", "/coordination/runs/new?park={park}", "proposed", [302, 403, 403, 200, 200, 200]),
    ("POST", "/coordination/runs/new?park={park}", "proposed", [302, 403, 403, 302, 302, 302]),
    ("GET", "/coordination/runs/{run}", "proposed", [302, 403, 403, 404, 200, 200]),
    ("GET", "/coordination/runs/{run}/status.json", "proposed", [302, 403, 403, 404, 200, 200]),
    ("GET", "/coordination/runs/{run}/problem.json", "proposed", [302, 403, 403, 404, 200, 200]),
    ("GET", "/coordination/runs/{run}/plan.json", "proposed", [302, 403, 403, 404, 200, 200]),
    ("POST", "/coordination/runs/{run}/retry", "proposed", [302, 403, 403, 404, 409, 409]),
    ("GET", "/coordination/runs/99999", "proposed", [302, 403, 403, 404, 404, 404]),
    ("GET", "/coordination/proposals/{p}", "proposed", [302, 403, 403, 404, 200, 200]),
    ("POST", "/coordination/proposals/{p}/approve", "proposed", [302, 403, 403, 404, 302, 302]),
    # reject and decline ask first (200), "not now" or "never"
    ("POST", "/coordination/proposals/{p}/reject", "proposed", [302, 403, 403, 404, 200, 200]),
    ("POST", "/coordination/proposals/{p}/lift", "proposed", [302, 403, 403, 404, 422, 422]),
    ("POST", "/coordination/proposals/{p}/suspend", "active", [302, 403, 403, 404, 302, 302]),
    ("POST", "/coordination/proposals/{p}/suspend", "proposed", [302, 403, 403, 404, 409, 409]),
    ("GET", "/coordination/proposals/99999", "proposed", [302, 403, 403, 404, 404, 404]),
    ("GET", "/exchanges/", "proposed", [302, 200, 200, 200, 200, 200]),
    ("GET", "/exchanges/notifications", "proposed", [302, 200, 200, 200, 200, 200]),
    ("GET", "/exchanges/{p}", "proposed", [302, 404, 404, 404, 200, 200]),
    ("GET", "/exchanges/{p}", "approved", [302, 200, 200, 404, 200, 200]),
    ("GET", "/exchanges/99999", "proposed", [302, 404, 404, 404, 404, 404]),
    ("POST", "/exchanges/{p}/accept", "approved", [302, 302, 302, 404, 403, 403]),
    ("POST", "/exchanges/{p}/decline", "approved", [302, 200, 200, 404, 403, 403]),
    ("POST", "/exchanges/{p}/accept", "proposed", [302, 404, 404, 404, 403, 403]),
    ("POST", "/exchanges/{p}/deliveries", "active", [302, 302, 302, 404, 403, 403]),
    ("POST", "/exchanges/{p}/suspend", "active", [302, 302, 302, 404, 403, 403]),
    ("POST", "/exchanges/{p}/end", "active", [302, 302, 302, 404, 403, 403]),
]


@pytest.mark.parametrize(("method", "url", "state", "expected"), MATRIX,
                         ids=[f"{m[0]} {m[1]} {m[2]}" for m in MATRIX])  # fmt: skip
@pytest.mark.parametrize("role", ROLES)
def test_role_url_matrix(client, session, world, scene, method, url, state, expected, role):
    STATES[state](session, world, scene)
    sign_in(client, None if role == "anonymous" else getattr(world, role))
    target = url.format(park=world.park.id, run=scene.run.id, p=scene.proposal.id)
    data = {"deliveries": DELIVERY, "new?park={park}": RUN_FORM}.get(url.rsplit("/", 1)[1], {})
    response = client.open(target, method=method, data=data)
    assert response.status_code == expected[ROLES.index(role)]
    if role == "anonymous":
        assert "/auth/login" in response.headers["Location"]


def test_run_page_shows_totals_proposals_and_reasons_in_words(client, world, scene):
    sign_in(client, world.coordinator)
    page = client.get(f"/coordination/runs/{scene.run.id}").get_data(as_text=True)
    assert "Factory A" in page and "Factory B" in page
    assert '<svg class="network"' in page
    assert "No factory takes this material" in page
    link_b = f'<a href="/factories/{world.factory_b.id}">Factory B</a>'
    assert (f"Quality: moisture 82 % above the 65 % that the nearest taker, {link_b}, accepts"
            in page)  # fmt: skip
    assert f"Takers are full: the capacity of {link_b} went to exchanges that save more" in page
    assert not re.search(r"\b(offer|want)-\d", page)  # no internal problem id
    assert f'action="/coordination/proposals/{scene.proposal.id}/approve"' in page
    assert "run-progress.js" not in page  # a finished run needs no polling


def test_problem_download_is_exactly_the_stored_problem(client, world, scene):
    sign_in(client, world.coordinator)
    response = client.get(f"/coordination/runs/{scene.run.id}/problem.json")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert json.loads(response.data) == scene.run.problem
    plan = client.get(f"/coordination/runs/{scene.run.id}/plan.json")
    assert json.loads(plan.data) == scene.run.plan


def test_new_run_queues_and_a_second_is_refused_while_busy(client, session, world, scene):
    sign_in(client, world.coordinator)
    form = RUN_FORM
    response = client.post("/coordination/runs/new", data=form)
    assert response.status_code == 302
    run = session.exec(select(MatchRun).order_by(col(MatchRun.id).desc())).first()
    assert response.headers["Location"].endswith(f"/coordination/runs/{run.id}")
    assert run.options["materials"] == ["fgd-gypsum"]
    assert run.options["max_partners_per_source"] is None
    assert run.options["modes"]["truck"] == {"kg_co2e_per_tkm": 0.1, "circuity": 1.3}
    page = client.get(f"/coordination/runs/{run.id}").get_data(as_text=True)
    assert "run-progress.js" in page and "status.json" in page
    again = client.post("/coordination/runs/new", data=form)
    assert again.status_code == 409
    assert f"Run #{run.id} of this park is still under way" in again.get_data(as_text=True)


def test_a_bad_run_form_says_which_field(client, world):
    sign_in(client, world.coordinator)
    response = client.post("/coordination/runs/new", data={"min_lot_t": "nan",
                           "time_limit_s": "60", "truck_factor": "0.1", "truck_circuity": "1.3",
                           "rail_factor": "0.03", "rail_circuity": "1.2",
                           "scope": "materials"})  # fmt: skip
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Enter a finite number." in text
    assert "Choose at least one material" in text


def test_status_json_fails_a_run_whose_worker_is_gone(app, client, session, world):
    # the heartbeat timeout, and the 60 s a solving run is given for its solver, both passed
    old = utcnow() - timedelta(seconds=app.config["RUN_HEARTBEAT_TIMEOUT_S"] + 60 + 5)
    run = MatchRun(park_id=world.park.id, status=RunStatus.solving, heartbeat_at=old,
                   options={"min_lot_t": 1})  # fmt: skip
    session.add(run)
    session.commit()
    sign_in(client, world.coordinator)
    data = client.get(f"/coordination/runs/{run.id}/status.json").get_json()
    assert (data["status"], data["finished"]) == ("failed", True)
    page = client.get(f"/coordination/runs/{run.id}").get_data(as_text=True)
    assert "The worker stopped answering while the run was at: solving" in page
    response = client.post(f"/coordination/runs/{run.id}/retry")
    assert response.status_code == 302
    session.expire_all()
    retry = session.exec(select(MatchRun).where(MatchRun.retry_of_id == run.id)).one()
    # a run from before runs had months plans the park's next month
    month = next_month(world.park)
    assert retry.options == {"min_lot_t": 1, "month": month.isoformat()}
    assert (retry.month, retry.status) == (month, RunStatus.queued)


def test_approving_beyond_the_offer_is_409_and_writes_nothing(client, session, world, scene):
    _approve(session, world, scene)
    with client.application.test_request_context():
        other_want = _listing(session, world.factory_b, world.manager_b, kind="want",
                              material="fgd-gypsum", tonnes_per_month="60")  # fmt: skip
    session.commit()
    p = scene.proposal
    second = Proposal(run_id=p.run_id, park_id=p.park_id, offer_id=p.offer_id,
                      want_id=other_want.id, offer_version=scene.offer.version,
                      want_version=other_want.version, material_key="fgd-gypsum",
                      tonnes_per_month=50, mode="truck", km=5, transport_kg_co2e=30,
                      disposal_avoided_kg_co2e=100, virgin_avoided_kg_co2e=100,
                      net_saved_kg_co2e=170)  # fmt: skip
    session.add(second)
    session.commit()
    notes = len(session.exec(select(Notification)).all())
    sign_in(client, world.coordinator)
    response = client.post(f"/coordination/proposals/{second.id}/approve", data={"comment": "x"})
    assert response.status_code == 409
    assert ("Approving this would promise 50 t of an offer that has 120 t a month; 100 t are "
            "already held by other exchanges.") in response.get_data(as_text=True)  # fmt: skip
    session.expire_all()
    assert session.get(Proposal, second.id).status == "proposed"
    assert (
        session.exec(select(ProposalEvent).where(ProposalEvent.proposal_id == second.id)).all()
        == []
    )
    assert len(session.exec(select(Notification)).all()) == notes


def test_a_stale_proposal_is_marked_and_cannot_be_approved(app, client, session, world, scene):
    with app.test_request_context():
        update_listing(session=session, listing=scene.offer, user=world.manager_a,
                       listing_in=parse_listing({"kind": "offer", "material": "fgd-gypsum",
                                                 "tonnes_per_month": "90"}))  # fmt: skip
    session.commit()
    sign_in(client, world.coordinator)
    assert ">stale<" in client.get(f"/coordination/runs/{scene.run.id}").get_data(as_text=True)
    response = client.post(f"/coordination/proposals/{scene.proposal.id}/approve")
    assert response.status_code == 409
    assert "start a new run before approving" in response.get_data(as_text=True)


def test_a_decided_proposal_says_who_was_first(client, session, world, scene):
    proposals.reject(session=session, proposal=scene.proposal, user=world.coordinator)
    session.commit()
    sign_in(client, world.coordinator)
    response = client.post(f"/coordination/proposals/{scene.proposal.id}/approve")
    assert response.status_code == 409
    assert "Someone else has already decided this proposal (now: Rejected)." in response.get_data(
        as_text=True
    )


def test_approval_notifies_both_managers_and_the_badge_counts(client, session, world, scene):
    sign_in(client, world.coordinator)
    response = client.post(f"/coordination/proposals/{scene.proposal.id}/approve",
                           data={"comment": "Good match", "back": "run"})  # fmt: skip
    assert response.headers["Location"].endswith(
        f"/coordination/runs/{scene.run.id}#proposal-{scene.proposal.id}"
    )
    sign_in(client, world.manager_a)
    page = client.get("/exchanges/").get_data(as_text=True)
    assert '<span class="count">1</span>' in page
    assert "Waiting for your answer" in page and "FGD gypsum" in page
    notes = client.get("/exchanges/notifications").get_data(as_text=True)
    assert "The coordinator approved an exchange for your factory" in notes
    assert f"FGD gypsum, {scene.proposal.tonnes_per_month:g} t a month: Factory A → Factory B" in notes
    assert '<span class="count">' not in client.get("/exchanges/").get_data(as_text=True)
    detail = client.get(f"/exchanges/{scene.proposal.id}").get_data(as_text=True)
    assert "Good match" in detail and "Factory B" in detail


def test_a_manager_accepts_only_for_their_own_factory(client, session, world, scene):
    _approve(session, world, scene)
    with client.application.app_context():
        outsider = users.create_user(session=session, email="c@x.kr", name="Manager C", role=Role.manager,
                                     password="", factories=[world.factory_c])  # fmt: skip
        session.commit()
    sign_in(client, outsider)
    assert client.post(f"/exchanges/{scene.proposal.id}/accept").status_code == 404  # unseen
    sign_in(client, world.manager_a)
    assert client.post(f"/exchanges/{scene.proposal.id}/accept").status_code == 302
    session.expire_all()
    p = session.get(Proposal, scene.proposal.id)
    assert p.offer_accepted_at is not None and p.want_accepted_at is None
    assert p.status == "approved"
    again = client.post(f"/exchanges/{scene.proposal.id}/accept")
    assert again.status_code == 409  # A cannot accept B's side by asking twice
    session.expire_all()
    assert session.get(Proposal, scene.proposal.id).want_accepted_at is None
    sign_in(client, world.manager_b)
    client.post(f"/exchanges/{scene.proposal.id}/accept")
    session.expire_all()
    assert session.get(Proposal, scene.proposal.id).status == "active"


def test_a_manager_of_both_factories_accepts_both_sides(client, session, world, scene):
    _approve(session, world, scene)
    with client.application.app_context():
        both = users.create_user(session=session, email="ab@x.kr", name="Manager AB", role=Role.manager,
                                 password="", factories=[world.factory_a, world.factory_b])  # fmt: skip
        session.commit()
    sign_in(client, both)
    assert client.post(f"/exchanges/{scene.proposal.id}/accept").status_code == 302
    session.expire_all()
    assert session.get(Proposal, scene.proposal.id).status == "active"


def test_deliveries_are_checked_and_over_delivery_is_409(client, session, world, scene):
    _activate(session, world, scene)
    sign_in(client, world.manager_b)
    url = f"/exchanges/{scene.proposal.id}/deliveries"
    assert client.post(url, data={"month": "2025-13", "tonnes": "5"}).status_code == 422
    m = THIS_MONTH
    assert client.post(url, data={"month": m, "tonnes": "-5"}).status_code == 422
    assert client.post(url, data={"month": m, "tonnes": "inf"}).status_code == 422
    response = client.post(url, data={"month": m, "tonnes": "130", "note": "catch-up"})
    assert response.status_code == 409
    assert "would be more than the offer has: 120 t a month" in response.get_data(as_text=True)
    assert client.post(url, data={"month": m, "tonnes": "95.5", "note": "rain"}).status_code == 302
    page = client.get(f"/exchanges/{scene.proposal.id}").get_data(as_text=True)
    assert m in page and "95.5" in page
    assert f"95.5 t delivered in {m} were recorded." in page
    client.post(url, data={"month": m, "tonnes": "4", "note": "strike", "replace": "y"})
    assert f"4 t delivered in {m} were recorded, replacing the 95.5 t" in client.get(
        f"/exchanges/{scene.proposal.id}").get_data(as_text=True)


def test_approval_mails_both_managers_through_smtp(app, client, world, scene, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append((host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, message):
            sent.append((message["To"], message["Subject"]))

    monkeypatch.setattr("exchange.mail.smtplib.SMTP", FakeSMTP)
    app.config["MAIL_SERVER"] = "mail.example:2525"
    sign_in(client, world.coordinator)
    client.post(f"/coordination/proposals/{scene.proposal.id}/approve")
    subjects = {to: subject for to, subject in sent if isinstance(subject, str)}
    assert set(subjects) == {"a@x.kr", "b@x.kr"}
    assert ("mail.example", 2525) in sent


def test_network_picture_escapes_names_and_widens_lines_with_tonnes():
    from exchange.network import Edge, Node, network_svg

    svg = network_svg(
        [Node("1", "A & <B>"), Node("2", "C"), Node("3", "D")],
        [Edge("1", "2", 100, "metals", "big"), Edge("3", "2", 1, "glass", "small")],
        legend={"metals": "Metals", "glass": "Glass"},
    )
    assert "A &amp; &lt;B&gt;" in svg and "<B>" not in svg
    widths = [float(w) for w in re.findall(r'stroke-width="([\d.]+)" stroke-line', svg)]
    assert widths == sorted(widths, reverse=True) and widths[0] > 3 * widths[1]
    assert "Metals" in svg and "Glass" in svg
    assert network_svg([], []) == ""
