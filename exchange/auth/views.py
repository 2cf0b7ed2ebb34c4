"""Signing in and out, a forgotten password, accepting an invitation, one's own profile."""

from __future__ import annotations

from functools import partial
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
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
    ChangePasswordForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    ResetRequestForm,
    SetPasswordForm,
)
from exchange.mail import reset_mail, send_quietly
from exchange.models import User
from exchange.security import verify_password
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
        attempt = sign_in.take_try(session=s, email=form.email.data, ip=ip)
        # the try is counted and committed before the password check, so tries sent at once
        # cannot all pass the limit together
        s.commit()
        if attempt is None:
            flash(_("Too many failed sign-ins. Please wait 15 minutes and try again."), "error")
            return render_template("auth/login.html", form=form), 429
        user = users.authenticate(session=s, email=form.email.data, password=form.password.data)
        if user is None:
            flash(_("The e-mail or the password is not right."), "error")
            return render_template("auth/login.html", form=form), 401
        sign_in.try_succeeded(session=s, attempt=attempt)
        s.commit()
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
    if sign_in.take_try(session=s, email=form.email.data, ip=ip, purpose="reset") is None:
        s.commit()
        flash(_("Too many requests. Please wait 15 minutes and try again."), "error")
        return render_template("auth/reset_request.html", form=form), 429
    user = users.find_user(session=s, email=form.email.data)
    user = user if user is not None and user.is_active else None
    token = password_reset.make_token(secret_key=app.config["SECRET_KEY"], user=user)
    subject, body = reset_mail(app, user, url_for("auth.reset_link", token=token,
                                                  _external=True))  # fmt: skip
    s.commit()
    flash(_("If an account exists for this e-mail, we sent it a link to choose a new password."),
          "info")  # fmt: skip
    response = redirect(url_for("auth.login"))
    if user is not None:
        response.call_on_close(partial(send_quietly, app, user.email, subject, body))
    return response


def _no_referrer(response):
    """A page reached by a secret link: no Referer from it, to our server's log or elsewhere."""
    response = make_response(response)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _reset_user(token: str | None) -> User | None:
    return password_reset.user_for_token(
        session=db.session(), secret_key=current_app.config["SECRET_KEY"], token=token or "",
        max_age=current_app.config["RESET_LINK_SECONDS"],
    )  # fmt: skip


@bp.get("/reset/<token>")
def reset_link(token: str):
    """The mailed link, opened: the token moves into the (signed, HttpOnly) session cookie and
    the browser goes on to an address without it, so it is in no later access-log line, no
    Referer and no browser history entry but this one."""
    if _reset_user(token) is None:
        return _no_referrer((render_template("auth/reset_password.html", form=None), 404))
    session["reset_token"] = token
    return _no_referrer(redirect(url_for("auth.reset_password")))


@bp.route("/new-password", methods=["GET", "POST"])
def reset_password():
    s = db.session()
    user = _reset_user(session.get("reset_token"))
    if user is None:
        session.pop("reset_token", None)
        return _no_referrer((render_template("auth/reset_password.html", form=None), 404))
    form = PasswordForm()
    if form.validate_on_submit():
        users.set_password(session=s, user=user, password=form.password.data)
        sign_in.record_attempt(session=s, email=user.email, ip=request.remote_addr or "",
                               succeeded=True)  # fmt: skip
        s.commit()
        session.pop("reset_token", None)
        _sign_in(user)
        flash(_("Your new password is saved, and you are signed in."), "success")
        return _no_referrer(redirect(url_for("auth.home")))
    status = 422 if form.errors else 200
    page = render_template("auth/reset_password.html", form=form, email=user.email)
    return _no_referrer((page, status))


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        s = db.session()
        users.end_sessions(session=s, user=current_user._get_current_object())
        s.commit()
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
    return profile_page(form)


def profile_page(form: ProfileForm | None = None, password_form: ChangePasswordForm | None = None,
                 token_form=None, **extra) -> str:  # fmt: skip
    """The profile page: its own form, the password form and the API tokens; each form that
    was not sent comes empty."""
    from exchange.auth.tokens import token_context

    form = form or ProfileForm(formdata=None, obj=current_user)
    password_form = password_form or ChangePasswordForm(formdata=None, prefix="password")
    return render_template("auth/profile.html", form=form, password_form=password_form,
                           **token_context(token_form), **extra)  # fmt: skip


@bp.post("/profile/password")
@login_required
def change_password():
    """A new password, the present one first; a wrong one counts as a failed sign-in."""
    s, ip = db.session(), request.remote_addr or ""
    form = ChangePasswordForm(prefix="password")
    if not form.validate_on_submit():
        return profile_page(password_form=form), 422
    attempt = sign_in.take_try(session=s, email=current_user.email, ip=ip)
    s.commit()  # counted before the check, as on the sign-in page
    if attempt is None:
        flash(_("Too many failed sign-ins. Please wait 15 minutes and try again."), "error")
        return profile_page(password_form=form), 429
    if not verify_password(current_user.password_hash, form.current.data):
        form.current.errors = [_("This is not your password.")]
        return profile_page(password_form=form), 422
    user = current_user._get_current_object()
    sign_in.try_succeeded(session=s, attempt=attempt)
    users.set_password(session=s, user=user, password=form.password.data)
    s.commit()
    _sign_in(user)  # this browser stays signed in; every other session has ended
    flash(_("Your new password is saved. You were signed out everywhere else, and your API "
            "tokens were revoked."), "success")  # fmt: skip
    return redirect(url_for("auth.profile"))
