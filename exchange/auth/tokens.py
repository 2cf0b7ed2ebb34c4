"""Personal API tokens on the profile page: create (the secret is shown once), list, revoke.

Kept apart from the sign-in views: they change for different reasons."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from exchange import db
from exchange.auth.views import bp, profile_page
from exchange.listings.forms import ActionForm
from exchange.services import api_tokens


class TokenForm(FlaskForm):
    """Its fields are prefixed (`token-name`): the profile form beside it has a `name` too."""

    name = StringField(_l("What the token is for"), validators=[DataRequired(), Length(max=80)])
    days = IntegerField(_l("Expires after (days)"), validators=[
        Optional(), NumberRange(1, api_tokens.MAX_DAYS)])  # fmt: skip
    read_only = BooleanField(_l("Read only: the program may read but not change anything"))


def token_context(token_form: TokenForm | None = None) -> dict:
    """What the profile page needs for its token section."""
    return {
        "tokens": api_tokens.user_tokens(session=db.session(), user=current_user),
        "token_form": token_form or TokenForm(formdata=None, prefix="token"),
        "revoke_form": ActionForm(),
    }


@bp.post("/profile/tokens")
@login_required
def create_token():
    s = db.session()
    form = TokenForm(prefix="token")
    if not form.validate_on_submit():
        return profile_page(token_form=form), 422
    _token, secret = api_tokens.create_token(session=s, user=current_user, name=form.name.data,
                                             days=form.days.data,
                                             read_only=form.read_only.data)  # fmt: skip
    s.commit()
    # shown in this answer only: a redirect would have to keep the secret somewhere
    return profile_page(new_secret=secret)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    s = db.session()
    if not ActionForm().validate_on_submit():
        return redirect(url_for("auth.profile"))
    revoked = api_tokens.revoke_token(session=s, user=current_user, token_id=token_id)
    if revoked is None:
        abort(404)
    if revoked:
        s.commit()
        flash(_("The token was revoked: programs using it are refused from now on."), "success")
    else:
        flash(_("No such token of yours is in use."), "error")
    return redirect(url_for("auth.profile") + "#tokens")
