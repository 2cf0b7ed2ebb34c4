"""Hazardous by its code, on every path (form, sheet, API, runs), and the permit a taker needs.

The catalogue says for each material whether its waste code makes it hazardous whatever a
listing says (`absolute`), hazardous unless an analysis shows otherwise (`mirror`) or
neither (`none`). Factory B of the `world` holds a permit with no expiry; factory A none.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import col, select

from exchange import catalogue
from exchange.models import Listing, MatchRun, Permit, Proposal, RunStatus
from exchange.services import proposals
from exchange.services.listing_input import InvalidListing, is_hazardous, parse_listing
from exchange.services.listings import create_listing
from exchange.services.problems import build_problem
from tests.exchange.api_fixtures import auth
from tests.exchange.api_fixtures import tokens as tokens  # noqa: F401  (a fixture)
from tests.exchange.conftest import sign_in
from tests.exchange.test_field_cases import CASES, confirm, error_rows, upload


@pytest.fixture(autouse=True)
def drafts_in_tmp(app, tmp_path):
    app.config["IMPORT_DRAFTS"] = str(tmp_path / "imports")


def _import(client, factory_id: int, name: str, content: bytes | None = None):
    """Upload, check the preview shows no error, confirm: the response to the confirm."""
    preview = upload(client, factory_id, name, content)
    assert error_rows(preview.get_data(as_text=True)) == []
    return confirm(client, factory_id, preview)


def _listings(session) -> list[Listing]:
    session.expire_all()
    return list(session.exec(select(Listing).order_by(col(Listing.id))))


def test_the_catalogue_says_which_materials_are_hazardous_by_their_code():
    cat = catalogue.load()
    by = {}
    for m in cat.materials.values():
        by.setdefault(m.hazard, []).append(m.key)
    assert sorted(by["absolute"]) == ["spent-solvent", "waste-alkali", "waste-hydrochloric-acid",
                                      "waste-lubricating-oil", "waste-sulphuric-acid"]  # fmt: skip
    assert sorted(by["mirror"]) == ["bottom-ash", "dyeing-sludge", "eaf-dust", "foundry-sand",
                                    "incineration-fly-ash", "plating-sludge", "refractory-bricks",
                                    "spent-catalyst", "wastewater-sludge"]  # fmt: skip
    assert len(by["none"]) == 22 and "steel-slag" in by["none"]
    # a material hazardous whatever its content is flagged so; none is flagged without a code
    assert all(cat.get(k).hazardous for k in by["absolute"])
    assert not any(cat.get(k).hazardous for k in by["none"])


def test_field_case_spent_solvent_declared_non_hazardous_is_refused_naming_row_and_field(
    client, world, session
):
    sign_in(client, world.manager_a)
    response = upload(client, world.factory_a.id, "spent-solvent-nonhazardous-offer.csv")
    assert response.status_code == 422  # the preview refuses: no confirm offered
    html = response.get_data(as_text=True)
    assert ('<td class="line">2</td><td><code>hazardous</code></td><td>“no”: Spent organic '
            "solvent is hazardous by its waste code (14 06 03*), whatever its content; it "
            "cannot be declared non-hazardous.") in html
    assert 'name="token"' not in html
    # the error table names the line, the column and the value typed, and only this row
    assert [(line, column, value) for line, column, _m, value in error_rows(html)] == [
        ("2", "hazardous", "no")]  # fmt: skip
    assert _listings(session) == []


def test_a_designated_waste_by_its_korean_code_and_a_mirror_entry_without_analysis_are_refused(
    client, world, session
):
    """Row 2 names waste alkali by its Korean code 02-02-00 and says 아니오; row 3 declares
    dyeing sludge (a mirror entry) non-hazardous without a report; row 4 gives the report;
    row 5 is steel slag, hazardous by no code."""
    sign_in(client, world.manager_a)
    response = upload(client, world.factory_a.id, "designated-waste-declared-nonhazardous.csv")
    assert response.status_code == 422  # the preview refuses: no confirm offered
    html = response.get_data(as_text=True)
    assert ('<td class="line">2</td><td><code>hazardous</code></td><td>“아니오”: Waste alkali '
            "(caustic soda) is hazardous by its waste code (06 02 04*)") in html
    assert ('<td class="line">3</td><td><code>analysis_report_no</code></td><td>Dyeing '
            "wastewater sludge is hazardous unless an analysis shows otherwise") in html
    assert '<td class="line">3</td><td><code>analysis_report_date</code></td>' in html
    assert 'name="token"' not in html
    # rows 4 and 5 are fine: the error table holds the three errors of rows 2 and 3, each
    # with the value typed
    assert [(line, column, value) for line, column, _m, value in error_rows(html)] == [
        ("2", "hazardous", "아니오"), ("3", "analysis_report_no", ""),
        ("3", "analysis_report_date", "")]  # fmt: skip
    assert _listings(session) == []


def test_the_same_rows_without_the_bad_ones_keep_the_analysis_report(client, world, session):
    sign_in(client, world.manager_a)
    content = (CASES / "designated-waste-declared-nonhazardous.csv").read_text().splitlines()
    good = "\n".join([content[0], content[3], content[4]]).encode()
    preview = upload(client, world.factory_a.id, "good.csv", good)
    assert error_rows(preview.get_data(as_text=True)) == []
    assert _listings(session) == []  # nothing saved before the confirm
    assert confirm(client, world.factory_a.id, preview).status_code == 302
    sludge, slag = _listings(session)
    assert (sludge.hazardous, sludge.analysis_report_no, sludge.analysis_report_date) == (
        False, "KTR-2026-0001", date(2026, 10, 2))  # fmt: skip
    assert (slag.hazardous, slag.analysis_report_no) == (False, "")
    page = client.get(f"/factories/listings/{sludge.id}").get_data(as_text=True)
    assert "Declared non-hazardous on analysis report KTR-2026-0001 of Oct 2, 2026." in page


@pytest.mark.parametrize(
    ("raw", "hazardous"),
    [
        ({"material": "waste-alkali"}, True),  # blank: the code decides
        ({"material": "waste-alkali", "hazardous": "yes"}, True),
        ({"material": "plating-sludge"}, True),  # a mirror entry starts hazardous
        ({"material": "plating-sludge", "hazardous": "no", "analysis_report_no": "R-7",
          "analysis_report_date": "2026-09-30"}, False),  # fmt: skip
        ({"material": "fgd-gypsum"}, False),
        ({"material": "fgd-gypsum", "hazardous": "yes"}, True),  # contaminated: may say so
    ],
)
def test_what_an_offer_is_stored_as(app, raw, hazardous):
    with app.test_request_context():
        parsed = parse_listing({"kind": "offer", "tonnes_per_month": "5", **raw})
    assert parsed.hazardous is hazardous


def test_a_hazardous_offer_keeps_no_analysis_report(app):
    with app.test_request_context():
        parsed = parse_listing({"kind": "offer", "tonnes_per_month": "5",
                                "material": "plating-sludge", "hazardous": "yes",
                                "analysis_report_no": "R-7"})  # fmt: skip
    assert (parsed.analysis_report_no, parsed.analysis_report_date) == ("", None)


def test_the_api_refuses_an_absolute_material_declared_false(client, world, tokens):  # noqa: F811
    headers = auth(tokens["manager_a"])
    url = f"/api/v1/factories/{world.factory_a.id}/listings"
    body = {"kind": "offer", "material": "spent-solvent", "tonnes_per_month": 10,
            "hazardous": False}  # fmt: skip
    refused = client.post(url, json=body, headers=headers)
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["field"] == "hazardous"
    assert error["message"].startswith("“no”: Spent organic solvent is hazardous by its waste code")
    mirror = client.post(url, json={**body, "material": "eaf-dust"}, headers=headers)
    assert mirror.get_json()["error"]["field"] == "analysis_report_no"
    shown = client.post(url, json={**body, "material": "eaf-dust", "analysis_report_no": "KTR-1",
                                   "analysis_report_date": "2026-11-02"}, headers=headers)  # fmt: skip
    assert shown.status_code == 201
    got = shown.get_json()
    assert (got["hazardous"], got["analysis_report_no"], got["analysis_report_date"]) == (
        False, "KTR-1", "2026-11-02")  # fmt: skip
    # a change that leaves hazardous out keeps it; one that unticks an absolute one is refused
    solvent = client.post(url, json={**body, "hazardous": True}, headers=headers).get_json()
    patched = client.patch(f"/api/v1/listings/{solvent['id']}", json={"hazardous": False},
                           headers=headers)  # fmt: skip
    assert patched.status_code == 422 and patched.get_json()["error"]["field"] == "hazardous"


def test_the_form_keeps_an_absolute_material_hazardous(client, world, session):
    """A browser without script posts the box unticked: refused, the field named, nothing lost."""
    sign_in(client, world.manager_a)
    form = {"kind": "offer", "material": "waste-alkali", "tonnes_per_month": "8",
            "steadiness": "continuous", "description": "폐알칼리 8 t"}  # fmt: skip
    response = client.post(f"/factories/{world.factory_a.id}/listings/new", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 422)
    assert ("“no”: Waste alkali (caustic soda) is hazardous by its waste code (06 02 04*), "
            "whatever its content; it cannot be declared non-hazardous.") in html
    assert "폐알칼리 8 t" in html
    assert _listings(session) == []
    ticked = client.post(f"/factories/{world.factory_a.id}/listings/new",
                         data={**form, "hazardous": "y"})  # fmt: skip
    assert ticked.status_code == 302
    [stored] = _listings(session)
    assert stored.hazardous is True
    page = client.get(f"/factories/{world.factory_a.id}/listings/new").get_data(as_text=True)
    assert '"waste-alkali": "absolute"' in page and '"plating-sludge": "mirror"' in page


def test_field_case_a_want_without_a_permit_is_accepted_and_its_page_says_so(
    client, world, session
):
    sign_in(client, world.manager_a)  # factory A holds no permit
    response = _import(client, world.factory_a.id, "spent-solvent-want-no-permit.csv")
    assert response.status_code == 302
    [want] = _listings(session)
    assert (want.kind, want.material_key, want.max_km) == ("want", "spent-solvent", 30)
    page = client.get(f"/factories/listings/{want.id}").get_data(as_text=True)
    assert ("This factory has no hazardous-waste permit valid today: it can receive nothing "
            "hazardous until a valid permit is recorded on the factory's page.") in page


def test_a_permit_that_expired_yesterday_in_the_park_counts_for_nothing(client, world, session):
    """The park's date: the permit ran to 2026-11-30, and 2026-12-01 00:30 in Seoul is
    still 11-30 in UTC."""
    import time_machine

    session.add(Permit(factory_id=world.factory_a.id, number="경기-2024-7", expires=date(2026, 11, 30)))
    session.commit()
    sign_in(client, world.manager_a)
    with time_machine.travel("2026-11-30T15:30:00Z", tick=False):
        response = _import(client, world.factory_a.id, "lube-oil-want-expired-permit.csv")
        assert response.status_code == 302
        [want] = _listings(session)
        assert want.accepts.split() == ["waste-lubricating-oil", "waste-sulphuric-acid"]
        page = client.get(f"/factories/listings/{want.id}").get_data(as_text=True)
        assert "can receive nothing hazardous until a valid permit is recorded" in page
    with time_machine.travel("2026-11-30T14:30:00Z", tick=False):  # 23:30 on the 30th in Seoul
        page = client.get(f"/factories/listings/{want.id}").get_data(as_text=True)
        assert "can receive nothing hazardous" not in page


# -- permits at approval and acceptance --------------------------------------------------


def _pair(app, session, world, *, offer_factory, want_factory, material="spent-solvent"):
    with app.test_request_context():
        offer = create_listing(session=session, factory=offer_factory, user=None,
                               listing_in=parse_listing({"kind": "offer", "material": material,
                                                         "tonnes_per_month": "10"}))  # fmt: skip
        want = create_listing(session=session, factory=want_factory, user=None,
                              listing_in=parse_listing({"kind": "want", "material": material,
                                                        "tonnes_per_month": "10"}))  # fmt: skip
    run = MatchRun(park_id=world.park.id, status=RunStatus.done)
    session.add(run)
    session.flush()
    p = Proposal(run_id=run.id, park_id=world.park.id, offer_id=offer.id, want_id=want.id,
                 offer_version=offer.version, want_version=want.version, material_key=material,
                 tonnes_per_month=10, mode="truck", km=9, transport_kg_co2e=9.6,
                 disposal_avoided_kg_co2e=22000, virgin_avoided_kg_co2e=12000,
                 net_saved_kg_co2e=33990.4)  # fmt: skip
    session.add(p)
    session.commit()
    return offer, want, p


def test_approval_toward_a_factory_without_a_permit_is_refused_409(client, app, session, world,
                                                                   tokens):  # noqa: F811
    _offer, _want, p = _pair(app, session, world, offer_factory=world.factory_b,
                             want_factory=world.factory_a)  # fmt: skip
    response = client.post(f"/api/v1/proposals/{p.id}/approve", headers=auth(tokens["coordinator"]))
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "no-permit"
    assert error["message"].startswith("Factory A has no hazardous-waste permit valid on ")
    sign_in(client, world.coordinator)
    page = client.post(f"/coordination/proposals/{p.id}/approve", data={"comment": ""},
                       follow_redirects=True)  # fmt: skip
    assert "Factory A has no hazardous-waste permit valid on" in page.get_data(as_text=True)
    session.expire_all()
    assert session.get(Proposal, p.id).status == "proposed"


def test_acceptance_after_the_permit_lapsed_is_refused(client, app, session, world,
                                                       tokens):  # noqa: F811
    _offer, _want, p = _pair(app, session, world, offer_factory=world.factory_a,
                             want_factory=world.factory_b)  # fmt: skip
    with app.test_request_context():
        proposals.approve(session=session, proposal=p, user=world.coordinator)
    session.commit()
    permit = session.exec(select(Permit).where(Permit.factory_id == world.factory_b.id)).one()
    permit.expires = date(2026, 11, 30)
    session.commit()
    import time_machine

    with time_machine.travel("2026-11-30T15:30:00Z", tick=False):  # 12-01 00:30 in Seoul
        refused = client.post(f"/api/v1/proposals/{p.id}/accept", headers=auth(tokens["manager_b"]))
        assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "no-permit"
        assert "valid on Dec 1, 2026" in refused.get_json()["error"]["message"]
    with time_machine.travel("2026-11-30T14:30:00Z", tick=False):  # 11-30 23:30 in Seoul
        ok = client.post(f"/api/v1/proposals/{p.id}/accept", headers=auth(tokens["manager_b"]))
        assert ok.status_code == 200


def test_a_non_hazardous_stream_needs_no_permit(app, session, world):
    _o, _w, p = _pair(app, session, world, offer_factory=world.factory_b,
                      want_factory=world.factory_a, material="fgd-gypsum")  # fmt: skip
    with app.test_request_context():
        proposals.approve(session=session, proposal=p, user=world.coordinator)
    assert p.status == "approved"


def test_the_run_sees_a_stored_mirror_offer_without_analysis_as_hazardous(app, session, world):
    """A row stored before the rule (hazardous false, no report) is hazardous to the matcher."""
    legacy = Listing(factory_id=world.factory_a.id, kind="offer", material_key="foundry-sand",
                     tonnes_per_month=40, hazardous=False)  # fmt: skip
    shown = Listing(factory_id=world.factory_a.id, kind="offer", material_key="foundry-sand",
                    tonnes_per_month=30, hazardous=False, analysis_report_no="KTR-9",
                    analysis_report_date=date(2026, 9, 1))  # fmt: skip
    want = Listing(factory_id=world.factory_b.id, kind="want", material_key="foundry-sand",
                   accepts="foundry-sand", tonnes_per_month=100)  # fmt: skip
    session.add_all([legacy, shown, want])
    session.commit()
    assert [is_hazardous(legacy), is_hazardous(shown)] == [True, False]
    with app.app_context():
        problem, _versions = build_problem(session=session, park=world.park, options={},
                                           today=date(2026, 12, 1))  # fmt: skip
    assert [(s["id"], s["hazardous"]) for s in problem["sources"]] == [
        (f"offer-{legacy.id}", True), (f"offer-{shown.id}", False)]  # fmt: skip
    assert [k["hazardous_permit"] for k in problem["sinks"]] == [True]


def test_parse_errors_name_every_field(app):
    with app.test_request_context(), pytest.raises(InvalidListing) as caught:
        parse_listing({"kind": "offer", "material": "plating-sludge", "tonnes_per_month": "3",
                       "hazardous": "no", "analysis_report_date": "30.09.2026"})  # fmt: skip
    assert [name for name, _m in caught.value.errors] == ["analysis_report_date",
                                                           "analysis_report_no"]  # fmt: skip
