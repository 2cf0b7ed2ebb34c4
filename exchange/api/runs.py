"""Match runs of a park: start one, follow it, read its plan and the exact problem it solved."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import Forbidden, NotFound

from exchange import db
from exchange.api import bp, schemas
from exchange.api.auth import api_user
from exchange.api.errors import ApiError
from exchange.api.lists import check_fields, int_arg, json_body, page_args, page_body
from exchange.api.openapi import PAGE, doc, query
from exchange.coordination.reasons import STAGES
from exchange.models import MatchRun, Park, Role, RunStatus
from exchange.services import access, runs
from exchange.services.field_reader import InvalidInput
from exchange.services.run_options import FIELDS, parse_run_options

PARK = query("park", "a park's id (admins; a coordinator's own park without it)",
             type="integer", minimum=1)  # fmt: skip


def _park() -> Park:
    """The park named by ?park= (admins) or the coordinator's own; managers may not."""
    user = api_user()
    if user.role not in (Role.coordinator, Role.admin):
        raise Forbidden()
    park_id = int_arg("park") or user.park_id
    if park_id is None:
        raise ApiError(422, _("Name the park with ?park=."), field="park")
    return access.get_park(session=db.session(), user=user, park_id=park_id)


def _run(run_id: int) -> MatchRun:
    """Only its park's coordinators and admins; for anyone else 404, as for no such run."""
    s = db.session()
    run = s.get(MatchRun, run_id)
    if run is None:
        raise NotFound()
    access.get_park(session=s, user=api_user(), park_id=run.park_id)
    return run


@bp.get("/runs")
@doc(_l("A park's match runs, newest first"), tag="runs", params=[PARK, *PAGE],
     answer=schemas.page_schema(schemas.RunSchema))  # fmt: skip
def run_list():
    park = _park()
    page, per_page = page_args()
    found = runs.park_runs(session=db.session(), park_id=park.id, page=page, per_page=per_page)
    return page_body(found, schemas.RunSchema().dump)


@bp.post("/runs")
@doc(_l("Start a match run of the park (blank options take the defaults)"), tag="runs",
     params=[PARK], body=schemas.RunOptionsSchema, answer=schemas.RunSchema, status=201,
     conflict=True)  # fmt: skip
def start_run():
    s, park = db.session(), _park()
    body = json_body()
    check_fields(body, FIELDS)
    try:
        options = parse_run_options(body)
    except InvalidInput as bad:
        raise ApiError.invalid(bad) from None
    try:
        run = runs.queue_run(session=s, park=park, user=api_user(), options=options)
    except runs.RunConflict:
        s.rollback()
        raise ApiError(409, _busy_words(park), code="run-busy") from None
    s.commit()
    return schemas.RunSchema().dump(run), 201, {"Location": url_for("api.run", run_id=run.id)}


@bp.post("/runs/<id:run_id>/retry")
@doc(_l("Run a failed run again, with its options"), tag="runs", answer=schemas.RunSchema,
     status=201, conflict=True)  # fmt: skip
def retry_run(run_id: int):
    s, user, old = db.session(), api_user(), _run(run_id)
    if user.role not in (Role.coordinator, Role.admin):
        raise Forbidden()
    if old.status != RunStatus.failed:
        raise ApiError(409, _("Only a failed run can be run again."), code="wrong-status")
    park = s.get(Park, old.park_id)
    try:
        run = runs.queue_run(session=s, park=park, user=user, options=old.options,
                             retry_of=old.id)  # fmt: skip
    except runs.RunConflict:
        s.rollback()
        raise ApiError(409, _busy_words(park), code="run-busy") from None
    s.commit()
    return schemas.RunSchema().dump(run), 201, {"Location": url_for("api.run", run_id=run.id)}


def _busy_words(park: Park) -> str:
    busy = runs.busy_run(session=db.session(), park_id=park.id)
    if busy is None:
        return _("Another run of this park was just started: wait for it to finish.")
    return _("Run #%(id)s of this park is still under way (%(stage)s): wait for it to finish, "
             "then start a new one.", id=busy.id, stage=str(STAGES[busy.status]).lower())  # fmt: skip


@bp.get("/runs/<id:run_id>")
@doc(_l("A run and its stage; poll it until `finished`"), tag="runs", answer=schemas.RunSchema)
def run(run_id: int):
    s = db.session()
    the_run = _run(run_id)
    timeout = timedelta(seconds=current_app.config["RUN_HEARTBEAT_TIMEOUT_S"])
    if runs.reap_stale_runs(session=s, older_than=timeout):  # a dead worker's run is failed
        s.commit()
        s.refresh(the_run)
    return schemas.RunSchema().dump(the_run)


@bp.get("/runs/<id:run_id>/<any(plan, problem):what>")
@doc(_l("The run's plan (symbiosis-plan/1) or the exact problem it solved "
        "(symbiosis-problem/1)"), tag="runs", answer={"type": "object"})  # fmt: skip
def run_file(run_id: int, what: str):
    the_run = _run(run_id)
    data = the_run.plan if what == "plan" else the_run.problem
    if data is None:
        raise ApiError(404, _("The run has no %(what)s yet: it is %(stage)s.", what=what,
                              stage=str(STAGES[the_run.status]).lower()), code="not-ready")  # fmt: skip
    return data
