"""Signing in, invitations, and where each role lands."""

from __future__ import annotations

import re

from sqlmodel import select

from exchange.models import FactoryManager, User
from tests.exchange.conftest import sign_in


def test_sign_in_with_password_and_wrong_password(client, world):
    wrong = client.post("/auth/login", data={"email": "a@x.kr", "password": "nope"})
    assert wrong.status_code == 401
    assert "The e-mail or the password is not right." in wrong.get_data(as_text=True)
    unknown = client.post("/auth/login", data={"email": "ghost@x.kr", "password": "nope"})
    assert unknown.get_data(as_text=True).count("not right") == 1  # same message: no e-mail probing
    ok = client.post("/auth/login", data={"email": "A@x.kr ", "password": "correct horse battery"})
    assert ok.status_code == 302
    assert (
        client.get("/factories/").headers["Location"].endswith(f"/factories/{world.factory_a.id}")
    )


def test_sign_in_never_redirects_off_site(client, world):
    response = client.post("/auth/login?next=https://evil.example/",
                           data={"email": "a@x.kr", "password": "correct horse battery"})  # fmt: skip
    assert response.headers["Location"] == "/auth/home"


def test_coordinator_invites_a_manager_who_accepts(client, world, session):
    sign_in(client, world.coordinator)
    response = client.post(
        "/coordination/invite",
        data={
            "email": "new@x.kr",
            "name": "New",
            "role": "manager",
            "factory": str(world.factory_b.id),
        },
    )
    html = response.get_data(as_text=True)
    link = re.search(r"/auth/invitation/[\w-]+", html).group(0)
    sign_in(client, None)
    short = client.post(link, data={"password": "short", "confirm": "short"})
    assert "At least 10 characters." in short.get_data(as_text=True)
    assert (
        client.post(
            link, data={"password": "a good long one", "confirm": "a good long one"}
        ).status_code
        == 302
    )
    user = session.exec(select(User).where(User.email == "new@x.kr")).one()
    assert user.role == "manager"
    assert session.exec(
        select(FactoryManager.factory_id).where(FactoryManager.user_id == user.id)
    ).all() == [world.factory_b.id]
    assert client.get(link).status_code == 404  # used once


def test_coordinator_cannot_invite_into_another_parks_factory(client, world, session):
    sign_in(client, world.coordinator)
    response = client.post(
        "/coordination/invite",
        data={"email": "x@x.kr", "role": "manager", "factory": str(world.factory_c.id)},
    )
    assert response.status_code == 422
    assert "Choose the factory this manager will look after." in response.get_data(as_text=True)
