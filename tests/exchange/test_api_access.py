"""Who may do what through /api/v1: every endpoint for every role, as test_access.py does for
the pages. 401 without a token; 404 for what is not yours to see, as for what is not there (no
id tells whether it exists); 403 for what you see but may not do, or a role's page."""

# ruff: noqa: F811  (fixtures imported from other test modules are taken as parameters)
from __future__ import annotations

import pytest

from tests.exchange.api_fixtures import auth, tokens  # noqa: F401  (a fixture)
from tests.exchange.test_coordination_pages import (  # noqa: F401  (a fixture)
    STATES,
    THIS_MONTH,
    scene,
)

ROLES = ["anonymous", "manager_a", "manager_b", "other_coordinator", "coordinator", "admin"]
LISTING = {"kind": "offer", "material": "steel-slag", "tonnes_per_month": 10}

# (method, url, proposal state, body, expected status per role in the order of ROLES)
MATRIX = [
    ("GET", "/api/v1/summary", "proposed", None, [200, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/materials?q=gypsum", "proposed", None, [200, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/me", "proposed", None, [401, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/factories", "proposed", None, [401, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/factories/{a}", "proposed", None, [401, 200, 404, 404, 200, 200]),
    ("GET", "/api/v1/factories/99999", "proposed", None, [401, 404, 404, 404, 404, 404]),
    ("GET", "/api/v1/listings?park={park}", "proposed", None, [401, 200, 200, 404, 200, 200]),
    ("GET", "/api/v1/listings?factory={a}", "proposed", None, [401, 200, 404, 404, 200, 200]),
    ("GET", "/api/v1/listings/{offer}", "proposed", None, [401, 200, 404, 404, 200, 200]),
    ("GET", "/api/v1/listings/99999", "proposed", None, [401, 404, 404, 404, 404, 404]),
    ("POST", "/api/v1/factories/{a}/listings", "proposed", LISTING,
     [401, 201, 404, 404, 403, 201]),
    ("PATCH", "/api/v1/listings/{offer}", "proposed", {"tonnes_per_month": 130},
     [401, 200, 404, 404, 403, 200]),
    ("POST", "/api/v1/listings/{offer}/pause", "proposed", None, [401, 200, 404, 404, 403, 200]),
    ("GET", "/api/v1/runs?park={park}", "proposed", None, [401, 403, 403, 404, 200, 200]),
    ("POST", "/api/v1/runs?park={park}", "proposed", {}, [401, 403, 403, 404, 201, 201]),
    ("GET", "/api/v1/runs/{run}", "proposed", None, [401, 404, 404, 404, 200, 200]),
    ("GET", "/api/v1/runs/{run}/plan", "proposed", None, [401, 404, 404, 404, 200, 200]),
    ("GET", "/api/v1/runs/{run}/problem", "proposed", None, [401, 404, 404, 404, 200, 200]),
    ("GET", "/api/v1/runs/99999", "proposed", None, [401, 404, 404, 404, 404, 404]),
    ("GET", "/api/v1/proposals", "proposed", None, [401, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/proposals/{p}", "proposed", None, [401, 404, 404, 404, 200, 200]),
    ("GET", "/api/v1/proposals/{p}", "approved", None, [401, 200, 200, 404, 200, 200]),
    ("GET", "/api/v1/proposals/99999", "proposed", None, [401, 404, 404, 404, 404, 404]),
    ("POST", "/api/v1/proposals/{p}/approve", "proposed", {}, [401, 404, 404, 404, 200, 200]),
    ("POST", "/api/v1/proposals/{p}/reject", "proposed", {}, [401, 404, 404, 404, 200, 200]),
    ("POST", "/api/v1/proposals/{p}/accept", "approved", {}, [401, 200, 200, 404, 403, 403]),
    ("POST", "/api/v1/proposals/{p}/decline", "approved", {}, [401, 200, 200, 404, 403, 403]),
    ("POST", "/api/v1/proposals/{p}/lift", "proposed", {"comment": "why"},
     [401, 404, 404, 404, 409, 409]),
    ("POST", "/api/v1/proposals/{p}/accept", "proposed", {}, [401, 404, 404, 404, 403, 403]),
    ("GET", "/api/v1/exchanges", "active", None, [401, 200, 200, 200, 200, 200]),
    ("POST", "/api/v1/exchanges/{p}/deliveries", "active", {"month": THIS_MONTH, "tonnes": 100},
     [401, 201, 201, 404, 403, 403]),
    ("GET", "/api/v1/exchanges/{p}/deliveries", "active", None, [401, 200, 200, 404, 200, 200]),
    ("GET", "/api/v1/exchanges/{p}/deliveries", "proposed", None, [401, 404, 404, 404, 200, 200]),
    ("POST", "/api/v1/exchanges/{p}/suspend", "active", {}, [401, 200, 200, 404, 200, 200]),
    ("POST", "/api/v1/exchanges/{p}/end", "active", {}, [401, 200, 200, 404, 200, 200]),
    ("POST", "/api/v1/exchanges/{p}/resume", "active", {}, [401, 403, 403, 404, 409, 409]),
    ("POST", "/api/v1/runs/{run}/retry", "proposed", None, [401, 404, 404, 404, 409, 409]),
]  # fmt: skip


@pytest.mark.parametrize(("method", "url", "state", "body", "expected"), MATRIX,
                         ids=[f"{m[0]} {m[1]} {m[2]}" for m in MATRIX])  # fmt: skip
@pytest.mark.parametrize("role", ROLES)
def test_role_endpoint_matrix(client, session, world, scene, tokens, method, url, state, body,
                              expected, role):  # fmt: skip
    STATES[state](session, world, scene)
    target = url.format(a=world.factory_a.id, park=world.park.id, offer=scene.offer.id,
                        run=scene.run.id, p=scene.proposal.id)  # fmt: skip
    response = client.open(target, method=method, json=body, headers=auth(tokens[role]))
    assert response.status_code == expected[ROLES.index(role)], response.get_json()
    assert response.mimetype == "application/json"
    if response.status_code >= 400:
        assert set(response.get_json()["error"]) >= {"code", "message", "field"}


def test_a_signed_in_browser_session_is_not_an_api_token(client, world, scene):
    """The API reads no cookie: a page a signed-in user opens cannot write through it."""
    from tests.exchange.conftest import sign_in

    sign_in(client, world.manager_a)
    response = client.post(f"/api/v1/listings/{scene.offer.id}/withdraw")
    assert response.status_code == 401
    assert client.get(f"/factories/listings/{scene.offer.id}").status_code == 200  # signed in
