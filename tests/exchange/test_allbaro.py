"""The Allbaro transfer-slip export imported as offers (fixtures: field_cases/ours-allbaro-*,
invented firms, built by make_ours.py).

January to March: wastewater sludge 12,000 kg + 10.5 t + 11,500 kg + 12 t (unconfirmed) = 46 t
over 3 months = 15.333333 t a month, recycled today; spent solvent 800 kg + 1,000 kg = 1.8 t
/ 3 = 0.6 t a month, incinerated. April: 15,000 kg + 15 t = 30 t in one month.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from exchange.services import allbaro
from tests.exchange.conftest import sign_in
from tests.exchange.test_field_cases import confirm, stored, upload


@pytest.fixture(autouse=True)
def drafts_in_tmp(app, tmp_path):
    app.config["IMPORT_DRAFTS"] = str(tmp_path / "imports")


def test_waste_names_states_and_routes():
    assert allbaro.split_waste("폐수처리오니(고상)") == ("폐수처리오니", "고상")
    assert allbaro.split_waste("폐합성수지류(폐비닐 포함)(고상)") == ("폐합성수지류(폐비닐 포함)", "고상")
    assert allbaro.split_waste("폐지") == ("폐지", "")
    assert allbaro.route_of("(2010)중간가공폐기물 제조(재)(위탁)") == "recycling"
    assert allbaro.route_of("(1110)소각(위탁)") == "incineration"
    assert allbaro.route_of("(3010)매립(위탁)") == "landfill"
    assert allbaro.route_of("") is None


def test_an_allbaro_export_becomes_offers_and_next_month_updates_them(client, world, session):
    sign_in(client, world.manager_a)
    preview = upload(client, world.factory_a.id, "ours-allbaro-2026-q1.csv")
    html = preview.get_data(as_text=True)
    assert "Allbaro transfer slips of 2026-01 to 2026-03" in html
    assert "1 consignments are not confirmed yet; they are counted." in html
    assert "Factory B takes this waste today and is a factory of the park" in html
    confirm(client, world.factory_a.id, preview)
    offers = stored(session)
    got = [(x.kind, x.material_key, x.tonnes_per_month, x.disposal_route, x.hazardous)
           for x in offers]  # fmt: skip
    # wastewater sludge is a mirror entry and a slip carries no analysis: hazardous
    assert got == [("offer", "wastewater-sludge", 15.333333, "recycling", True),
                   ("offer", "spent-solvent", 0.6, "incineration", True)]  # fmt: skip
    assert offers[0].description == ("폐수처리오니 (고상), from Allbaro (4 slips); taken today by "
                                     "한빛자원(주), Factory B")  # fmt: skip
    # the same file again changes nothing; April's file updates the sludge offer only
    again = upload(client, world.factory_a.id, "ours-allbaro-2026-q1.csv").get_data(as_text=True)
    assert "Unchanged 2" in again
    april = upload(client, world.factory_a.id, "ours-allbaro-2026-04.xlsx")
    assert "Update 1" in april.get_data(as_text=True)
    confirm(client, world.factory_a.id, april)
    after = stored(session)
    assert [(x.id, x.tonnes_per_month) for x in after] == [(offers[0].id, 30.0),
                                                          (offers[1].id, 0.6)]
    assert after[1].version == offers[1].version


def test_an_unknown_waste_name_is_asked_about_with_suggestions(client, world, session):
    sign_in(client, world.manager_a)
    content = ("인계번호,인계일자,확정여부,폐기물종류(성상),위탁량,단위,처리자명,처리방법\n"
               "1,2026-01-02,확정,폐수처리오닉(고상),5,ton,한빛자원(주),(1110)소각(위탁)\n").encode()
    response = upload(client, world.factory_a.id, "allbaro.csv", content=content)
    assert response.status_code == 422
    assert "Unknown material “폐수처리오닉”: did you mean “폐수처리오니”" in response.get_data(
        as_text=True)
    assert stored(session) == []


def test_a_waste_name_explained_once_is_remembered_for_the_park(client, world, session):
    from exchange.models import ParkWasteName
    from exchange.services.waste_names import park_waste_names

    sign_in(client, world.manager_a)
    content = ("인계번호,인계일자,확정여부,폐기물종류(성상),위탁량,단위,처리자명,처리방법\n"
               "1,2026-01-02,확정,공정오니(고상),5,ton,한빛자원(주),(3010)매립(위탁)\n").encode()
    response = upload(client, world.factory_a.id, "allbaro.csv", content=content)
    html = response.get_data(as_text=True)
    assert "Waste names the catalogue does not know" in html
    assert 'name="name" type="hidden" value="공정오니"' in html
    answer = client.post(f"/factories/{world.factory_a.id}/import/names",
                         data={"name": "공정오니", "material": "wastewater-sludge"})  # fmt: skip
    assert answer.status_code == 302
    assert park_waste_names(session=session, park_id=world.park.id) == {
        "공정오니": "wastewater-sludge"}
    # any factory of the park now imports the name
    sign_in(client, world.manager_b)
    confirm(client, world.factory_b.id, upload(client, world.factory_b.id, "a.csv", content))
    [offer] = stored(session)
    assert (offer.factory_id, offer.material_key, offer.tonnes_per_month, offer.disposal_route) == (
        world.factory_b.id, "wastewater-sludge", 5.0, "landfill")
    # a material the catalogue does not have is refused; nobody outside the park may teach
    client.post(f"/factories/{world.factory_b.id}/import/names",
                data={"name": "공정오니", "material": "kryptonite"})  # fmt: skip
    sign_in(client, world.other_coordinator)
    refused = client.post(f"/factories/{world.factory_b.id}/import/names",
                          data={"name": "x", "material": "fgd-gypsum"})  # fmt: skip
    assert refused.status_code in (403, 404)
    session.expire_all()
    assert [(r.name, r.material_key) for r in session.exec(select(ParkWasteName))] == [
        ("공정오니", "wastewater-sludge")]
