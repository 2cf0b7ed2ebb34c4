"""The second security pass (issue 14); SECURITY.md names each test here.

1. The query never reaches the URL builder.     5. No-store on signed-in pages and downloads.
2. Invitation and reset links kept out of logs.  6. A factory's name shown only by its choice.
3. Sessions end on the server side.              7. Read-only API tokens.
4. The sign-in limit under parallel tries.       8. 404 or 403 tells no id.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path

import pytest

from exchange import create_app
from exchange.services import password_reset, results
from tests.exchange.app_map import routes, urls
from tests.exchange.conftest import sign_in
from tests.exchange.two_parks import make_two_parks, snapshot

ROOT = Path(__file__).resolve().parents[2]
FORGED = {"Host": "evil.example"}
POISON = "_external=1&_scheme=javascript&_anchor=x&_method=POST"


@pytest.fixture
def scene(app, session, world):
    return make_two_parks(app, session, world)


def _own_ids(scene) -> dict[str, int]:
    return {"factory_id": scene.factories["A"].id, "listing_id": scene.listings["la"].id,
            "run_id": scene.runs["rp"].id, "proposal_id": scene.proposals["pa"].id,
            "token_id": scene.tokens["manager_a"].id}  # fmt: skip


def _sign_in_on_forged_host(client, user) -> None:
    """The test client sends a cookie only to the host it was set for."""
    sign_in(client, user)
    if user is not None:
        cookie = client.get_cookie("session")
        client.set_cookie("session", cookie.value, domain=FORGED["Host"])


def _links(response) -> list[str]:
    return re.findall(r'(?:href|action|src)="([^"]*)"', response.get_data(as_text=True))


# --- 1. the query never reaches the URL builder ----------------------------------------------


def test_a_forged_host_and_query_do_not_poison_the_cached_public_pages(client, world, scene):
    results._cache.clear()
    for page in ("/", f"/parks/{world.park.slug}"):
        poisoned = client.get(f"{page}?{POISON}&utm=spam", headers=FORGED)
        after = client.get(page)  # from the cache the first request filled
        results._cache.clear()
        fresh = client.get(page)
        assert poisoned.status_code == after.status_code == fresh.status_code == 200, page
        assert _links(poisoned) == _links(after) == _links(fresh), page
        assert f'href="{page}?lang=en"' in fresh.get_data(as_text=True), page
        assert not [link for link in _links(after) if ":" in link or "spam" in link], page


def test_every_page_takes_underscored_query_arguments_as_plain_text(app, client, world, scene):
    """`?_method=POST` made url_for raise (a 500); `_external` made every link absolute."""
    ids, seen = _own_ids(scene), 0
    for who in (None, world.admin, world.manager_a):
        _sign_in_on_forged_host(client, who)
        for rule in routes(app, "GET"):
            for url in urls(app, rule, ids):
                response = client.get(url + ("&" if "?" in url else "?") + POISON,
                                      headers=FORGED)  # fmt: skip
                seen += 1
                assert response.status_code < 500, url
                assert who is None or response.status_code != 302 or "/auth/login" not in \
                    response.headers["Location"], url  # really signed in on that host
                assert b"evil.example" not in response.data, url
                if response.mimetype == "text/html":
                    assert not [x for x in _links(response) if x.startswith("javascript")], url
    assert seen >= 60


def test_the_language_link_keeps_the_filters_of_a_signed_in_page(client, world, scene):
    _sign_in_on_forged_host(client, world.coordinator)
    page = client.get("/coordination/factories?q=Factory&page=1&_external=1", headers=FORGED)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="/coordination/factories?q=Factory&amp;page=1&amp;_external=1&amp;lang=ko"' in html


def test_with_server_name_set_a_forged_host_does_not_change_a_mailed_link(app, client, world,
                                                                          outbox):  # fmt: skip
    """Else a reset asked for with `Host: evil.example` mails the victim a link to the
    attacker's site, token and all; `flask check` warns in production until it is set."""
    app.config["SERVER_NAME"] = "exchange.example.kr"
    client.post("/auth/reset", data={"email": "a@x.kr"}, headers=FORGED).close()
    [message] = outbox
    [link] = re.findall(r"\S+/auth/reset/\S+", message.get_content())
    assert link.startswith("http://exchange.example.kr/auth/reset/")
    production = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "s" * 32,
                             "TESTING": True, "ENV_PRODUCTION": True})  # fmt: skip
    result = production.test_cli_runner().invoke(args=["check", "--gunicorn-config", "none.py"])
    production.extensions["db_engine"].dispose()
    assert "warning: SERVER_NAME is not set (EXCHANGE_SERVER_NAME)" in result.output


# --- 2. invitation and reset links kept out of logs and Referers -----------------------------


def _invite(client, email="new@x.kr"):
    return client.post("/coordination/invite", data={"email": email, "role": "coordinator"})


def test_with_a_mail_server_an_invitation_is_mailed_and_its_link_never_logged(
    app, client, world, outbox, caplog
):
    caplog.set_level(logging.DEBUG)
    sign_in(client, world.coordinator)
    page = _invite(client).get_data(as_text=True)
    [message] = outbox
    [link] = re.findall(r"http://localhost/auth/invitation/\S+", message.get_content())
    token = link.rsplit("/", 1)[1]
    assert message["To"] == "new@x.kr"
    assert message["Subject"] == "Your invitation to the by-product exchange of Sihwa"
    assert "The invitation was mailed to new@x.kr." in page
    assert token not in page and token not in caplog.text
    assert client.get(link).status_code == 200  # the mailed link works


def test_without_a_mail_server_the_invitation_link_is_shown_and_logged(client, world, caplog):
    caplog.set_level(logging.INFO)
    sign_in(client, world.coordinator)
    page = _invite(client).get_data(as_text=True)
    [link] = re.findall(r"http://localhost/auth/invitation/[\w-]+", page)
    assert f"invitation for new@x.kr: {link}" in caplog.text


def test_a_failed_invitation_mail_shows_the_link_and_logs_no_token(
    app, client, world, outbox, caplog, monkeypatch
):
    def refuse(*_args):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("exchange.coordination.views.send_mail", refuse)
    sign_in(client, world.coordinator)
    page = _invite(client).get_data(as_text=True)
    [token] = re.findall(r"http://localhost/auth/invitation/([\w-]+)", page)
    assert "The mail to new@x.kr could not be sent. Send them the link below." in page
    assert "the invitation mail to new@x.kr failed" in caplog.text and token not in caplog.text


def test_a_reset_token_leaves_the_address_at_once_and_no_page_of_it_sends_a_referer(
    app, client, world
):
    token = password_reset.make_token(secret_key=app.config["SECRET_KEY"], user=world.manager_a)
    opened = client.get(f"/auth/reset/{token}")
    assert (opened.status_code, opened.headers["Location"]) == (302, "/auth/new-password")
    form = client.get("/auth/new-password")
    assert form.status_code == 200 and token not in form.get_data(as_text=True)
    dead = client.get("/auth/reset/forged")
    for response in (opened, form, dead):
        assert response.headers["Referrer-Policy"] == "no-referrer"
    done = client.post("/auth/new-password", data={"password": "a new long password",
                                                   "confirm": "a new long password"})  # fmt: skip
    assert (done.status_code, done.headers["Referrer-Policy"]) == (302, "no-referrer")
    with client.session_transaction() as kept:
        assert "reset_token" not in kept  # the cookie no longer carries it
    assert client.get("/auth/new-password").status_code == 404


def test_secret_links_are_redacted_from_the_development_and_gunicorn_access_logs(caplog):
    import runpy
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config

    caplog.set_level(logging.INFO, logger="werkzeug")
    logging.getLogger("werkzeug").info('127.0.0.1 - - "%s" %s', "GET /auth/reset/WzE.x.y HTTP/1.1",
                                       302)  # fmt: skip
    assert '"GET /auth/reset/… HTTP/1.1" 302' in caplog.text and "WzE" not in caplog.text
    logger_class = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["logger_class"]
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/auth/invitation/tok3n?lang=ko",
               "PATH_INFO": "/auth/invitation/tok3n", "SERVER_PROTOCOL": "HTTP/1.1",
               "HTTP_REFERER": "https://x.kr/auth/reset/s3cret"}  # fmt: skip
    response = SimpleNamespace(status="200 OK", headers=[], sent=10)
    request = SimpleNamespace(headers=[("REFERER", "https://x.kr/auth/reset/s3cret")])
    atoms = logger_class(Config()).atoms(response, request, environ, timedelta(seconds=1))
    assert atoms["r"] == "GET /auth/invitation/…?lang=ko HTTP/1.1"
    assert (atoms["U"], atoms["f"], atoms["{referer}i"]) == (
        "/auth/invitation/…", "https://x.kr/auth/reset/…", "https://x.kr/auth/reset/…")  # fmt: skip


# --- 3. sessions end on the server side ------------------------------------------------------

PW = "correct horse battery"  # manager A's, from the `world` fixture
NEW_PW = "a brand new password"


def _browsers(app, user, n=2):
    browsers = [app.test_client() for _ in range(n)]
    for browser in browsers:
        sign_in(browser, user)
        assert browser.get("/auth/profile").status_code == 200
    return browsers


def _signed_in(browser) -> bool:
    return browser.get("/auth/profile").status_code == 200


def _api_status(app, secret: str) -> int:
    return app.test_client().get("/api/v1/factories",
                                 headers={"Authorization": f"Bearer {secret}"}).status_code  # fmt: skip


def test_signing_out_ends_the_session_on_the_server_so_a_copied_cookie_stops_working(app, world):
    browser, = _browsers(app, world.manager_a, 1)
    copied = app.test_client()
    copied.set_cookie("session", browser.get_cookie("session").value)
    assert _signed_in(copied)
    assert browser.post("/auth/logout").status_code == 302
    assert not _signed_in(copied) and not _signed_in(browser)


def test_a_password_change_ends_the_other_sessions_and_revokes_the_api_tokens(
    app, world, session
):
    from exchange.services import api_tokens

    here, elsewhere = _browsers(app, world.manager_a)
    _token, secret = api_tokens.create_token(session=session, user=world.manager_a, name="ERP")
    session.commit()
    assert _api_status(app, secret) == 200
    wrong = here.post("/auth/profile/password", data={
        "password-current": "not it", "password-password": NEW_PW,
        "password-confirm": NEW_PW})  # fmt: skip
    assert wrong.status_code == 422 and "This is not your password." in wrong.get_data(as_text=True)
    assert _signed_in(elsewhere) and _api_status(app, secret) == 200  # nothing changed
    done = here.post("/auth/profile/password", data={
        "password-current": PW, "password-password": NEW_PW, "password-confirm": NEW_PW})  # fmt: skip
    assert (done.status_code, done.headers["Location"]) == (302, "/auth/profile")
    assert _signed_in(here) and not _signed_in(elsewhere)
    assert _api_status(app, secret) == 401
    assert app.test_client().post("/auth/login", data={"email": "a@x.kr", "password": NEW_PW}
                                  ).status_code == 302  # fmt: skip


def test_a_password_reset_ends_every_session_and_revokes_the_api_tokens(app, world, session):
    from exchange.services import api_tokens

    (elsewhere,) = _browsers(app, world.manager_a, 1)
    _token, secret = api_tokens.create_token(session=session, user=world.manager_a, name="ERP")
    session.commit()
    token = password_reset.make_token(secret_key=app.config["SECRET_KEY"], user=world.manager_a)
    resetting = app.test_client()
    resetting.get(f"/auth/reset/{token}")
    resetting.post("/auth/new-password", data={"password": NEW_PW, "confirm": NEW_PW})
    assert _signed_in(resetting) and not _signed_in(elsewhere)
    assert _api_status(app, secret) == 401


def test_wrong_current_passwords_count_as_failed_sign_ins(app, world):
    (here,) = _browsers(app, world.manager_a, 1)
    data = {"password-current": "nope", "password-password": NEW_PW, "password-confirm": NEW_PW}
    answers = [here.post("/auth/profile/password", data=data).status_code for _ in range(6)]
    assert answers == [422] * 5 + [429]


# --- 4. the sign-in limit under parallel tries -----------------------------------------------


@pytest.mark.parametrize("email", ["a@x.kr", "ghost@x.kr"])
def test_twenty_five_tries_at_once_get_exactly_five_password_checks(app, world, monkeypatch,
                                                                    email):  # fmt: skip
    import threading
    import time
    from collections import Counter

    from exchange.services import users

    checks, lock, start = [], threading.Lock(), threading.Barrier(25)
    real_check = users.verify_password

    def slow_check(password_hash, password):
        with lock:
            checks.append(password)
        time.sleep(0.05)  # every other try arrives while this one is being checked
        return real_check(password_hash, password)

    monkeypatch.setattr(users, "verify_password", slow_check)
    answers = []

    def one_try():
        client = app.test_client()
        start.wait()
        status = client.post("/auth/login", data={"email": email, "password": "wrong"}).status_code
        with lock:
            answers.append(status)

    threads = [threading.Thread(target=one_try) for _ in range(25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checks) == 5
    assert Counter(answers) == {401: 5, 429: 20}


# --- 5. no-store on every signed-in page and download ----------------------------------------


def test_every_signed_in_page_and_download_is_no_store(app, client, world, scene, session):
    from exchange.services import api_tokens

    ids, seen = _own_ids(scene), Counter()
    for who in (world.admin, world.manager_a, world.coordinator):
        sign_in(client, who)
        for rule in routes(app, "GET"):
            for url in urls(app, rule, ids):
                response = client.get(url)
                seen[response.status_code] += 1
                assert response.headers.get("Cache-Control") == "no-store", url
    assert seen[200] >= 40
    sign_in(client, None)
    anonymous = {"/": None, f"/parks/{world.park.slug}/summary.csv": "no-store",
                 "/auth/login": "no-store", "/static/app.css": "no-cache"}  # fmt: skip
    for url, expected in anonymous.items():
        response = client.get(url)
        response.close()
        assert response.headers.get("Cache-Control") == expected, url
    _token, secret = api_tokens.create_token(session=session, user=world.manager_a, name="ERP")
    session.commit()
    answer = client.get("/api/v1/factories", headers={"Authorization": f"Bearer {secret}"})
    assert (answer.status_code, answer.headers["Cache-Control"]) == (200, "no-store")


# --- 6. a factory's name is shown by its own choice ------------------------------------------


def _factory_form(show: bool) -> dict:
    data = {"name": "Factory A", "lat": "37.31", "lon": "126.79", "modes": "truck"}
    return {**data, "show_name": "y"} if show else data


@pytest.mark.parametrize("who", ["coordinator", "admin"])
def test_only_its_managers_change_whether_a_factory_shows_its_name(client, world, session, who):
    a = world.factory_a
    url = f"/factories/{a.id}/edit"
    sign_in(client, getattr(world, who))
    form_page = client.get(url).get_data(as_text=True)
    assert 'name="show_name"' not in form_page
    assert "Only the factory's managers choose this." in form_page
    assert client.post(url, data=_factory_form(True)).status_code == 302
    session.expire_all()
    assert session.get(type(a), a.id).show_name is False  # the rest of the form was saved
    sign_in(client, world.manager_a)
    assert 'name="show_name"' in client.get(url).get_data(as_text=True)
    client.post(url, data=_factory_form(True))
    sign_in(client, getattr(world, who))
    client.post(url, data=_factory_form(False))  # an unticked box cannot take it back either
    session.expire_all()
    assert session.get(type(a), a.id).show_name is True


def test_a_factory_a_coordinator_adds_starts_unnamed(client, world, session):
    from sqlmodel import select

    from exchange.models import Factory

    sign_in(client, world.coordinator)
    client.post("/factories/new", data={**_factory_form(True), "name": "New plant"})
    [made] = session.exec(select(Factory).where(Factory.name == "New plant")).all()
    assert made.show_name is False


# --- 7. read-only API tokens -----------------------------------------------------------------


def _bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def test_a_read_only_token_reads_and_gets_403_on_every_write(app, world, scene, session):
    from exchange.services import api_tokens
    from tests.exchange.app_map import API_PREFIX, int_args

    _token, secret = api_tokens.create_token(session=session, user=world.admin, name="dashboard",
                                             read_only=True)  # fmt: skip
    session.commit()
    client = app.test_client()
    assert client.get("/api/v1/factories", headers=_bearer(secret)).status_code == 200
    before, writes = snapshot(session), 0
    for rule in app.url_map.iter_rules():
        methods = rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        if not rule.rule.startswith(API_PREFIX) or not methods:
            continue
        ids = {name: scene.proposals["pa"].id for name in int_args(rule)}
        for url in urls(app, rule, ids):
            for method in sorted(methods):
                answer = client.open(url, method=method, json={}, headers=_bearer(secret))
                writes += 1
                assert answer.status_code == 403, (method, url)
                assert answer.get_json()["error"]["code"] == "read-only-token", (method, url)
    assert writes >= 8
    assert snapshot(session) == before


def test_the_openapi_document_says_which_operations_need_write(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    needs = {(method.upper(), path): op["x-needs-write"] for path, ops in spec["paths"].items()
             for method, op in ops.items()}  # fmt: skip
    assert needs and all(needs[(m, p)] == (m != "GET" and p not in ("/api/v1/summary",))
                         for m, p in needs)  # fmt: skip
    assert ("POST", "/api/v1/runs") in needs and needs[("POST", "/api/v1/runs")] is True
    post = spec["paths"]["/api/v1/runs"]["post"]
    assert "Needs a token that can write: a read-only token gets 403." in post["description"]


def test_the_profile_page_makes_a_read_only_token(app, client, world, session):
    sign_in(client, world.manager_a)
    page = client.post("/auth/profile/tokens", data={"token-name": "Dashboard",
                                                    "token-read_only": "y"}).get_data(as_text=True)  # fmt: skip
    [secret] = re.findall(r"bpx_[\w-]{43}", page)
    assert "read only" in page
    assert app.test_client().get("/api/v1/me", headers=_bearer(secret)).status_code == 200
    assert app.test_client().post(f"/api/v1/factories/{world.factory_a.id}/listings", json={},
                                  headers=_bearer(secret)).status_code == 403  # fmt: skip


@pytest.mark.parametrize(("args", "read_only", "days"), [
    (["--read-only", "--days", "30"], True, 30), ([], False, None)])  # fmt: skip
def test_create_token_prints_a_working_token(app, world, session, args, read_only, days):
    from sqlmodel import select

    from exchange.models import ApiToken

    result = app.test_cli_runner().invoke(args=["create-token", "A@x.kr", "--name", "ERP", *args])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert re.fullmatch(r"bpx_[\w-]{43}", secret)
    [token] = session.exec(select(ApiToken)).all()
    assert (token.user_id, token.name, token.read_only) == (world.manager_a.id, "ERP", read_only)
    assert (token.expires_at is not None) == (days is not None)
    client = app.test_client()
    assert client.get("/api/v1/me", headers=_bearer(secret)).status_code == 200
    write = client.post(f"/api/v1/factories/{world.factory_a.id}/listings", json={},
                        headers=_bearer(secret))  # fmt: skip
    assert write.status_code == (403 if read_only else 422)


def test_create_token_names_what_it_refuses(app, world):
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["create-token", "ghost@x.kr", "--name", "ERP"])
    assert unknown.exit_code == 2 and "no active user with e-mail 'ghost@x.kr'" in unknown.output
    blank = runner.invoke(args=["create-token", "a@x.kr", "--name", " "])
    assert blank.exit_code == 2 and "--name" in blank.output
    too_long = runner.invoke(args=["create-token", "a@x.kr", "--name", "ERP", "--days", "0"])
    assert too_long.exit_code == 2 and "--days" in too_long.output


# --- 8. the answer for an id not yours is the answer for an id that does not exist -----------

MISSING = 99999


def _answer(response, url: str) -> tuple[int, bytes]:
    """The status and the body, without the page's own address (its language links) and the
    sign-out form's CSRF token (signed with the second it was made)."""
    body = response.data.replace(url.partition("?")[0].encode(), b"URL")
    return response.status_code, re.sub(rb'name="csrf_token" value="[^"]*"', b"CSRF", body)


def test_an_id_not_yours_answers_as_an_id_that_does_not_exist_on_every_page(
    app, client, world, scene, session
):
    from tests.exchange.test_security import FOREIGN, _foreign_ids, _post_data

    before, compared, differ = snapshot(session), 0, []
    for who in FOREIGN:
        sign_in(client, getattr(world, who))
        for method in ("GET", "POST"):
            for rule in routes(app, method, with_ids=True):
                for ids in _foreign_ids(scene, who, rule):
                    for foreign, missing in zip(urls(app, rule, ids),
                                                urls(app, rule, dict.fromkeys(ids, MISSING)),
                                                strict=True):  # fmt: skip
                        data = _post_data if method == "POST" else dict
                        seen = _answer(client.open(foreign, method=method, data=data()), foreign)
                        compared += 1
                        gone = _answer(client.open(missing, method=method, data=data()), missing)
                        if seen != gone:
                            differ.append(f"{who} {method} {foreign}: {seen[0]}")
    assert differ == []
    assert compared >= 100
    assert snapshot(session) == before


def test_an_id_not_yours_answers_as_an_id_that_does_not_exist_in_the_api(app, world, scene,
                                                                         session):  # fmt: skip
    from exchange.services import api_tokens
    from tests.exchange.app_map import API_PREFIX, int_args

    foreign = {"manager_a": {"factory_id": "B", "listing_id": "lb", "run_id": "rq",
                             "proposal_id": "pb"},
               "coordinator": {"factory_id": "C", "listing_id": "lc", "run_id": "rq",
                               "proposal_id": "pq"}}  # fmt: skip
    kinds = {"factory_id": "factories", "listing_id": "listings", "run_id": "runs",
             "proposal_id": "proposals"}  # fmt: skip
    client, compared, differ = app.test_client(), 0, []
    for who, objects in foreign.items():
        _token, secret = api_tokens.create_token(session=session, user=getattr(world, who),
                                                 name="probe")  # fmt: skip
        session.commit()
        client.get("/api/v1/me", headers=_bearer(secret))  # the token's first use is noted
        before = snapshot(session)
        for rule in app.url_map.iter_rules():
            names = int_args(rule)
            if not rule.rule.startswith(API_PREFIX) or not names:
                continue
            ids = {n: getattr(scene, kinds[n])[objects[n]].id for n in names}
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                for url, gone in zip(urls(app, rule, ids),
                                     urls(app, rule, dict.fromkeys(ids, MISSING)), strict=True):
                    seen = _answer(client.open(url, method=method, json={},
                                               headers=_bearer(secret)), url)  # fmt: skip
                    compared += 1
                    if seen != _answer(client.open(gone, method=method, json={},
                                                   headers=_bearer(secret)), gone):  # fmt: skip
                        differ.append(f"{who} {method} {url}: {seen[0]}")
        assert snapshot(session) == before
    assert differ == []
    assert compared >= 30
