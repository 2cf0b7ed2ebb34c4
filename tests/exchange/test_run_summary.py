"""A run's summary is honest: new proposals and agreed (locked) exchanges apart, in t and
t CO2e; the baseline explained; runs comparable on the list; the form starts from the last.

On the park of test_agreed (P -> Q 80 t agreed, 150 kg CO2e saved a tonne) a taker R of 20 t
joins. The next run proposes P -> R 20 t: new 20 t, 20 x 150 = 3,000 kg = 3 t CO2e; the
agreed P -> Q carries 80 t, 12 t CO2e. The baseline is P's 100 t disposed of at 100 kg/t =
10 t CO2e, and the park saves 15 t: more than the baseline, by the virgin material avoided.
"""
# ruff: noqa: F811  (fixtures imported from other test modules are taken as parameters)

from __future__ import annotations

import re
from datetime import date

from exchange.models import Factory, RunStatus
from exchange.park_calendar import next_month
from exchange.services import runs
from tests.exchange.api_fixtures import auth
from tests.exchange.conftest import sign_in
from tests.exchange.test_agreed import _listing, agreed, run_park  # noqa: F401  (a fixture)


def _second_taker(app, session, world, agreed):
    r = Factory(park_id=world.park.id, slug="r", name="알공장", name_en="Plant R",
                lat=agreed.p.lat, lon=agreed.p.lon)  # fmt: skip
    session.add(r)
    session.flush()
    _listing(app, session, r, None, kind="want", material="fgd-gypsum", tonnes_per_month="20",
             avoided_kg_co2e_per_t="50")  # fmt: skip
    session.commit()


def test_new_and_agreed_are_shown_apart_with_the_baseline_explained(
    app, client, session, world, agreed
):
    _second_taker(app, session, world, agreed)
    run = run_park(app, session, world, min_lot_t=5.0, month="2027-03-01")
    assert run.status == RunStatus.done, run.message
    assert (run.month, run.baseline_kg_co2e, run.saved_kg_co2e) == (date(2027, 3, 1), 10000, 15000)
    assert run.notes["summary"] == {
        "new": {"count": 1, "tonnes": 20.0, "saved_kg_co2e": 3000.0},
        "running": {"count": 1, "tonnes": 80.0, "saved_kg_co2e": 12000.0},
    }
    sign_in(client, world.coordinator)
    html = client.get(f"/coordination/runs/{run.id}").get_data(as_text=True)
    for figure, label in (("1", "new proposals"), ("20", "t a month in new proposals"),
                          ("3", "t CO2e a month the new proposals would save"),
                          ("1", "agreed exchanges kept (approved or running)"),
                          ("80", "t a month in agreed exchanges"),
                          ("12", "t CO2e a month the agreed exchanges save")):  # fmt: skip
        assert f'<div class="n">{figure}</div><div class="l">{label}</div>' in html, label
    assert ("Baseline: 10 t CO2e a month, what the offered tonnes of this run would emit if all "
            "were disposed of as today. With new and agreed exchanges together the park saves "
            "15 t CO2e a month; the saving can exceed the baseline") in html  # fmt: skip
    assert "for 2027-03" in html
    assert "kg CO2e" not in html.split("Offers left unmatched")[0]  # one unit: t CO2e

    with client.session_transaction() as sess:
        sess["lang"] = "ko"
    korean = client.get(f"/coordination/runs/{run.id}").get_data(as_text=True)
    assert "기준선: 월 10 t CO2e." in korean and "월 15 t CO2e를 줄입니다" in korean
    summary = re.sub(r"<[^>]+>", " ", korean.split("run-summary", 1)[1].split("<h2>", 1)[0])
    assert not [w for w in ("new", "agreed", "Baseline", "saving", "month") if w in summary]
    with client.session_transaction() as sess:
        sess["lang"] = "en"

    listed = client.get(f"/coordination/runs?park={world.park.id}").get_data(as_text=True)
    row = listed.split(f">#{run.id}</a>")[1].split("</tr>")[0]
    cells = [c.split(">", 1)[1] for c in row.split("</td>")[1:-1]]
    assert cells[0] == "2027-03"
    assert cells[2] == "smallest lot 5 t · all materials"
    assert cells[-4:] == ["1", "20", "3", "12"]

    form = client.get(f"/coordination/runs/new?park={world.park.id}").get_data(as_text=True)
    assert 'name="min_lot_t" step="any" type="number" value="5"' in form
    assert f'value="{next_month(world.park):%Y-%m}"' in form

    api = client.get(f"/api/v1/runs/{run.id}",
                     headers=auth(tokens_for(app, session, world)))  # fmt: skip
    body = api.get_json()
    assert (body["month"], body["notes"]["summary"]["new"]["tonnes"]) == ("2027-03-01", 20.0)


def tokens_for(app, session, world, user=None) -> str:
    from exchange.services import api_tokens

    with app.app_context():
        _t, secret = api_tokens.create_token(session=session, user=user or world.coordinator,
                                             name="t")  # fmt: skip
        session.commit()
    return secret


def test_a_run_is_for_a_month_and_leaves_out_what_is_not_available_then(
    app, client, session, world, agreed
):
    """R is a one-off lot: 20 t wanted only from 2027-05-10 to 2027-05-20."""
    r = Factory(park_id=world.park.id, slug="r", name="알공장", name_en="Plant R",
                lat=agreed.p.lat, lon=agreed.p.lon)  # fmt: skip
    session.add(r)
    session.flush()
    lot = _listing(app, session, r, None, kind="want", material="fgd-gypsum",
                   tonnes_per_month="20", avoided_kg_co2e_per_t="50", steadiness="one-off",
                   available_from="2027-05-10", available_until="2027-05-20")  # fmt: skip
    session.commit()
    april = run_park(app, session, world, month="2027-04-01")
    assert april.notes["unavailable"] == [{"listing_id": lot.id, "why": "dates"}]
    assert [s["id"] for s in april.problem["sinks"]] == [f"want-{agreed.want.id}"]
    assert runs.run_proposals(session=session, run_id=april.id) == []
    may = run_park(app, session, world, month="2027-05-01")
    assert may.notes["unavailable"] == []
    [to_r] = runs.run_proposals(session=session, run_id=may.id)
    assert (to_r.want_id, to_r.tonnes_per_month) == (lot.id, 20)

    sign_in(client, world.coordinator)
    html = client.get(f"/coordination/runs/{april.id}").get_data(as_text=True)
    section = html.split("Not available in the period")[1]
    assert f'href="/factories/listings/{lot.id}">Plant R</a>' in section
    assert "outside this month" in section

    bad = client.post(f"/coordination/runs/new?park={world.park.id}",
                      data={"month": "2027/5", "scope": "all"})  # fmt: skip
    assert bad.status_code == 422, bad.get_data(as_text=True)[-3000:]
    assert "Write the month as YYYY-MM, for instance 2027-01 (not “2027/5”)." in bad.get_data(
        as_text=True)  # fmt: skip


def test_a_one_off_lot_is_entered_as_its_total_and_shown_per_month(app, client, session, world):
    """300 t from 2026-12-10 to 2027-02-20 touch 3 months: 100 t a month."""
    sign_in(client, world.manager_a)
    url = f"/factories/{world.factory_a.id}/listings/new"
    form = {"kind": "offer", "material": "fgd-gypsum", "tonnes_per_month": "",
            "steadiness": "one-off", "available_from": "2026-12-10",
            "available_until": "2027-02-20", "lot_tonnes": "300"}  # fmt: skip
    steady = client.post(url, data=form | {"steadiness": "continuous"})
    assert steady.status_code == 200 and 'value="300"' in steady.get_data(as_text=True)
    assert "Only a one-off lot is given as its total tonnes (you wrote 300)" in steady.get_data(
        as_text=True)  # fmt: skip
    saved = client.post(url, data=form)
    assert saved.status_code == 302
    listing_id = int(saved.headers["Location"].rsplit("/", 1)[1])
    html = client.get(f"/factories/listings/{listing_id}").get_data(as_text=True)
    assert '<div class="n">300</div>' in html
    assert "tonnes in all: 100 t a month over 3 months" in html
    secret = tokens_for(app, session, world, world.manager_a)
    listing = client.get(f"/api/v1/listings/{listing_id}", headers=auth(secret)).get_json()
    assert (listing["tonnes_per_month"], listing["lot_tonnes"]) == (100.0, 300.0)

