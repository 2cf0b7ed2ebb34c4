from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from exchange.forms import choices


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)],
                       filters=[lambda v: v.strip() if v else v])  # fmt: skip


class PasswordForm(FlaskForm):
    """A new password, twice: the one rule for invitations and reset links alike."""

    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=10, message=_l("At least 10 characters."))],
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ChangePasswordForm(PasswordForm):
    """On the profile page, prefixed (`password-…`): the profile form beside it is not."""

    current = PasswordField(_l("Your password now"), validators=[DataRequired()])


class SetPasswordForm(PasswordForm):
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=120)])


class ProfileForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=120)])
    locale = SelectField(_l("Language"), choices=choices([("ko", "한국어"), ("en", "English")]))


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    role = SelectField(
        _l("Role"),
        choices=choices(
            [
                ("manager", _l("Factory environment manager")),
                ("coordinator", _l("Park coordinator")),
            ]
        ),
    )
    factory = SelectField(_l("Factory (for a manager)"), coerce=int, validate_choice=False)
