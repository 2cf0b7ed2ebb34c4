"""Every "today" and "this month" is the park's, not the server's (which runs in UTC).

The clock is frozen at 00:30 on the 1st in Seoul (15:30 UTC the day before) and at 23:30 on
the last day (14:30 UTC): a UTC server would take the first for the month before.
"""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from sqlmodel import select

from exchange.models import Park
from exchange.services.problems import build_problem
from tests.exchange.conftest import sign_in

FIRST_0030 = "2026-11-30T15:30:00Z"  # 2026-12-01 00:30 in Seoul
LAST_2330 = "2026-11-30T14:30:00Z"  # 2026-11-30 23:30 in Seoul
NEW_YEAR_0030 = "2026-12-31T15:30:00Z"  # 2027-01-01 00:30 in Seoul


@pytest.mark.parametrize(("now", "as_of"), [(FIRST_0030, "2026-12-01"), (LAST_2330, "2026-11-30")])
def test_the_public_figures_turn_over_in_the_parks_zone(client, world, now, as_of):
    with time_machine.travel(now, tick=False):
        body = client.get("/api/v1/summary?park=sihwa").get_json()
    assert body["parks"][0]["as_of"] == as_of


def test_a_park_in_another_zone_keeps_its_own_day(client, world, session):
    world.other_park.time_zone = "Europe/London"
    session.add(world.other_park)
    session.commit()
    with time_machine.travel(FIRST_0030, tick=False):
        body = client.get("/api/v1/summary").get_json()
    assert {p["park"]["slug"]: p["as_of"] for p in body["parks"]} == {
        "sihwa": "2026-12-01", "ulsan": "2026-11-30"}  # fmt: skip


# January to the last closed month of the park's year (reports.default_period): at 00:30 on
# 1 January in Seoul, 2026 has closed; at 23:30 on 31 December, December is still running
@pytest.mark.parametrize(("now", "period"), [(NEW_YEAR_0030, "2026-01 – 2026-12"),
                                             ("2026-12-31T14:30:00Z", "2026-01 – 2026-11")])  # fmt: skip
def test_the_esg_reports_default_period_is_the_parks_year(client, world, now, period):
    with time_machine.travel(now, tick=False):  # signed in then: sessions expire
        sign_in(client, world.manager_a)
        page = client.get(f"/factories/{world.factory_a.id}/report").get_data(as_text=True)
    assert f"Industrial symbiosis exchanges of Factory A, {period}" in page


@pytest.mark.parametrize(("now", "name"), [(FIRST_0030, "Sihwa, 2026-12"),
                                           (LAST_2330, "Sihwa, 2026-11")])  # fmt: skip
def test_the_runs_problem_is_dated_in_the_parks_zone(app, session, world, now, name):
    with time_machine.travel(now, tick=False), app.app_context():
        problem, _versions = build_problem(session=session, park=world.park, options={})
    assert problem["name"] == name


def test_the_coordinator_sees_and_sets_the_parks_zone(client, world, session):
    with time_machine.travel(FIRST_0030, tick=False):
        sign_in(client, world.coordinator)
        page = client.get("/coordination/").get_data(as_text=True)
    assert 'value="Asia/Seoul"' in page and "Today in the park: Dec 1, 2026." in page
    sign_in(client, world.coordinator)
    bad = client.post("/coordination/time-zone", data={"time_zone": "Seoul/Korea"})
    assert bad.status_code == 422
    assert ("“Seoul/Korea” is not a time zone: write an IANA name such as Asia/Seoul."
            in bad.get_data(as_text=True))  # fmt: skip
    assert 'value="Seoul/Korea"' in bad.get_data(as_text=True)  # nothing typed is lost
    ok = client.post("/coordination/time-zone", data={"time_zone": " Asia/Tokyo "})
    assert ok.status_code == 302
    session.expire_all()
    assert session.exec(select(Park.time_zone).where(Park.id == world.park.id)).one() == "Asia/Tokyo"
    assert session.get(Park, world.other_park.id).time_zone == "Asia/Seoul"


@pytest.mark.parametrize("who", ["manager_a", "manager_b"])
def test_managers_may_not_set_a_parks_zone(client, world, session, who):
    sign_in(client, getattr(world, who))
    assert client.post("/coordination/time-zone", data={"time_zone": "UTC"}).status_code == 403
    session.expire_all()
    assert session.get(Park, world.park.id).time_zone == "Asia/Seoul"


def test_an_admin_sets_the_zone_of_the_park_named(client, world, session):
    sign_in(client, world.admin)
    response = client.post(f"/coordination/time-zone?park={world.other_park.id}",
                           data={"time_zone": "Asia/Tokyo"})  # fmt: skip
    assert response.status_code == 302
    session.expire_all()
    assert [session.get(Park, p.id).time_zone for p in (world.park, world.other_park)] == [
        "Asia/Seoul", "Asia/Tokyo"]  # fmt: skip


def test_the_park_today_uses_the_zone_not_the_server_date(world):
    from exchange.park_calendar import park_today

    with time_machine.travel(FIRST_0030, tick=False):
        assert (date.today(), park_today(world.park)) == (date(2026, 11, 30), date(2026, 12, 1))
