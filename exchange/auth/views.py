"""Signing in and out, accepting an invitation, one's own profile."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from exchange import db
from exchange.auth.forms import LoginForm, ProfileForm, SetPasswordForm
from exchange.services import sign_in, users

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only local paths: never send a user on to another site after sign-in."""
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        s, ip = db.session(), request.remote_addr or ""
        if sign_in.is_locked(session=s, email=form.email.data, ip=ip):
            flash(_("Too many failed sign-ins. Please wait 15 minutes and try again."), "error")
            return render_template("auth/login.html", form=form), 429
        user = users.authenticate(session=s, email=form.email.data, password=form.password.data)
        sign_in.record_attempt(session=s, email=form.email.data, ip=ip, succeeded=bool(user))
        s.commit()
        if user is None:
            flash(_("The e-mail or the password is not right."), "error")
            return render_template("auth/login.html", form=form), 401
        login_user(user)
        if user.locale:
            session["lang"] = user.locale
        return redirect(_safe_next(request.args.get("next")) or url_for("auth.home"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("public.index"))


@bp.get("/home")
@login_required
def home():
    """Where a signed-in user starts: their own workspace."""
    return redirect(url_for("listings.my_factories"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    s = db.session()
    invitation = users.open_invitation(session=s, token=token)
    if invitation is None:
        abort(404)
    form = SetPasswordForm(data={"name": invitation.name} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            user = users.accept_invitation(
                session=s, invitation=invitation, name=form.name.data, password=form.password.data
            )
        except users.AccountError:
            flash(_("An account with this e-mail exists already: sign in instead."), "error")
            return redirect(url_for("auth.login"))
        s.commit()
        login_user(user)
        flash(_("Welcome! Your account is ready."), "success")
        return redirect(url_for("auth.home"))
    return render_template("auth/invitation.html", form=form, invitation=invitation)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    s = db.session()
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        current_user.name = form.name.data
        current_user.locale = form.locale.data
        s.add(current_user)
        s.commit()
        session["lang"] = form.locale.data
        flash(_("Your profile was saved."), "success")
        return redirect(url_for("auth.profile"))
    from exchange.auth.tokens import token_context

    return render_template("auth/profile.html", form=form, **token_context())
