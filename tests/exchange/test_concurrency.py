"""Two people clicking at the same moment, on SQLite and PostgreSQL alike.

Each thread has its own session (its own connection) and commits on its own; a barrier
releases both right before the call, so the race is real and repeated a few rounds.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from exchange.models import Listing, MatchRun, Park, Proposal, ProposalStatus, RunStatus, User
from exchange.services import proposals, runs

ROUNDS = 5


def _race(engine, calls) -> list[str]:
    """Run each call(session) in its own thread and session; 'ok' or the error each gave."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = [""] * len(calls)

    def one(i: int, call) -> None:
        with Session(engine, expire_on_commit=False) as s:
            try:
                prepare = call(s)
                barrier.wait(timeout=30)
                prepare()
                s.commit()
                outcomes[i] = "ok"
            except proposals.ProposalError as error:
                s.rollback()
                outcomes[i] = error.code
            except runs.RunConflict:
                s.rollback()
                outcomes[i] = "run-conflict"
            except IntegrityError:  # the index held, but the service did not say so
                s.rollback()
                outcomes[i] = "integrity-error"

    threads = [threading.Thread(target=one, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return outcomes


def _listing(factory_id: int, kind: str, tonnes: float) -> Listing:
    return Listing(factory_id=factory_id, kind=kind, material_key="fgd-gypsum",
                   accepts="fgd-gypsum" if kind == "want" else "", tonnes_per_month=tonnes)  # fmt: skip


def _proposal(run: MatchRun, offer: Listing, want: Listing, tonnes: float) -> Proposal:
    return Proposal(run_id=run.id, park_id=run.park_id, offer_id=offer.id, want_id=want.id,
                    offer_version=offer.version, want_version=want.version,
                    material_key="fgd-gypsum", tonnes_per_month=tonnes, mode="truck", km=9.1,
                    transport_kg_co2e=1.0, disposal_avoided_kg_co2e=1.0,
                    virgin_avoided_kg_co2e=1.0, net_saved_kg_co2e=1.0)  # fmt: skip


def _approve(proposal_id: int, user_id: int):
    def call(s: Session):
        proposal, user = s.get(Proposal, proposal_id), s.get(User, user_id)
        return lambda: proposals.approve(session=s, proposal=proposal, user=user)

    return call


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_approvals_together_never_promise_more_than_the_offer(app, session, world, round_):
    """Offer 100 t, two wants of 100 t, two proposals of 70 t: only one can be approved."""
    offer = _listing(world.factory_a.id, "offer", 100)
    wants = [_listing(world.factory_b.id, "want", 100) for _ in range(2)]
    run = MatchRun(park_id=world.park.id, status=RunStatus.done)
    session.add_all([offer, *wants, run])
    session.flush()
    both = [_proposal(run, offer, want, 70) for want in wants]
    session.add_all(both)
    session.commit()

    engine = app.extensions["db_engine"]
    outcomes = _race(engine, [_approve(p.id, world.coordinator.id) for p in both])

    assert sorted(outcomes) == ["ok", "over-allocated-offer"]
    session.expire_all()
    held = proposals.committed_tonnes(session=session, listing_id=offer.id, side="offer")
    assert held == 70.0
    statuses = sorted(session.get(Proposal, p.id).status for p in both)
    assert statuses == [ProposalStatus.approved, ProposalStatus.proposed]
    winner = both[outcomes.index("ok")]
    assert session.get(Proposal, winner.id).status == ProposalStatus.approved


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_runs_queued_together_make_one_run(app, session, world, round_):
    park_id, user_id = world.park.id, world.coordinator.id

    def queue(s: Session):
        park, user = s.get(Park, park_id), s.get(User, user_id)
        return lambda: runs.queue_run(session=s, park=park, user=user, options={})

    outcomes = _race(app.extensions["db_engine"], [queue, queue])

    assert sorted(outcomes) == ["ok", "run-conflict"]
    session.expire_all()
    queued = session.exec(select(MatchRun).where(MatchRun.park_id == park_id)).all()
    assert [r.status for r in queued] == [RunStatus.queued]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_workers_claiming_together_take_each_run_once(app, session, world, round_):
    """Several app machines, one database: four workers poll at the same moment for three
    queued runs; each run goes to exactly one of them, and none is left behind."""
    other = Park(slug="third", name_ko="세 번째 산단", name_en="Third park", region="Ulsan")
    session.add(other)
    session.flush()
    queued = [runs.queue_run(session=session, park=p, user=None, options={}).id
              for p in (world.park, world.other_park, other)]  # fmt: skip
    session.commit()
    engine, barrier = app.extensions["db_engine"], threading.Barrier(4)
    claims: list[tuple[str, int]] = []

    def work(name: str) -> None:
        barrier.wait(timeout=30)
        while True:
            with Session(engine) as s:
                run_id = runs.claim_next_run(session=s, worker=name)
                s.commit()
            if run_id is None and not _still_queued(engine):
                return
            if run_id is not None:
                claims.append((name, run_id))

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(run_id for _name, run_id in claims) == sorted(queued)
    session.expire_all()
    for name, run_id in claims:
        run = session.get(MatchRun, run_id)
        assert (run.status, run.worker) == (RunStatus.building, name)


def _still_queued(engine) -> bool:
    with Session(engine) as s:
        return s.exec(select(MatchRun).where(MatchRun.status == RunStatus.queued)).first() is not None
