"""The second security pass (issue 14); SECURITY.md names each test here.

1. The query never reaches the URL builder.     5. No-store on signed-in pages and downloads.
2. Invitation and reset links kept out of logs.  6. A factory's name shown only by its choice.
3. Sessions end on the server side.              7. Read-only API tokens.
4. The sign-in limit under parallel tries.       8. 404 or 403 tells no id.
"""

from __future__ import annotations

import re

import pytest

from exchange import create_app
from exchange.services import results
from tests.exchange.app_map import routes, urls
from tests.exchange.conftest import sign_in
from tests.exchange.two_parks import make_two_parks

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
