"""Tokens for the people of the `world` fixture, and a client that sends them."""

from __future__ import annotations

import pytest

from exchange.services import api_tokens

PEOPLE = ["manager_a", "manager_b", "coordinator", "other_coordinator", "admin"]


@pytest.fixture
def tokens(app, session, world) -> dict[str, str]:
    """A token for everyone in the world, by role name (plus "anonymous": none)."""
    out = {"anonymous": ""}
    with app.app_context():
        for name in PEOPLE:
            _t, out[name] = api_tokens.create_token(session=session, user=getattr(world, name),
                                                    name=f"{name} ERP")  # fmt: skip
        session.commit()
    return out


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"} if secret else {}
