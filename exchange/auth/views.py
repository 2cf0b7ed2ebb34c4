"""Signing in and out, a forgotten password, accepting an invitation, one's own profile."""

from __future__ import annotations

from functools import partial
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from exchange import db
from exchange.auth.forms import (
    LoginForm,
    PasswordForm,
    ProfileForm,
    ResetRequestForm,
    SetPasswordForm,
)
from exchange.mail import reset_mail, send_quietly
from exchange.models import User
from exchange.services import password_reset, sign_in, users

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
        _sign_in(user)
        return redirect(_safe_next(request.args.get("next")) or url_for("auth.home"))
    return render_template("auth/login.html", form=form)


def _sign_in(user: User) -> None:
    login_user(user)
    if user.locale:
        session["lang"] = user.locale


@bp.route("/reset", methods=["GET", "POST"])
def request_reset():
    """*Forgot your password?*: the same answer and the same work whether or not the e-mail
    has an account; the mail goes out after the response."""
    form = ResetRequestForm()
    if not form.validate_on_submit():
        return render_template("auth/reset_request.html", form=form), 422 if form.errors else 200
    s, ip, app = db.session(), request.remote_addr or "", current_app._get_current_object()
    if sign_in.is_locked(session=s, email=form.email.data, ip=ip, purpose="reset"):
        flash(_("Too many requests. Please wait 15 minutes and try again."), "error")
        return render_template("auth/reset_request.html", form=form), 429
    sign_in.record_attempt(session=s, email=form.email.data, ip=ip, succeeded=False,
                           purpose="reset")  # fmt: skip
    user = users.find_user(session=s, email=form.email.data)
    user = user if user is not None and user.is_active else None
    token = password_reset.make_token(secret_key=app.config["SECRET_KEY"], user=user)
    subject, body = reset_mail(app, user, url_for("auth.reset_password", token=token,
                                                  _external=True))  # fmt: skip
    s.commit()
    flash(_("If an account exists for this e-mail, we sent it a link to choose a new password."),
          "info")  # fmt: skip
    response = redirect(url_for("auth.login"))
    if user is not None:
        response.call_on_close(partial(send_quietly, app, user.email, subject, body))
    return response


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    s = db.session()
    user = password_reset.user_for_token(
        session=s, secret_key=current_app.config["SECRET_KEY"], token=token,
        max_age=current_app.config["RESET_LINK_SECONDS"],
    )  # fmt: skip
    if user is None:
        return render_template("auth/reset_password.html", form=None), 404
    form = PasswordForm()
    if form.validate_on_submit():
        users.set_password(session=s, user=user, password=form.password.data)
        sign_in.record_attempt(session=s, email=user.email, ip=request.remote_addr or "",
                               succeeded=True)  # fmt: skip
        s.commit()
        _sign_in(user)
        flash(_("Your new password is saved, and you are signed in."), "success")
        return redirect(url_for("auth.home"))
    status = 422 if form.errors else 200
    return render_template("auth/reset_password.html", form=form, email=user.email), status


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
        _sign_in(user)
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
