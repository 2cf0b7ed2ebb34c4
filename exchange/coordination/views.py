"""A park coordinator's pages: the park's factories and listings, inviting people."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from exchange import catalogue, db
from exchange.auth.forms import InviteForm
from exchange.forms import choices
from exchange.models import Park, Role
from exchange.security import roles_required
from exchange.services import access, factories, listings, users

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
    s = db.session()
    p = _park()
    filters = {k: request.args.get(k) or None for k in ("kind", "status", "material", "q")}
    page = listings.search_listings(
        session=s, park_id=p.id, kind=filters["kind"], status=filters["status"],
        material=filters["material"], text=filters["q"],
        page=request.args.get("page", 1, type=int), per_page=current_app.config["PAGE_SIZE"],
    )  # fmt: skip
    return render_template(
        "coordination/park.html", park=p, page=page, filters=filters, catalogue=catalogue.load()
    )


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
                link = url_for("auth.accept_invitation", token=token, _external=True)
                current_app.logger.info("invitation for %s: %s", form.email.data, link)
                flash(_("The invitation was created. Send the link below to %(email)s.",
                        email=form.email.data), "success")  # fmt: skip
    pending = users.pending_invitations(session=s, park_id=p.id)
    status = 422 if form.errors else 200
    return render_template(
        "coordination/invite.html", form=form, park=p, link=link, pending=pending
    ), status
