"""Exchanges as a factory manager sees them: answer the coordinator's approved proposals,
record monthly deliveries, suspend or end; and the notifications that point there."""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from exchange import catalogue, db
from exchange.coordination.reasons import refusal
from exchange.exchanges.forms import CommentForm, DeliveryForm
from exchange.forms import RefusalForm
from exchange.i18n import format_number
from exchange.mail import mail_managers, notification_words
from exchange.models import Park, Proposal, ProposalStatus, Role
from exchange.park_calendar import park_today
from exchange.services import access, proposal_pages, proposals

bp = Blueprint("exchanges", __name__)


@bp.app_context_processor
def _unread_notifications():
    if not current_user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": proposals.unread_count(session=db.session(), user=current_user)}


@dataclass(frozen=True)
class ExchangeRow:
    proposal: Proposal
    parties: proposal_pages.Parties
    sides: list[str]

    @property
    def waiting(self) -> bool:
        """Approved, and a side this manager answers for has not accepted yet."""
        return self.proposal.status == ProposalStatus.approved and any(
            getattr(self.proposal, f"{side}_accepted_at") is None for side in self.sides
        )


def _exchange(proposal_id: int) -> tuple[Proposal, list[str]]:
    """A manager of either factory (once approved), the park's coordinator or an admin; for
    anyone else 404, as for an id that does not exist."""
    s = db.session()
    item = s.get(Proposal, proposal_id)
    if item is None:
        abort(404)
    sides = proposals.side_of(session=s, proposal=item, user=current_user)
    if proposal_pages.manager_may_see(proposal=item, sides=sides):
        return item, sides
    park = s.get(Park, item.park_id)
    if current_user.role != Role.manager and access.can_coordinate_park(
        user=current_user, park=park
    ):
        return item, sides
    abort(404)


def _rows(items: list[Proposal]) -> list[ExchangeRow]:
    s = db.session()
    sides = proposal_pages.parties(session=s, proposals=items)
    return [ExchangeRow(p, sides[p.id], proposals.side_of(session=s, proposal=p, user=current_user))
            for p in items]  # fmt: skip


@bp.get("/")
@login_required
def index():
    found = proposals.manager_proposals(session=db.session(), user=current_user,
                                        statuses=proposal_pages.MANAGER_STATUSES)  # fmt: skip
    rows = _rows([p for p, _offer, _want in found])
    return render_template("exchanges/index.html", waiting=[r for r in rows if r.waiting],
                           others=[r for r in rows if not r.waiting],
                           catalogue=catalogue.load())  # fmt: skip


@bp.get("/<int:proposal_id>")
@login_required
def exchange(proposal_id: int):
    item, sides = _exchange(proposal_id)
    return _page(item, sides)


def _page(
    item: Proposal, sides: list[str], status: int = 200, comment_form=None, delivery_form=None
):
    s = db.session()
    return render_template(
        "exchanges/exchange.html", proposal=item, sides=sides,
        row=_rows([item])[0], name_shown=proposal_pages.name_shown,
        events=proposals.proposal_events(session=s, proposal_id=item.id),
        deliveries=proposal_pages.deliveries(session=s, proposal_id=item.id),
        used=proposal_pages.factors_used(session=s, proposal=item),
        comment_form=comment_form or CommentForm(), delivery_form=delivery_form or DeliveryForm(),
        catalogue=catalogue.load(), park_month=f"{park_today(s.get(Park, item.park_id)):%Y-%m}",
    ), status  # fmt: skip


@bp.post("/<int:proposal_id>/<any(accept, decline, suspend, end):action>")
@login_required
def answer(proposal_id: int, action: str):
    s = db.session()
    item, sides = _exchange(proposal_id)
    if not sides:
        abort(403)  # only the factories' own managers answer for them
    if action == "decline":
        return _decline(item, sides)
    form = CommentForm()
    if not form.validate_on_submit():
        return _page(item, sides, status=422, comment_form=form)
    try:
        managers = proposals.answer(session=s, proposal=item, user=current_user, sides=sides,
                                    action=action, comment=form.comment.data or "")
    except proposals.ProposalError as error:
        s.rollback()
        flash(refusal(error, action), "error")
        return _page(item, sides, status=409, comment_form=form)
    s.commit()
    mail_managers(current_app._get_current_object(), managers, "exchange-active", item.id)
    flash(DONE[action](item.status), "success")
    return redirect(url_for("exchanges.exchange", proposal_id=item.id))


def _decline(item: Proposal, sides: list[str]):
    """Asks first: a decline says "not now" (up to a month) or "never"; confirmed, it is done."""
    s = db.session()
    form = RefusalForm(data=None if "confirm" in request.form else
                       {"comment": request.form.get("comment", "")})  # fmt: skip
    form.this_month = park_today(s.get(Park, item.park_id)).replace(day=1)
    if "confirm" not in request.form or not form.validate_on_submit():
        return render_template(
            "refuse.html", proposal=item, form=form, heading=_("Decline this exchange?"),
            confirm_label=_("Yes, decline it"), catalogue=catalogue.load(),
            parties=proposal_pages.parties(session=s, proposals=[item])[item.id],
            action=url_for("exchanges.answer", proposal_id=item.id, action="decline"),
            cancel=url_for("exchanges.exchange", proposal_id=item.id),
        ), 422 if form.errors else 200  # fmt: skip
    kind, until, comment = form.parsed
    try:
        proposals.answer(session=s, proposal=item, user=current_user, sides=sides,
                         action="decline", comment=comment, refusal=kind, until=until)  # fmt: skip
    except proposals.ProposalError as error:
        s.rollback()
        flash(refusal(error, "decline"), "error")
        return _page(item, sides, status=409)
    s.commit()
    flash(_("You declined the exchange; runs up to %(month)s will not propose it again.",
            month=f"{until:%Y-%m}") if until else DONE["decline"](item.status), "success")  # fmt: skip
    return redirect(url_for("exchanges.exchange", proposal_id=item.id))


DONE = {
    "accept": lambda status: (
        _("Both factories accepted: the exchange is active.")
        if status == ProposalStatus.active
        else _("You accepted; the other factory has yet to.")
    ),
    "decline": lambda _status: _("You declined the exchange; it will not be proposed again."),
    "suspend": lambda _status: _("The exchange was suspended."),
    "end": lambda _status: _("The exchange was ended."),
}


@bp.post("/<int:proposal_id>/deliveries")
@login_required
def record_delivery(proposal_id: int):
    s = db.session()
    item, sides = _exchange(proposal_id)
    if not sides:
        abort(403)
    form = DeliveryForm()
    if not form.validate_on_submit():
        return _page(item, sides, status=422, delivery_form=form)
    given = form.parsed
    try:
        done = proposals.record_delivery(session=s, proposal=item, user=current_user,
                                         month=given.month, tonnes=given.tonnes, note=given.note,
                                         replace=given.replace)  # fmt: skip
    except proposals.ProposalError as error:
        s.rollback()
        flash(refusal(error, "deliver"), "error")
        form.confirm_replace = error.code == "delivery-recorded"  # the box shows only then
        return _page(item, sides, status=409, delivery_form=form)
    s.commit()
    words = {"t": format_number(given.tonnes), "month": f"{given.month:%Y-%m}"}
    if done.replaced_tonnes is None:
        flash(_("%(t)s t delivered in %(month)s were recorded.", **words), "success")
    else:
        flash(_("%(t)s t delivered in %(month)s were recorded, replacing the %(old)s t recorded "
                "before.", old=format_number(done.replaced_tonnes), **words), "success")  # fmt: skip
    return redirect(url_for("exchanges.exchange", proposal_id=item.id))


@bp.get("/notifications")
@login_required
def notifications():
    s = db.session()
    items = proposal_pages.notifications(session=s, user=current_user)
    unread = {r.notification.id for r in items if r.notification.read_at is None}
    proposal_pages.mark_read(session=s, user=current_user)
    s.commit()
    return render_template("exchanges/notifications.html", items=items, unread=unread,
                           words=notification_words, catalogue=catalogue.load())  # fmt: skip
