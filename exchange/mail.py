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
        try:
            send_mail(app, user.email, subject, body)
        except OSError:  # the step is committed; a mail server that is down must not undo it
            app.logger.exception("mail to %s failed", user.email)


def notification_words(text: str) -> str:
    return {
        "proposal-approved": _(
            "The coordinator approved an exchange for your factory: please accept or decline it."
        ),
        "exchange-active": _("Both factories accepted: the exchange is active."),
    }.get(text, text)
