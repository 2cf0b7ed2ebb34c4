"""Password reset by a signed link: the same answer for every e-mail, one hour, one use."""

from __future__ import annotations

import logging
import re
import time

import pytest
from itsdangerous import TimestampSigner
from sqlmodel import select

from exchange.models import LoginAttempt, User
from exchange.security import verify_password
from exchange.services import password_reset

SENT = "If an account exists for this e-mail, we sent it a link to choose a new password."
DEAD = "This link has expired or was used already."
NEW = "a new long password"
FORM_PAGE = "/auth/new-password"


@pytest.fixture
def mail_log(app, caplog):
    """What the app logs instead of sending (no MAIL_SERVER in the tests)."""
    caplog.set_level(logging.INFO, logger=app.logger.name)
    return caplog


def _ask(client, email, ip="10.0.0.1"):
    # buffered: the test client closes the response at once, which runs the deferred send
    return client.post("/auth/reset", data={"email": email}, buffered=True,
                       environ_base={"REMOTE_ADDR": ip})  # fmt: skip


def _link(mail_log) -> str:
    [link] = re.findall(r"http://localhost(/auth/reset/[\w.-]+)", mail_log.text)
    return link


def test_a_known_email_gets_a_link_that_sets_the_password_and_signs_in(
    client, world, session, mail_log
):
    asked = _ask(client, "A@x.kr ")
    assert (asked.status_code, asked.headers["Location"]) == (302, "/auth/login")
    assert SENT in client.get("/auth/login").get_data(as_text=True)
    assert "mail to a@x.kr: Choose a new password" in mail_log.text
    link = _link(mail_log)
    opened = client.get(link)  # the token leaves the address at once
    assert (opened.status_code, opened.headers["Location"]) == (302, FORM_PAGE)
    page = client.get(FORM_PAGE)
    assert page.status_code == 200 and "For a@x.kr." in page.get_data(as_text=True)
    short = client.post(FORM_PAGE, data={"password": "short", "confirm": "short"})
    assert short.status_code == 422 and "At least 10 characters." in short.get_data(as_text=True)
    differ = client.post(FORM_PAGE, data={"password": NEW, "confirm": NEW + "!"})
    assert "The passwords differ." in differ.get_data(as_text=True)
    done = client.post(FORM_PAGE, data={"password": NEW, "confirm": NEW})
    assert (done.status_code, done.headers["Location"]) == (302, "/auth/home")
    assert client.get("/auth/profile").status_code == 200  # signed in
    session.expire_all()
    assert verify_password(session.get(User, world.manager_a.id).password_hash, NEW)
    client.post("/auth/logout")
    used = client.get(link)
    assert used.status_code == 404 and DEAD in used.get_data(as_text=True)


def test_an_unknown_email_gets_the_same_answer_and_no_mail(client, world, session, mail_log):
    known, unknown = _ask(client, "a@x.kr"), _ask(client, "ghost@x.kr")
    assert (unknown.status_code, unknown.headers["Location"]) == (
        known.status_code, known.headers["Location"])  # fmt: skip
    assert unknown.get_data() == known.get_data()
    assert SENT in client.get("/auth/login").get_data(as_text=True)
    assert "ghost@x.kr" not in mail_log.text
    assert len(session.exec(select(LoginAttempt)).all()) == 2  # both counted alike


def test_an_inactive_account_gets_no_link(client, world, session, mail_log):
    world.manager_a.is_active = False
    session.add(world.manager_a)
    session.commit()
    assert _ask(client, "a@x.kr").status_code == 302
    assert "mail to" not in mail_log.text


def _token_aged(app, user, seconds: int, monkeypatch) -> str:
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda _self: int(time.time()) - seconds)
        return password_reset.make_token(secret_key=app.config["SECRET_KEY"], user=user)


def test_a_link_works_for_one_hour(app, client, world, monkeypatch):
    young = _token_aged(app, world.manager_a, 3590, monkeypatch)
    assert client.get(f"/auth/reset/{young}", follow_redirects=True).status_code == 200
    expired = client.get(f"/auth/reset/{_token_aged(app, world.manager_a, 3610, monkeypatch)}")
    assert expired.status_code == 404 and DEAD in expired.get_data(as_text=True)


def test_forged_and_foreign_tokens_open_nothing(app, client, world):
    other_secret = password_reset.make_token(secret_key="another", user=world.manager_a)
    nobody = password_reset.make_token(secret_key=app.config["SECRET_KEY"], user=None)
    good = password_reset.make_token(secret_key=app.config["SECRET_KEY"], user=world.manager_a)
    for token in (other_secret, nobody, good[:-2] + "xx", "garbage"):
        assert client.get(f"/auth/reset/{token}").status_code == 404
    assert client.get(f"/auth/reset/{good}", follow_redirects=True).status_code == 200


def test_a_link_dies_when_the_password_changes_another_way(app, client, world, session):
    from exchange.services import users

    token = password_reset.make_token(secret_key=app.config["SECRET_KEY"], user=world.manager_a)
    users.set_password(session=session, user=world.manager_a, password="changed elsewhere")
    session.commit()
    assert client.get(f"/auth/reset/{token}").status_code == 404


def test_a_reset_lifts_the_sign_in_lock_of_that_email(client, world, mail_log):
    for _ in range(5):
        client.post("/auth/login", data={"email": "a@x.kr", "password": "wrong"})
    assert client.post("/auth/login", data={"email": "a@x.kr", "password": "x"}).status_code == 429
    _ask(client, "a@x.kr")
    client.get(_link(mail_log))
    client.post(FORM_PAGE, data={"password": NEW, "confirm": NEW})
    client.post("/auth/logout")
    assert client.post("/auth/login", data={"email": "a@x.kr", "password": NEW}).status_code == 302


def test_the_mail_goes_through_smtp_after_the_answer_in_the_users_language(
    client, world, session, outbox
):
    world.manager_a.locale = "ko"
    session.add(world.manager_a)
    session.commit()
    response = client.post("/auth/reset", data={"email": "a@x.kr"})
    assert response.status_code == 302 and outbox == []  # not before the response has gone
    response.close()
    [message] = outbox
    assert (message["To"], message["Subject"]) == ("a@x.kr", "새 비밀번호 정하기")
    assert "http://localhost/auth/reset/" in message.get_content()
    assert "60분" in message.get_content()


def test_without_a_mail_server_the_app_logs_at_info_so_the_link_is_seen(app):
    """Flask alone would drop INFO records, and with them every mail written to the log."""
    assert app.logger.isEnabledFor(logging.INFO)


def test_a_new_password_signs_out_every_other_session(client, app, world, session):
    """A stolen cookie dies with the password: the session carries the password's fingerprint."""
    from exchange.services import users

    from .conftest import sign_in

    other_browser = app.test_client()
    sign_in(client, world.manager_a)
    sign_in(other_browser, world.manager_a)
    assert other_browser.get("/auth/profile").status_code == 200
    users.set_password(session=session, user=world.manager_a, password="changed elsewhere")
    session.commit()
    for browser in (client, other_browser):
        answer = browser.get("/auth/profile")
        assert (answer.status_code, answer.headers["Location"]) == (
            302, "/auth/login?next=%2Fauth%2Fprofile")  # fmt: skip
