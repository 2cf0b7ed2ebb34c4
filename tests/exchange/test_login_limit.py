"""Sign-in lock-out: five failures per e-mail, thirty per address, within 15 minutes."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from exchange.models import LoginAttempt

GOOD = "correct horse battery"
LOCKED = "Too many failed sign-ins"


def _login(client, email, password, ip="10.0.0.1"):
    return client.post("/auth/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})  # fmt: skip


def _age_attempts(session, by: timedelta) -> None:
    for attempt in session.exec(select(LoginAttempt)).all():
        attempt.at -= by
    session.commit()


def test_sixth_try_is_refused_even_with_the_right_password(client, world, session):
    for _ in range(5):
        assert _login(client, "a@x.kr", "wrong").status_code == 401
    refused = _login(client, "a@x.kr", GOOD)
    assert refused.status_code == 429
    assert LOCKED in refused.get_data(as_text=True)
    _age_attempts(session, timedelta(minutes=16))
    assert _login(client, "a@x.kr", GOOD).status_code == 302


def test_four_failures_then_success_resets_the_count(client, world):
    for _ in range(4):
        _login(client, "a@x.kr", "wrong")
    assert _login(client, "a@x.kr", GOOD).status_code == 302
    client.post("/auth/logout")
    for _ in range(4):
        assert _login(client, "a@x.kr", "wrong").status_code == 401


def test_unknown_email_is_counted_and_answered_alike(client, world):
    for _ in range(5):
        assert _login(client, "ghost@x.kr", "wrong").status_code == 401
    refused = _login(client, "ghost@x.kr", "wrong")
    assert refused.status_code == 429
    assert LOCKED in refused.get_data(as_text=True)
    assert _login(client, "a@x.kr", GOOD, ip="10.0.0.2").status_code == 302  # others unaffected


def test_one_address_is_limited_across_emails(client, world, session):
    for i in range(30):
        assert _login(client, f"u{i}@x.kr", "wrong", ip="10.9.9.9").status_code == 401
    assert _login(client, "a@x.kr", GOOD, ip="10.9.9.9").status_code == 429
    assert _login(client, "a@x.kr", GOOD, ip="10.0.0.3").status_code == 302
    _age_attempts(session, timedelta(minutes=16))
    client.post("/auth/logout")
    assert _login(client, "a@x.kr", GOOD, ip="10.9.9.9").status_code == 302


def test_attempts_keep_no_address_in_the_clear(client, world, session):
    _login(client, "a@x.kr", "wrong")
    stored = session.exec(select(LoginAttempt)).all()
    assert len(stored) == 1 and "a@x.kr" not in stored[0].email_hash
    assert (stored[0].ip, stored[0].succeeded) == ("10.0.0.1", False)


def test_behind_a_trusted_proxy_the_client_address_counts(database_url, world, session):
    from exchange import create_app

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "t", "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "TRUSTED_PROXIES": 1})  # fmt: skip
    app.test_client().post("/auth/login", data={"email": "a@x.kr", "password": "wrong"},
                           headers={"X-Forwarded-For": "203.0.113.7"})  # fmt: skip
    assert session.exec(select(LoginAttempt)).one().ip == "203.0.113.7"
    app.extensions["db_engine"].dispose()
