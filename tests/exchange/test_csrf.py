"""Every form refuses a post without its CSRF token."""

from __future__ import annotations

from sqlmodel import select

from exchange import create_app
from exchange.models import Listing
from tests.exchange.conftest import sign_in


def test_post_without_csrf_token_is_refused(database_url, world, session):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test", "TESTING": True})
    client = app.test_client()
    sign_in(client, world.manager_a)
    response = client.post(
        f"/factories/{world.factory_a.id}/listings/new",
        data={"kind": "offer", "material": "fgd-gypsum", "tonnes_per_month": "10"},
    )
    assert response.status_code == 400
    assert session.exec(select(Listing)).all() == []
    app.extensions["db_engine"].dispose()


def test_sign_in_form_needs_its_token(database_url, world):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test", "TESTING": True})
    response = app.test_client().post(
        "/auth/login", data={"email": "a@x.kr", "password": "correct horse battery"}
    )
    assert response.status_code == 400
    app.extensions["db_engine"].dispose()
