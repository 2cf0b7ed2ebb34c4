"""Match runs: queued by a coordinator, claimed by one worker, stored whole or not at all."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from exchange.models import (
    Listing,
    MatchRun,
    Park,
    Proposal,
    ProposalStatus,
    RunStatus,
    UnmatchedOffer,
    User,
    utcnow,
)
from exchange.park_calendar import next_month
from exchange.services.pages import Page, paginate
from exchange.services.problems import listing_id

BUSY = (RunStatus.queued, RunStatus.building, RunStatus.solving, RunStatus.storing)
WORKING = (RunStatus.building, RunStatus.solving, RunStatus.storing)


class RunConflict(RuntimeError):
    """The park already has a run queued or under way."""


def busy_run(*, session: Session, park_id: int) -> MatchRun | None:
    return session.exec(
        select(MatchRun).where(MatchRun.park_id == park_id, col(MatchRun.status).in_(BUSY))
    ).first()


def queue_run(
    *,
    session: Session,
    park: Park,
    user: User | None,
    options: dict[str, Any],
    retry_of: int | None = None,
) -> MatchRun:
    """A new queued run; refused while another run of the park is queued or working.

    The database holds the rule too (a partial unique index), so two coordinators clicking
    at the same moment cannot both queue one.
    """
    if busy_run(session=session, park_id=park.id) is not None:
        raise RunConflict()
    month = run_month(park, options)
    options = {**options, "month": month.isoformat()}  # a retry plans the same month
    run = MatchRun(park_id=park.id, options=options, created_by_id=user.id if user else None,
                   retry_of_id=retry_of, month=month)  # fmt: skip
    session.add(run)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise RunConflict() from None
    return run


def run_month(park: Park, options: dict[str, Any]) -> date:
    """The month the options name (ISO first day), or the park's next month."""
    if options.get("month"):
        return date.fromisoformat(options["month"])
    return next_month(park)


def claim_next_run(*, session: Session, worker: str) -> int | None:
    """Take the oldest queued run for this worker; at most one worker wins each run."""
    candidate = session.exec(
        select(MatchRun.id).where(MatchRun.status == RunStatus.queued).order_by(col(MatchRun.id))
    ).first()
    if candidate is None:
        return None
    now = utcnow()
    claimed = session.execute(
        update(MatchRun)
        .where(col(MatchRun.id) == candidate, col(MatchRun.status) == RunStatus.queued)
        .values(
            status=RunStatus.building, worker=worker, started_at=now, heartbeat_at=now, message=""
        )  # fmt: skip
    )
    return candidate if claimed.rowcount == 1 else None


def set_stage(
    *, session: Session, run_id: int, status: RunStatus, message: str = "",
    expect: RunStatus | None = None, **fields,
) -> bool:  # fmt: skip
    """Move the run on; with `expect`, only from that stage (False: the run was not in it,
    e.g. the reaper failed it while a long solve held up the heartbeat)."""
    query = update(MatchRun).where(col(MatchRun.id) == run_id)
    if expect is not None:
        query = query.where(col(MatchRun.status) == expect)
    done = session.execute(
        query.values(status=status, message=message, heartbeat_at=utcnow(), **fields)
    )
    return done.rowcount == 1


def heartbeat(*, session: Session, run_id: int) -> None:
    session.execute(
        update(MatchRun).where(col(MatchRun.id) == run_id).values(heartbeat_at=utcnow())
    )


def fail_run(*, session: Session, run_id: int, reason: str) -> None:
    set_stage(session=session, run_id=run_id, status=RunStatus.failed, message=reason[:2000],
              finished_at=utcnow())  # fmt: skip


def reap_stale_runs(*, session: Session, older_than: timedelta) -> int:
    """Runs whose worker stopped beating are failed, so the park can run again.

    A solver holds the interpreter while it works (the heartbeat thread cannot run), so a
    solving run gets its time limit on top of `older_than` before it is taken for dead."""
    now = utcnow()
    # columns, not MatchRun objects: a session that already holds the run would give its
    # old status
    candidates = session.exec(
        select(MatchRun.id, MatchRun.status, MatchRun.heartbeat_at, MatchRun.options).where(
            col(MatchRun.status).in_(WORKING), col(MatchRun.heartbeat_at) < now - older_than
        )
    ).all()
    reaped = 0
    for run_id, status, beat, options in candidates:
        grace = (
            float((options or {}).get("time_limit_s") or 60) if status == RunStatus.solving else 0.0
        )
        limit = now - older_than - timedelta(seconds=grace)
        if _aware(beat) >= limit:
            continue
        # only if still so: the worker may have moved on or beaten since the SELECT
        reaped += session.execute(
            update(MatchRun)
            .where(col(MatchRun.id) == run_id, col(MatchRun.status) == status,
                   col(MatchRun.heartbeat_at) < limit)
            .values(status=RunStatus.failed, message=f"worker-lost:{status}",
                    heartbeat_at=utcnow(), finished_at=utcnow())
        ).rowcount  # fmt: skip
    return reaped


def _aware(moment):
    """SQLite hands datetimes back without their zone; they are UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def store_plan(*, session: Session, run: MatchRun, plan: dict[str, Any]) -> int:
    """Proposals and unmatched offers of a solved run, in the caller's one transaction."""
    problem = run.problem or {}
    locked = {(x["source"], x["sink"]) for x in problem.get("locked", [])}
    versions = run.listing_versions
    materials = {s["id"]: s["material"] for s in problem.get("sources", [])}
    session.execute(
        update(Proposal)
        .where(
            col(Proposal.park_id) == run.park_id, col(Proposal.status) == ProposalStatus.proposed
        )
        .values(status=ProposalStatus.superseded, updated_at=utcnow())
    )
    now = utcnow()
    rows = []
    for ex in plan.get("exchanges", []):
        if (ex["source"], ex["sink"]) in locked:
            continue  # an exchange already approved or running, not a new proposal
        offer, want = listing_id(ex["source"]), listing_id(ex["sink"])
        rows.append(dict(
            run_id=run.id, park_id=run.park_id, offer_id=offer, want_id=want,
            offer_version=versions[str(offer)], want_version=versions[str(want)],
            material_key=materials[ex["source"]], tonnes_per_month=ex["tonnes"], mode=ex["mode"],
            km=ex["km"], transport_kg_co2e=ex["transport_kg_co2e"],
            disposal_avoided_kg_co2e=ex["disposal_avoided_kg_co2e"],
            virgin_avoided_kg_co2e=ex["virgin_avoided_kg_co2e"],
            net_saved_kg_co2e=ex["net_saved_kg_co2e"], status=ProposalStatus.proposed,
            created_at=now, updated_at=now,
        ))  # fmt: skip
    unmatched = [
        dict(run_id=run.id, offer_id=listing_id(item["source"]), tonnes_per_month=item["tonnes"],
             reason=item["reason"], detail=item.get("detail"))
        for item in plan.get("unmatched", [])
    ]  # fmt: skip
    # plain bulk INSERTs: thousands of rows, no ORM objects needed (a third of the time)
    for table, values in ((Proposal, rows), (UnmatchedOffer, unmatched)):
        if values:
            session.execute(insert(table), values)
    count = len(rows)
    session.flush()
    return count


def plan_summary(problem: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    """New proposals and running (locked) exchanges apart: {"new": {...}, "running": {...}},
    each {"count", "tonnes" (t a month), "saved_kg_co2e" (net, kg a month)}."""
    locked = {(x["source"], x["sink"]) for x in problem.get("locked", [])}
    out = {key: {"count": 0, "tonnes": 0.0, "saved_kg_co2e": 0.0} for key in ("new", "running")}
    for ex in plan.get("exchanges", []):
        part = out["running" if (ex["source"], ex["sink"]) in locked else "new"]
        part["count"] += 1
        part["tonnes"] += ex["tonnes"]
        part["saved_kg_co2e"] += ex["net_saved_kg_co2e"]
    return out


def last_options(*, session: Session, park_id: int) -> dict[str, Any] | None:
    """The options of the park's latest run, or None before its first."""
    return session.exec(
        select(MatchRun.options).where(MatchRun.park_id == park_id)
        .order_by(col(MatchRun.id).desc()).limit(1)
    ).first()  # fmt: skip


def park_runs(*, session: Session, park_id: int, page: int, per_page: int) -> Page:
    query = select(MatchRun).where(MatchRun.park_id == park_id).order_by(col(MatchRun.id).desc())
    return paginate(session=session, query=query, page=page, per_page=per_page)


def run_proposals(*, session: Session, run_id: int) -> list[Proposal]:
    return list(session.exec(
        select(Proposal).where(Proposal.run_id == run_id)
        .order_by(col(Proposal.net_saved_kg_co2e).desc(), col(Proposal.id))
    ))  # fmt: skip


def run_unmatched(*, session: Session, run_id: int) -> list[tuple[UnmatchedOffer, Listing]]:
    return list(session.exec(
        select(UnmatchedOffer, Listing).join(Listing, Listing.id == UnmatchedOffer.offer_id)
        .where(UnmatchedOffer.run_id == run_id)
        .order_by(col(UnmatchedOffer.tonnes_per_month).desc())
    ))  # fmt: skip
