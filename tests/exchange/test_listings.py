"""Creating, changing, pausing and withdrawing listings through the pages."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from exchange.models import Factory, Listing, ListingChange
from tests.exchange.conftest import sign_in

OFFER = {
    "kind": "offer", "material": "fgd-gypsum", "description": "Dry FGD gypsum",
    "tonnes_per_month": "120.5", "steadiness": "continuous", "hazardous": "",
    "disposal_route": "landfill", "disposal_cost_krw_per_t": "45,000", "moisture_pct": "8",
}  # fmt: skip
WANT = {
    "kind": "want", "material": "fgd-gypsum", "accepts": ["coal-fly-ash"],
    "tonnes_per_month": "300", "max_km": "80", "min_moisture_pct": "", "max_moisture_pct": "10",
}  # fmt: skip


def _listings(session) -> list[Listing]:
    session.expire_all()
    return list(session.exec(select(Listing).order_by(col(Listing.id))))


def test_manager_creates_an_offer(client, world, session):
    sign_in(client, world.manager_a)
    response = client.post(f"/factories/{world.factory_a.id}/listings/new", data=OFFER)
    assert response.status_code == 302
    [offer] = _listings(session)
    assert (offer.kind, offer.material_key, offer.tonnes_per_month) == (
        "offer",
        "fgd-gypsum",
        120.5,
    )
    assert offer.properties == {"moisture_pct": 8.0}
    assert offer.disposal_cost_krw_per_t == 45000
    assert offer.hazardous is False
    assert offer.factory_id == world.factory_a.id
    page = client.get(response.headers["Location"])
    assert b"Dry FGD gypsum" in page.data


def test_manager_creates_a_want_with_requirements(client, world, session):
    sign_in(client, world.manager_a)
    assert (
        client.post(f"/factories/{world.factory_a.id}/listings/new", data=WANT).status_code == 302
    )
    [want] = _listings(session)
    assert want.accepts == "fgd-gypsum coal-fly-ash"
    assert want.requirements == {"moisture_pct": {"max": 10.0}}
    assert want.max_km == 80


def test_every_change_is_kept_with_who_and_what(client, world, session):
    sign_in(client, world.manager_a)
    client.post(f"/factories/{world.factory_a.id}/listings/new", data=OFFER)
    [offer] = _listings(session)
    client.post(f"/factories/listings/{offer.id}/edit", data={**OFFER, "tonnes_per_month": "90"})
    client.post(f"/factories/listings/{offer.id}/pause")
    client.post(f"/factories/listings/{offer.id}/withdraw", data={"confirm": "1"})
    changes = session.exec(
        select(ListingChange)
        .where(ListingChange.listing_id == offer.id)
        .order_by(col(ListingChange.version))
    ).all()
    assert [(c.version, c.action) for c in changes] == [
        (1, "created"), (2, "updated"), (3, "paused"), (4, "withdrawn"),
    ]  # fmt: skip
    assert changes[1].changes == {"tonnes_per_month": [120.5, 90.0]}
    assert changes[1].snapshot["tonnes_per_month"] == 90.0
    assert {c.user_id for c in changes} == {world.manager_a.id}
    # a withdrawn listing stays withdrawn
    client.post(f"/factories/listings/{offer.id}/resume")
    assert _listings(session)[0].status == "withdrawn"


def test_a_long_history_is_shown_a_page_at_a_time(app, client, world, session):
    app.config["PAGE_SIZE"] = 2
    sign_in(client, world.manager_a)
    client.post(f"/factories/{world.factory_a.id}/listings/new", data=OFFER)
    [offer] = _listings(session)
    for tonnes in ("90", "80"):
        client.post(f"/factories/listings/{offer.id}/edit", data={**OFFER, "tonnes_per_month": tonnes})
    first = client.get(f"/factories/listings/{offer.id}").get_data(as_text=True)
    assert ("version 3" in first, "version 2" in first, "version 1" in first) == (True, True, False)
    assert "Page 1 of 2 · 3 in all" in first
    second = client.get(f"/factories/listings/{offer.id}?page=2").get_data(as_text=True)
    assert ("version 2" in second, "version 1" in second) == (False, True)


def test_saving_unchanged_listing_makes_no_new_version(client, world, session):
    sign_in(client, world.manager_a)
    client.post(f"/factories/{world.factory_a.id}/listings/new", data=OFFER)
    [offer] = _listings(session)
    client.post(f"/factories/listings/{offer.id}/edit", data=OFFER)
    assert _listings(session)[0].version == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("tonnes_per_month", "-5", "Must be greater than 0."),
        ("tonnes_per_month", "nan", "Enter a finite number."),
        ("tonnes_per_month", "inf", "Enter a finite number."),
        ("tonnes_per_month", "", "This field is required."),
        ("tonnes_per_month", "lots", "Enter a number."),
        ("material", "unobtainium", "Unknown material “unobtainium”"),
        ("moisture_pct", "140", "Must be at most 100."),
        ("steadiness", "one-off", "A one-off listing needs the dates it is available."),
    ],
)
def test_offer_validation_names_the_field_and_keeps_the_input(
    client, world, session, field, value, message
):
    sign_in(client, world.manager_a)
    response = client.post(
        f"/factories/{world.factory_a.id}/listings/new", data={**OFFER, field: value}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert "nothing was saved" in html
    assert 'value="Dry FGD gypsum"' in html or "Dry FGD gypsum" in html  # what was typed stays
    if value and field != "material":
        assert f'value="{value}"' in html or f">{value}<" in html or value in html
    assert _listings(session) == []


def test_want_min_above_max_is_refused(client, world, session):
    sign_in(client, world.manager_a)
    data = {**WANT, "min_moisture_pct": "12", "max_moisture_pct": "10"}
    response = client.post(f"/factories/{world.factory_a.id}/listings/new", data=data)
    assert response.status_code == 200
    assert "The minimum is above the maximum." in response.get_data(as_text=True)
    assert _listings(session) == []


def test_one_off_end_before_start_is_refused(client, world, session):
    sign_in(client, world.manager_a)
    data = {
        **OFFER,
        "steadiness": "one-off",
        "available_from": "2027-03-01",
        "available_until": "2027-01-01",
    }
    response = client.post(f"/factories/{world.factory_a.id}/listings/new", data=data)
    assert "The end date is before the start date." in response.get_data(as_text=True)
    assert _listings(session) == []


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        ("91", "126.7", "Latitude must be between -90 and 90."),
        ("37.3", "-181", "Longitude must be between -180 and 180."),
        ("nan", "126.7", "Enter a finite number."),
    ],
)
def test_factory_location_out_of_range_is_refused(client, world, session, lat, lon, message):
    sign_in(client, world.manager_a)
    response = client.post(
        f"/factories/{world.factory_a.id}/edit",
        data={"name": "Renamed", "lat": lat, "lon": lon, "modes": ["truck"]},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert 'value="Renamed"' in html
    session.expire_all()
    stored = session.get(Factory, world.factory_a.id)
    assert (stored.name, stored.lat) == ("Factory A", 37.31)


def test_factory_profile_and_permits_are_saved(client, world, session):
    sign_in(client, world.manager_a)
    response = client.post(
        f"/factories/{world.factory_a.id}/edit",
        data={"name": "Factory A", "lat": "37.3", "lon": "126.8", "modes": ["truck", "rail"],
              "permits-0-number": "경기-2026-001", "permits-0-kind": "designated",
              "permits-0-expires": "2027-06-30"},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get(f"/factories/{world.factory_a.id}").get_data(as_text=True)
    assert "경기-2026-001" in page
    session.expire_all()
    assert session.get(Factory, world.factory_a.id).modes == "truck rail"


def test_listing_list_filters_and_paginates(client, app, world, session):
    app.config["PAGE_SIZE"] = 5
    sign_in(client, world.manager_a)
    for i in range(7):
        client.post(f"/factories/{world.factory_a.id}/listings/new",
                    data={**OFFER, "description": f"batch {i}"})  # fmt: skip
    client.post(f"/factories/{world.factory_a.id}/listings/new", data=WANT)
    first = client.get(f"/factories/{world.factory_a.id}?kind=offer").get_data(as_text=True)
    assert "Page 1 of 2" in first and first.count("batch ") == 5
    second = client.get(f"/factories/{world.factory_a.id}?kind=offer&page=2").get_data(as_text=True)
    assert second.count("batch ") == 2
    wants = client.get(f"/factories/{world.factory_a.id}?kind=want").get_data(as_text=True)
    assert "batch" not in wants


def test_coordinator_adds_a_factory_to_their_own_park_only(client, world, session):
    sign_in(client, world.coordinator)
    data = {"name": "Sihwa Dyeing", "name_en": "Sihwa Dyeing", "lat": "37.33", "lon": "126.73",
            "modes": ["truck"], "permits-0-number": "P-9"}  # fmt: skip
    # ?park= is an admin's choice; a coordinator's factory always lands in their own park
    response = client.post(f"/factories/new?park={world.other_park.id}", data=data)
    assert response.status_code == 302
    factory = session.exec(select(Factory).where(Factory.name == "Sihwa Dyeing")).one()
    assert (factory.park_id, factory.slug, factory.modes) == (
        world.park.id,
        "sihwa-dyeing",
        "truck",
    )
    again = client.post("/factories/new", data=data)
    assert again.status_code == 302
    slugs = session.exec(select(Factory.slug).where(Factory.name == "Sihwa Dyeing")).all()
    assert sorted(slugs) == ["sihwa-dyeing", "sihwa-dyeing-2"]


def test_new_factory_with_bad_latitude_keeps_the_input(client, world, session):
    sign_in(client, world.coordinator)
    response = client.post("/factories/new", data={"name": "Far Away", "lat": "123", "lon": "126.7",
                                                   "modes": ["truck"]})  # fmt: skip
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Latitude must be between -90 and 90." in html and 'value="Far Away"' in html
    assert session.exec(select(Factory).where(Factory.name == "Far Away")).all() == []


def test_a_listing_may_name_its_material_by_waste_code(client, world, session):
    sign_in(client, world.manager_a)
    for code in ("10 01 05", "03-03-01"):
        response = client.post(f"/factories/{world.factory_a.id}/listings/new",
                               data={**OFFER, "material": code, "hazardous": "y"})  # fmt: skip
        assert response.status_code == 302
    assert [x.material_key for x in _listings(session)] == ["fgd-gypsum", "foundry-sand"]
