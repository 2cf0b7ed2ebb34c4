"""Who may see and change what: every factory and listing page for every role."""

from __future__ import annotations

import pytest
from sqlmodel import select

from exchange.models import Listing, ListingChange
from exchange.services.listing_input import parse_listing
from exchange.services.listings import create_listing
from tests.exchange.conftest import sign_in

ROLES = ["anonymous", "manager_a", "manager_b", "other_coordinator", "coordinator", "admin"]

# expected status per role, in the order of ROLES; 302 for anonymous is the sign-in redirect
MATRIX = [
    ("GET", "/factories/{a}", [302, 200, 404, 404, 200, 200]),
    ("GET", "/factories/{a}/edit", [302, 200, 404, 404, 200, 200]),
    ("GET", "/factories/{a}/listings/new", [302, 200, 404, 404, 403, 200]),
    ("GET", "/factories/{a}/import", [302, 200, 404, 404, 403, 200]),
    ("GET", "/factories/{a}/export.csv", [302, 200, 404, 404, 200, 200]),
    ("GET", "/factories/{a}/export.xlsx", [302, 200, 404, 404, 200, 200]),
    ("GET", "/factories/listings/{la}", [302, 200, 404, 404, 200, 200]),
    ("GET", "/factories/listings/{la}/edit", [302, 200, 404, 404, 403, 200]),
    ("POST", "/factories/listings/{la}/pause", [302, 302, 404, 404, 403, 302]),
    # a withdrawal asks first (200); confirmed it is done (302)
    ("POST", "/factories/listings/{la}/withdraw", [302, 200, 404, 404, 403, 200]),
    ("GET", "/coordination/?park={park}", [302, 403, 403, 200, 200, 200]),
    ("GET", "/coordination/factories?park={park}", [302, 403, 403, 200, 200, 200]),
    ("GET", "/coordination/invite?park={park}", [302, 403, 403, 200, 200, 200]),
    ("GET", "/admin/", [302, 403, 403, 403, 403, 200]),
    ("GET", "/factories/new?park={park}", [302, 403, 403, 200, 200, 200]),
    ("GET", "/factories/99999", [302, 404, 404, 404, 404, 404]),
    ("GET", "/factories/listings/99999", [302, 404, 404, 404, 404, 404]),
    ("GET", "/factories/listings/99999/edit", [302, 404, 404, 404, 404, 404]),
]


@pytest.fixture
def listing_a(app, session, world) -> Listing:
    with app.test_request_context():
        item = create_listing(
            session=session,
            factory=world.factory_a,
            listing_in=parse_listing(
                {"kind": "offer", "material": "fgd-gypsum", "tonnes_per_month": "120"}
            ),
            user=world.manager_a,
        )
    session.commit()
    return item


@pytest.mark.parametrize(("method", "url", "expected"), MATRIX, ids=[m[1] for m in MATRIX])
@pytest.mark.parametrize("role", ROLES)
def test_role_url_matrix(client, world, listing_a, method, url, expected, role):
    sign_in(client, None if role == "anonymous" else getattr(world, role))
    target = url.format(a=world.factory_a.id, la=listing_a.id, park=world.park.id)
    response = client.open(target, method=method)
    assert response.status_code == expected[ROLES.index(role)]
    if response.status_code == 302 and role == "anonymous":
        assert "/auth/login" in response.headers["Location"]


def test_manager_cannot_edit_other_factorys_listing_by_changing_the_id(
    client, world, listing_a, session
):
    sign_in(client, world.manager_b)
    response = client.post(
        f"/factories/listings/{listing_a.id}/edit",
        data={"kind": "offer", "material": "fgd-gypsum", "tonnes_per_month": "999"},
    )
    assert response.status_code == 404  # not theirs to see: as if it did not exist
    session.expire_all()
    assert session.get(Listing, listing_a.id).tonnes_per_month == 120


def test_manager_cannot_create_a_listing_in_another_factory(client, world, session):
    sign_in(client, world.manager_b)
    response = client.post(
        f"/factories/{world.factory_a.id}/listings/new",
        data={"kind": "offer", "material": "fgd-gypsum", "tonnes_per_month": "5"},
    )
    assert response.status_code == 404  # not theirs to see: as if it did not exist
    assert session.exec(select(Listing)).all() == []


def test_hidden_fields_cannot_move_a_listing_to_another_factory(client, world, listing_a, session):
    """The form has no factory field; one slipped in is ignored, the listing stays put."""
    sign_in(client, world.manager_a)
    response = client.post(
        f"/factories/listings/{listing_a.id}/edit",
        data={"kind": "offer", "material": "fgd-gypsum", "tonnes_per_month": "130",
              "factory_id": str(world.factory_b.id)},
    )  # fmt: skip
    assert response.status_code == 302
    session.expire_all()
    stored = session.get(Listing, listing_a.id)
    assert (stored.factory_id, stored.tonnes_per_month) == (world.factory_a.id, 130)


def test_import_into_another_factory_is_refused(client, world, session):
    from io import BytesIO

    sign_in(client, world.manager_b)
    sheet = b"kind,material,tonnes_per_month\noffer,fgd-gypsum,10\n"
    response = client.post(
        f"/factories/{world.factory_a.id}/import",
        data={"sheet": (BytesIO(sheet), "l.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 404  # not theirs to see: as if it did not exist
    assert session.exec(select(ListingChange)).all() == []
