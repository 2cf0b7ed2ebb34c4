"""E-mail to people: sent with smtplib when MAIL_SERVER is set, else written to the log."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import Flask, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from exchange.models import User


def send_mail(app: Flask, to: str, subject: str, body: str) -> None:
    """One plain-text message; a development server without MAIL_SERVER only logs it."""
    server = app.config.get("MAIL_SERVER")
    if not server:
        app.logger.info("mail to %s: %s\n%s", to, subject, body)
        return
    message = EmailMessage()
    message["From"] = app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    host, _sep, port = server.partition(":")
    with smtplib.SMTP(host, int(port or 25), timeout=10) as smtp:
        smtp.send_message(message)


def mail_managers(app: Flask, managers: list[User], text: str, proposal_id: int) -> None:
    """Tell factory managers that an exchange moved, each in their own language."""
    link = url_for("exchanges.exchange", proposal_id=proposal_id, _external=True)
    for user in managers:
        with force_locale(user.locale or app.config["BABEL_DEFAULT_LOCALE"]):
            subject = notification_words(text)
            body = _("%(what)s\n\nSee the exchange and answer here: %(link)s",
                     what=subject, link=link)  # fmt: skip
        send_quietly(app, user.email, subject, body)


def send_quietly(app: Flask, to: str, subject: str, body: str) -> None:
    """Send, and only log a failure: what the mail reports is committed already, and a mail
    server that is down must not turn it into an error page."""
    try:
        send_mail(app, to, subject, body)
    except OSError:
        app.logger.exception("mail to %s failed", to)


def notification_words(text: str) -> str:
    return {
        "proposal-approved": _(
            "The coordinator approved an exchange for your factory: please accept or decline it."
        ),
        "exchange-active": _("Both factories accepted: the exchange is active."),
        "agreed-tonnes-lowered": _(
            "A listing of this exchange was lowered below its agreed tonnes: the exchange needs "
            "attention."
        ),
    }.get(text, text)


def reset_mail(app: Flask, user: User | None, link: str) -> tuple[str, str]:
    """The subject and body of a reset link, in the user's language (made for nobody too, so an
    unknown e-mail costs the same work)."""
    with force_locale((user and user.locale) or app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("Choose a new password")
        body = _(
            "Someone asked for a new password for your account at the by-product exchange.\n\n"
            "To choose one, open this link within %(minutes)d minutes (it works once):\n"
            "%(link)s\n\n"
            "If it was not you, ignore this mail: your password stays as it is.",
            link=link, minutes=app.config["RESET_LINK_SECONDS"] // 60,
        )  # fmt: skip
    return subject, body


def invitation_mail(app: Flask, link: str, park_name: str, days: int) -> tuple[str, str]:
    """The subject and body of an invitation, in the language of the page that made it."""
    subject = _("Your invitation to the by-product exchange of %(park)s", park=park_name)
    body = _(
        "You are invited to the by-product exchange of %(park)s.\n\n"
        "To choose your password and start, open this link within %(days)d days (it works "
        "once):\n%(link)s\n\n"
        "If you did not expect this mail, ignore it.",
        park=park_name, days=days, link=link,
    )  # fmt: skip
    return subject, body
