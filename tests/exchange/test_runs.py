"""Match runs end to end: queue, worker, stored plan, the coordinator's and factories' steps,
and a re-run that respects what was decided. The stored problem file reproduces every run."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from exchange import worker
from exchange.models import (
    FactoryManager,
    Listing,
    MatchRun,
    Park,
    Proposal,
    ProposalStatus,
    Role,
    RunStatus,
    UnmatchedOffer,
    User,
)
from exchange.seed import load_demo
from exchange.services import proposals, runs
from exchange.services.listing_input import listing_to_raw, parse_listing
from exchange.services.listings import create_listing, update_listing
from exchange.services.problems import sink_id, source_id
from matching import load_problem, solve

REPO = Path(__file__).resolve().parents[2]


def _run(app, session: Session, park: Park, user: User | None) -> MatchRun:
    run = runs.queue_run(session=session, park=park, user=user, options={})
    session.commit()
    assert worker.work_once(app, "test") is True
    session.expire_all()
    run = session.get(MatchRun, run.id)
    assert (run.status, run.worker) == (RunStatus.done, "test"), run.message
    return run


def _pairs(session: Session, run: MatchRun) -> set[tuple[str, str, float]]:
    return {
        (source_id(p.offer_id), sink_id(p.want_id), p.tonnes_per_month)
        for p in runs.run_proposals(session=session, run_id=run.id)
    }


def _exchanges(plan: dict) -> set[tuple[str, str, float]]:
    return {(x["source"], x["sink"], x["tonnes"]) for x in plan["exchanges"]}


def _manager(session: Session, listing_id: int) -> User:
    factory_id = session.get(Listing, listing_id).factory_id
    return session.exec(
        select(User).join(FactoryManager, FactoryManager.user_id == User.id)
        .where(FactoryManager.factory_id == factory_id).order_by(col(User.id))
    ).first()  # fmt: skip


def _listing(app, session, factory, user, **raw) -> Listing:
    with app.test_request_context():
        item = create_listing(session=session, factory=factory, user=user,
                              listing_in=parse_listing(raw))  # fmt: skip
    session.commit()
    return item


@pytest.fixture
def demo(app, session):
    load_demo(session=session)
    session.commit()
    park = session.exec(select(Park)).one()
    coordinator = session.exec(select(User).where(User.role == Role.coordinator)).first()
    return park, coordinator


def test_stored_plan_is_what_the_library_and_the_command_line_give(app, session, demo, tmp_path):
    park, coordinator = demo
    run = _run(app, session, park, coordinator)
    stored = _pairs(session, run)
    assert len(stored) == int(run.message) > 30
    plan = solve(load_problem(run.problem)).to_dict()
    assert stored == _exchanges(plan)
    assert run.objective_kg_co2e == plan["objective_kg_co2e"]
    assert run.saved_kg_co2e == plan["saved_kg_co2e"] > 0
    unmatched = session.exec(select(UnmatchedOffer).where(UnmatchedOffer.run_id == run.id)).all()
    assert {(source_id(u.offer_id), u.tonnes_per_month, u.reason) for u in unmatched} == {
        (x["source"], x["tonnes"], x["reason"]) for x in plan["unmatched"]
    }

    problem_file, plan_file = tmp_path / "problem.json", tmp_path / "plan.json"
    problem_file.write_text(json.dumps(run.problem), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "matching", "solve", str(problem_file), "-o", str(plan_file), "-q"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    offline = json.loads(plan_file.read_text(encoding="utf-8"))
    assert stored == _exchanges(offline)
    assert offline["objective_kg_co2e"] == run.objective_kg_co2e


def test_a_rerun_proposes_nothing_already_decided(app, session, demo):
    park, coordinator = demo
    first = _run(app, session, park, coordinator)
    ranked = runs.run_proposals(session=session, run_id=first.id)
    # the best exchanges whose two factories have different managers
    two_sided = [p for p in ranked
                 if _manager(session, p.offer_id).id != _manager(session, p.want_id).id]  # fmt: skip
    agreed, refused, declined = two_sided[0], two_sided[1], two_sided[2]

    proposals.approve(session=session, proposal=agreed, user=coordinator)
    for listing_id in (agreed.offer_id, agreed.want_id):
        manager = _manager(session, listing_id)
        (side,) = proposals.side_of(session=session, proposal=agreed, user=manager)
        proposals.accept(session=session, proposal=agreed, user=manager, side=side)
    proposals.reject(session=session, proposal=refused, user=coordinator, comment="too far")
    proposals.approve(session=session, proposal=declined, user=coordinator)
    want_manager = _manager(session, declined.want_id)
    proposals.decline(session=session, proposal=declined, user=want_manager, side="want")
    session.commit()
    assert agreed.status == ProposalStatus.active
    assert (agreed.offer_accepted_at is not None, agreed.want_accepted_at is not None) == (
        True,
        True,
    )

    second = _run(app, session, park, coordinator)
    pair = (source_id(agreed.offer_id), sink_id(agreed.want_id))
    assert second.problem["locked"] == [
        {"source": pair[0], "sink": pair[1], "tonnes": agreed.tonnes_per_month}
    ]
    assert second.problem["forbidden"] == sorted(
        [
            {"source": source_id(p.offer_id), "sink": sink_id(p.want_id)}
            for p in (refused, declined)
        ],
        key=lambda f: (int(f["source"][6:]), int(f["sink"][5:])),
    )
    new = {(s, k) for s, k, _t in _pairs(session, second)}
    decided = {(source_id(p.offer_id), sink_id(p.want_id)) for p in (agreed, refused, declined)}
    assert new and not new & decided
    # the locked exchange is in the plan with its tonnes, but is no new proposal
    assert (*pair, agreed.tonnes_per_month) in _exchanges(second.plan)
    assert _pairs(session, second) == _exchanges(second.plan) - {(*pair, agreed.tonnes_per_month)}
    assert _exchanges(solve(load_problem(second.problem)).to_dict()) == _exchanges(second.plan)

    statuses = [p.status for p in runs.run_proposals(session=session, run_id=first.id)]
    assert sorted(set(statuses)) == ["active", "declined", "rejected", "superseded"]
    assert statuses.count(ProposalStatus.superseded) == len(ranked) - 3
    assert {p.status for p in runs.run_proposals(session=session, run_id=second.id)} == {"proposed"}


def test_a_proposal_whose_offer_changed_after_the_run_cannot_be_approved(app, session, demo):
    park, coordinator = demo
    run = _run(app, session, park, coordinator)
    proposal = runs.run_proposals(session=session, run_id=run.id)[0]
    offer = session.get(Listing, proposal.offer_id)
    raw = listing_to_raw(offer) | {"tonnes_per_month": str(offer.tonnes_per_month + 1)}
    with app.test_request_context():
        assert update_listing(session=session, listing=offer, listing_in=parse_listing(raw),
                              user=coordinator)  # fmt: skip
    session.commit()
    with pytest.raises(proposals.ProposalError) as refused:
        proposals.approve(session=session, proposal=proposal, user=coordinator)
    assert refused.value.code == "stale"
    session.rollback()
    session.expire_all()
    assert session.get(Proposal, proposal.id).status == ProposalStatus.proposed


def test_a_second_run_while_one_is_queued_is_refused(app, session, world):
    first = runs.queue_run(session=session, park=world.park, user=world.coordinator, options={})
    session.commit()
    with pytest.raises(runs.RunConflict):
        runs.queue_run(session=session, park=world.park, user=world.coordinator, options={})
    session.rollback()
    # another park may run meanwhile
    runs.queue_run(session=session, park=world.other_park, user=None, options={})
    session.commit()
    busy = session.exec(select(MatchRun.park_id).where(MatchRun.status == RunStatus.queued))
    assert sorted(busy) == sorted([world.park.id, world.other_park.id])
    assert runs.busy_run(session=session, park_id=world.park.id).id == first.id


def _road_km(a, b) -> float:
    """Great circle (haversine, R = 6371.0088 km) times the truck's circuity 1.3."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b.lon - a.lon) / 2) ** 2)  # fmt: skip
    return 2 * 6371.0088 * math.asin(math.sqrt(h)) * 1.3


def test_hand_checked_instance_one_exchange_and_the_rest_unmatched(app, session, world):
    """A (37.31, 126.79) offers 100 t of FGD gypsum, B (37.34, 126.72) wants 60 t.

    Road km = 7.03132 great circle x 1.3 = 9.14072. Catalogue: disposal 71.95, virgin
    avoided 88.0 kg/t; truck 0.107 kg/tkm. 60 t: transport 60 x 9.14072 x 0.107 = 58.68,
    disposal avoided 4,317.0, virgin avoided 5,280.0, net 9,538.32. Baseline 100 x 71.95
    = 7,195.0; objective 7,195.0 - 9,538.32 = -2,343.32. 40 t are left: sinks-full.
    """
    offer = _listing(app, session, world.factory_a, world.manager_a, kind="offer",
                     material="fgd-gypsum", tonnes_per_month="100")  # fmt: skip
    want = _listing(app, session, world.factory_b, world.manager_b, kind="want",
                    material="fgd-gypsum", tonnes_per_month="60")  # fmt: skip
    run = _run(app, session, world.park, world.coordinator)
    km = _road_km(world.factory_a, world.factory_b)
    assert km == pytest.approx(9.14072, abs=1e-5)

    (proposal,) = runs.run_proposals(session=session, run_id=run.id)
    assert (proposal.offer_id, proposal.want_id, proposal.tonnes_per_month) == (
        offer.id, want.id, 60.0)  # fmt: skip
    assert (proposal.offer_version, proposal.want_version) == (1, 1)
    assert (proposal.mode, proposal.material_key) == ("truck", "fgd-gypsum")
    assert proposal.km == pytest.approx(km, rel=1e-9)
    assert proposal.transport_kg_co2e == pytest.approx(58.68, abs=0.005)
    assert proposal.disposal_avoided_kg_co2e == pytest.approx(4317.0)
    assert proposal.virgin_avoided_kg_co2e == pytest.approx(5280.0)
    assert proposal.net_saved_kg_co2e == pytest.approx(9538.32, abs=0.005)
    assert run.baseline_kg_co2e == pytest.approx(7195.0)
    assert run.objective_kg_co2e == pytest.approx(-2343.32, abs=0.005)

    ((left, listing),) = runs.run_unmatched(session=session, run_id=run.id)
    assert (listing.id, left.tonnes_per_month, left.reason) == (offer.id, 40.0, "sinks-full")
    assert left.detail == {"sink": sink_id(want.id)}  # the matcher's own facts, stored as given


def test_beyond_distance_is_explained_with_the_km_and_the_limit(app, session, world):
    """B takes gypsum only from within 5 km; A is 9.1 road km away."""
    offer = _listing(app, session, world.factory_a, world.manager_a, kind="offer",
                     material="fgd-gypsum", tonnes_per_month="100")  # fmt: skip
    want = _listing(app, session, world.factory_b, world.manager_b, kind="want",
                    material="fgd-gypsum", tonnes_per_month="60", max_km="5")  # fmt: skip
    run = _run(app, session, world.park, world.coordinator)
    assert runs.run_proposals(session=session, run_id=run.id) == []
    assert run.problem["sinks"][0]["max_km"] == 5.0
    ((left, listing),) = runs.run_unmatched(session=session, run_id=run.id)
    assert (listing.id, left.tonnes_per_month, left.reason) == (offer.id, 100.0, "beyond-distance")
    assert left.detail == {"sink": sink_id(want.id), "km": pytest.approx(9.14072, abs=1e-5),
                           "limit_km": 5.0}  # fmt: skip
    assert run.saved_kg_co2e == 0.0


def test_a_rejected_pair_is_no_taker_in_the_next_run_and_is_named_as_forbidden(app, session, world):
    offer = _listing(app, session, world.factory_a, world.manager_a, kind="offer",
                     material="fgd-gypsum", tonnes_per_month="100")  # fmt: skip
    want = _listing(app, session, world.factory_b, world.manager_b, kind="want",
                    material="fgd-gypsum", tonnes_per_month="60")  # fmt: skip
    first = _run(app, session, world.park, world.coordinator)
    (proposal,) = runs.run_proposals(session=session, run_id=first.id)
    proposals.reject(session=session, proposal=proposal, user=world.coordinator)
    session.commit()

    second = _run(app, session, world.park, world.coordinator)
    assert second.problem["forbidden"] == [
        {"source": source_id(offer.id), "sink": sink_id(want.id)}
    ]
    assert runs.run_proposals(session=session, run_id=second.id) == []
    ((left, _listing_row),) = runs.run_unmatched(session=session, run_id=second.id)
    assert (left.tonnes_per_month, left.reason, left.detail) == (
        100.0, "forbidden", {"pairs": [sink_id(want.id)]})  # fmt: skip
