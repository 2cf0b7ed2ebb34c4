"""A park coordinator's pages: the park's factories and listings, inviting people, match runs
and the proposals they make."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from exchange import catalogue, db
from exchange.auth.forms import InviteForm
from exchange.coordination import reasons, run_page
from exchange.coordination.forms import DecisionForm, RunForm, TimeZoneForm
from exchange.forms import LiftBanForm, RefusalForm, choices
from exchange.mail import invitation_mail, mail_managers, send_mail
from exchange.models import MatchRun, Park, Proposal, Role
from exchange.park_calendar import next_month, park_today
from exchange.security import roles_required
from exchange.services import (
    access,
    factories,
    listings,
    proposal_pages,
    proposals,
    run_options,
    runs,
    users,
)
from exchange.services.problems import REFUSED, still_refused

bp = Blueprint("coordination", __name__)


def _park() -> Park:
    """The coordinator's own park; an admin names one with ?park=."""
    park_id = current_user.park_id
    if current_user.role == Role.admin:
        park_id = request.args.get("park", type=int) or park_id
    if park_id is None:
        abort(404)
    return access.get_park(session=db.session(), user=current_user, park_id=park_id)


@bp.get("/")
@roles_required(Role.coordinator, Role.admin)
def park():
    p = _park()
    return _park_page(p, TimeZoneForm(data={"time_zone": p.time_zone}))


@bp.post("/time-zone")
@roles_required(Role.coordinator, Role.admin)
def time_zone():
    s, p = db.session(), _park()
    form = TimeZoneForm()
    if not form.validate_on_submit():
        return _park_page(p, form, status=422)
    factories.set_time_zone(session=s, park=p, zone=form.time_zone.data)
    s.commit()
    flash(_("The park's time zone is now %(zone)s: its today and months are taken there.",
            zone=p.time_zone), "success")  # fmt: skip
    return redirect(url_for("coordination.park", park=p.id))


def _park_page(p: Park, zone_form, status: int = 200):
    s = db.session()
    filters = {k: request.args.get(k) or None for k in ("kind", "status", "material", "q")}
    page = listings.search_listings(
        session=s, park_id=p.id, kind=filters["kind"], status=filters["status"],
        material=filters["material"], text=filters["q"],
        page=request.args.get("page", 1, type=int), per_page=current_app.config["PAGE_SIZE"],
    )  # fmt: skip
    return render_template(
        "coordination/park.html", park=p, page=page, filters=filters, catalogue=catalogue.load(),
        zone_form=zone_form, today=park_today(p),
    ), status  # fmt: skip


@bp.get("/factories")
@roles_required(Role.coordinator, Role.admin)
def factory_list():
    p = _park()
    page = factories.search_factories(
        session=db.session(), park_id=p.id, text=request.args.get("q", ""),
        page=request.args.get("page", 1, type=int), per_page=current_app.config["PAGE_SIZE"],
    )  # fmt: skip
    return render_template(
        "coordination/factories.html", park=p, page=page, q=request.args.get("q", "")
    )


@bp.route("/invite", methods=["GET", "POST"])
@roles_required(Role.coordinator, Role.admin)
def invite():
    s = db.session()
    p = _park()
    park_factories = factories.park_factories(session=s, park_id=p.id)
    form = InviteForm()
    form.factory.choices = choices([(0, "—")] + [(f.id, f.name) for f in park_factories])
    link = None
    if form.validate_on_submit():
        factory = next((f for f in park_factories if f.id == form.factory.data), None)
        if form.role.data == Role.manager and factory is None:
            form.factory.errors = [_("Choose the factory this manager will look after.")]
        else:
            try:
                _inv, token = users.invite_user(
                    session=s, email=form.email.data, name=form.name.data, role=Role(form.role.data),
                    park=p, factory=factory if form.role.data == Role.manager else None,
                    invited_by=current_user, days=current_app.config["INVITATION_DAYS"],
                )  # fmt: skip
            except users.AccountError:
                form.email.errors = [_("A user with this e-mail exists already.")]
            else:
                s.commit()
                link = _deliver_invitation(p, form.email.data, token)
    pending = users.pending_invitations(session=s, park_id=p.id)
    status = 422 if form.errors else 200
    return render_template(
        "coordination/invite.html", form=form, park=p, link=link, pending=pending
    ), status


def _deliver_invitation(park: Park, email: str, token: str) -> str | None:
    """Mailed where a mail server is set, and then never logged nor shown (the link is the
    account); else shown to the coordinator and logged, as the README says. The link to show,
    if any."""
    app = current_app._get_current_object()
    link = url_for("auth.accept_invitation", token=token, _external=True)
    if app.config.get("MAIL_SERVER"):
        name = park.name_ko if str(get_locale() or "ko") == "ko" else park.name_en
        subject, body = invitation_mail(app, link, name, app.config["INVITATION_DAYS"])
        try:
            send_mail(app, email, subject, body)
        except OSError:
            app.logger.exception("the invitation mail to %s failed", email)
            flash(_("The mail to %(email)s could not be sent. Send them the link below.",
                    email=email), "error")  # fmt: skip
            return link
        flash(_("The invitation was mailed to %(email)s.", email=email), "success")
        return None
    app.logger.info("invitation for %s: %s", email, link)
    flash(_("The invitation was created. Send the link below to %(email)s.", email=email),
          "success")  # fmt: skip
    return link


# --- match runs -----------------------------------------------------------------------------


def _run(run_id: int) -> tuple[MatchRun, Park]:
    """Load-or-404 a run, then check the user coordinates its park (403)."""
    s = db.session()
    run = s.get(MatchRun, run_id)
    if run is None:
        abort(404)
    return run, access.get_park(session=s, user=current_user, park_id=run.park_id)


def _proposal(proposal_id: int) -> tuple[Proposal, Park]:
    s = db.session()
    proposal = s.get(Proposal, proposal_id)
    if proposal is None:
        abort(404)
    return proposal, access.get_park(session=s, user=current_user, park_id=proposal.park_id)


@bp.get("/runs")
@roles_required(Role.coordinator, Role.admin)
def run_list():
    s = db.session()
    p = _park()
    page = runs.park_runs(session=s, park_id=p.id, page=request.args.get("page", 1, type=int),
                          per_page=current_app.config["PAGE_SIZE"])  # fmt: skip
    creators = proposal_pages.run_creators(session=s, runs=page.items)
    counts = proposal_pages.proposal_counts(session=s, run_ids=[r.id for r in page.items])
    busy = runs.busy_run(session=s, park_id=p.id)
    options = {r.id: run_page.options_words(r.options, str(get_locale())) for r in page.items}
    return render_template("coordination/runs.html", park=p, page=page, creators=creators,
                           counts=counts, busy=busy, stages=reasons.STAGES,
                           options=options)  # fmt: skip


@bp.route("/runs/new", methods=["GET", "POST"])
@roles_required(Role.coordinator, Role.admin)
def new_run():
    s = db.session()
    p = _park()
    form = RunForm(data=None if request.method == "POST" else _run_form_start(s, p))
    if form.validate_on_submit():
        try:
            run = runs.queue_run(session=s, park=p, user=current_user, options=form.options())
        except runs.RunConflict:
            s.rollback()
            return _busy_page(form, p)
        s.commit()
        return redirect(url_for("coordination.run", run_id=run.id))
    status = 422 if form.errors else 200
    return render_template("coordination/run_form.html", form=form, park=p), status


def _run_form_start(s, p: Park) -> dict:
    """The park's last options (the defaults before its first run), for its next month."""
    last = runs.last_options(session=s, park_id=p.id)
    start = run_options.options_to_raw(last) if last else {}
    return start | {"month": f"{next_month(p):%Y-%m}"}


def _busy_page(form: RunForm, p: Park):
    busy = runs.busy_run(session=db.session(), park_id=p.id)
    if busy is not None:
        flash(_("Run #%(id)s of this park is still under way (%(stage)s): wait for it to finish, "
                "then start a new one.", id=busy.id, stage=str(reasons.STAGES[busy.status]).lower()),
              "error")  # fmt: skip
    else:
        flash(_("Another run of this park was just started: wait for it to finish."), "error")
    return render_template("coordination/run_form.html", form=form, park=p, busy=busy), 409


@bp.get("/runs/<int:run_id>")
@roles_required(Role.coordinator, Role.admin)
def run(run_id: int):
    the_run, p = _run(run_id)
    return _run_page(the_run, p)


def _run_page(the_run: MatchRun, p: Park, status: int = 200):
    s, locale = db.session(), str(get_locale())
    rows = run_page.proposal_rows(session=s, run=the_run) if the_run.status == "done" else []
    return render_template(
        "coordination/run.html", run=the_run, park=p, rows=rows,
        unmatched=run_page.unmatched_rows(session=s, run=the_run, locale=locale),
        totals=run_page.totals(the_run, rows), stages=reasons.STAGES,
        failure=run_page.failure_words(session=s, run=the_run, locale=locale)
        if the_run.status == "failed" else "",
        conflicts=run_page.conflict_rows(session=s, run=the_run),
        unavailable=run_page.unavailable_rows(session=s, run=the_run),
        network=run_page.network(rows, locale, _("Exchanges proposed by run #%(id)s", id=the_run.id)),
        creator=proposal_pages.run_creators(session=s, runs=[the_run]).get(the_run.created_by_id),
        form=DecisionForm(), catalogue=catalogue.load(), statuses=reasons.PROPOSAL_STATUSES,
        mode_name=reasons.mode_name,
    ), status  # fmt: skip


@bp.get("/runs/<int:run_id>/status.json")
@roles_required(Role.coordinator, Role.admin)
def run_status(run_id: int):
    s = db.session()
    the_run, _p = _run(run_id)
    timeout = timedelta(seconds=current_app.config["RUN_HEARTBEAT_TIMEOUT_S"])
    runs.reap_stale_runs(session=s, older_than=timeout)
    s.commit()
    s.refresh(the_run)
    finished = the_run.status in ("done", "failed")
    return jsonify(id=the_run.id, status=the_run.status, label=str(reasons.STAGES[the_run.status]),
                   finished=finished)  # fmt: skip


@bp.post("/runs/<int:run_id>/retry")
@roles_required(Role.coordinator, Role.admin)
def retry_run(run_id: int):
    s = db.session()
    old, p = _run(run_id)
    if old.status != "failed" or not DecisionForm().validate_on_submit():
        abort(409 if old.status != "failed" else 400)
    try:
        new = runs.queue_run(session=s, park=p, user=current_user, options=old.options,
                             retry_of=old.id)  # fmt: skip
    except runs.RunConflict:
        s.rollback()
        busy = runs.busy_run(session=s, park_id=p.id)
        flash(_("Run #%(id)s of this park is still under way: wait for it to finish.",
                id=busy.id if busy else "?"), "error")  # fmt: skip
        return _run_page(old, p, status=409)
    s.commit()
    return redirect(url_for("coordination.run", run_id=new.id))


@bp.get("/runs/<int:run_id>/<any(problem, plan):what>.json")
@roles_required(Role.coordinator, Role.admin)
def run_file(run_id: int, what: str):
    the_run, _p = _run(run_id)
    data = the_run.problem if what == "problem" else the_run.plan
    if data is None:
        abort(404)
    return Response(json.dumps(data, ensure_ascii=False, indent=1), mimetype="application/json",
                    headers={"Content-Disposition":
                             f"attachment; filename=run-{the_run.id}-{what}.json"})  # fmt: skip


# --- proposals ------------------------------------------------------------------------------


@bp.get("/proposals/<int:proposal_id>")
@roles_required(Role.coordinator, Role.admin)
def proposal(proposal_id: int):
    item, p = _proposal(proposal_id)
    return _proposal_page(item, p)


def _proposal_page(item: Proposal, p: Park, status: int = 200, form: DecisionForm | None = None,
                   lift_form: LiftBanForm | None = None):  # fmt: skip
    s = db.session()
    return render_template(
        "coordination/proposal.html", proposal=item, park=p,
        parties=proposal_pages.parties(session=s, proposals=[item])[item.id],
        stale=item.status == "proposed" and proposals.is_stale(session=s, proposal=item),
        events=proposals.proposal_events(session=s, proposal_id=item.id),
        deliveries=proposal_pages.deliveries(session=s, proposal_id=item.id),
        used=proposal_pages.factors_used(session=s, proposal=item),
        form=form or DecisionForm(), catalogue=catalogue.load(),
        statuses=reasons.PROPOSAL_STATUSES, mode_name=reasons.mode_name,
        lift_form=lift_form or LiftBanForm(),
        banned=item.status in REFUSED and still_refused(item, None),
    ), status  # fmt: skip


@bp.post("/proposals/<int:proposal_id>/<any(approve, reject, suspend, resume, end):action>")
@roles_required(Role.coordinator, Role.admin)
def decide(proposal_id: int, action: str):
    s = db.session()
    item, p = _proposal(proposal_id)
    if action == "reject":
        return _reject(item, p)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _proposal_page(item, p, status=422, form=form)
    comment = form.comment.data or ""
    try:
        managers = _take_step(item, action, comment)
    except proposals.ProposalError as error:
        s.rollback()
        flash(reasons.refusal(error, action), "error")
        return _proposal_page(item, p, status=409, form=form)
    s.commit()
    mail_managers(current_app._get_current_object(), managers, "proposal-approved", item.id)
    flash(DONE[action](), "success")
    if form.back.data == "run":
        return redirect(url_for("coordination.run", run_id=item.run_id) + f"#proposal-{item.id}")
    return redirect(url_for("coordination.proposal", proposal_id=item.id))


def _reject(item: Proposal, p: Park):
    """Asks first: a reject says "not now" (up to a month) or "never"; confirmed, it is done."""
    s = db.session()
    form = RefusalForm(data=None if "confirm" in request.form else
                       {"comment": request.form.get("comment", ""),
                        "back": request.form.get("back", "")})  # fmt: skip
    form.this_month = park_today(p).replace(day=1)
    if "confirm" not in request.form or not form.validate_on_submit():
        return _refuse_page(item, form, status=422 if form.errors else 200)
    kind, until, comment = form.parsed
    try:
        proposals.reject(session=s, proposal=item, user=current_user, comment=comment,
                         refusal=kind, until=until)  # fmt: skip
    except proposals.ProposalError as error:
        s.rollback()
        flash(reasons.refusal(error, "reject"), "error")
        return _proposal_page(item, p, status=409)
    s.commit()
    flash(_("The proposal was rejected; runs up to %(month)s will not propose it again.",
            month=f"{until:%Y-%m}") if until else
          _("The proposal was rejected; later runs will not propose it again."), "success")  # fmt: skip
    if form.back.data == "run":
        return redirect(url_for("coordination.run", run_id=item.run_id) + f"#proposal-{item.id}")
    return redirect(url_for("coordination.proposal", proposal_id=item.id))


def _refuse_page(item: Proposal, form: RefusalForm, status: int):
    return render_template(
        "refuse.html", proposal=item, form=form, heading=_("Reject this proposal?"),
        confirm_label=_("Yes, reject it"), catalogue=catalogue.load(),
        parties=proposal_pages.parties(session=db.session(), proposals=[item])[item.id],
        action=url_for("coordination.decide", proposal_id=item.id, action="reject"),
        cancel=url_for("coordination.proposal", proposal_id=item.id),
    ), status  # fmt: skip


@bp.post("/proposals/<int:proposal_id>/lift")
@roles_required(Role.coordinator, Role.admin)
def lift_ban(proposal_id: int):
    """A rejected or declined pair may be proposed again; who and why go into the log."""
    s = db.session()
    item, p = _proposal(proposal_id)
    form = LiftBanForm()
    if not form.validate_on_submit():
        return _proposal_page(item, p, status=422, lift_form=form)
    try:
        proposals.lift_ban(session=s, proposal=item, user=current_user, comment=form.parsed)
    except proposals.ProposalError as error:
        s.rollback()
        flash(reasons.refusal(error, "lift"), "error")
        return _proposal_page(item, p, status=409)
    s.commit()
    flash(_("The ban was lifted: the next runs may propose this pair again."), "success")
    return redirect(url_for("coordination.proposal", proposal_id=item.id))


DONE = {
    "approve": lambda: _("The proposal was approved; both factories were told."),
    "suspend": lambda: _("The exchange was suspended."),
    "resume": lambda: _("The exchange was resumed."),
    "end": lambda: _("The exchange was ended."),
}


def _take_step(item: Proposal, action: str, comment: str) -> list:
    s = db.session()
    if action == "approve":
        return proposals.approve(session=s, proposal=item, user=current_user, comment=comment)
    if action == "reject":
        proposals.reject(session=s, proposal=item, user=current_user, comment=comment)
    else:
        proposals.change_life(session=s, proposal=item, user=current_user, action=action,
                              comment=comment)  # fmt: skip
    return []
