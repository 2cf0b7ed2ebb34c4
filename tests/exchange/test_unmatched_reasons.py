"""Unmatched offers in words, from the matcher's `detail` alone, in Korean and English.

The words never re-derive an arc rule and never show an internal problem id
(`offer-85`, `want-7`): takers are named by their factory, linked to its page.
"""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from exchange.coordination.reasons import unmatched_words
from exchange.models import MatchRun, RunStatus, UnmatchedOffer
from exchange.services import proposals, runs
from exchange.services.problems import sink_id
from tests.exchange.conftest import sign_in
from tests.exchange.test_coordination_pages import _listing, _run

PLANT = Markup('<a href="/factories/9">Plant &amp; Co</a>')


def _words(app, locale, reason, detail, tonnes=30.0, **kw):
    with app.test_request_context(f"/?lang={locale}"):
        return str(unmatched_words(reason, detail, tonnes, locale, taker=lambda s: PLANT, **kw))


@pytest.mark.parametrize(("reason", "detail", "english", "korean"), [
    ("no-sink-accepts", {}, "No factory takes this material", "이 물질을 받는 공장이 없습니다"),
    ("no-hazardous-permit", {"sink": "want-9"},
     f"Hazardous: the nearest factory that takes it, {PLANT}, holds no valid permit for it",
     f"지정폐기물: 이를 받는 가장 가까운 공장인 {PLANT}에 유효한 허가가 없습니다"),
    ("no-common-mode", {"sink": "want-9"},
     f"No shared transport mode: the nearest taker, {PLANT}, cannot be reached by a mode this "
     "factory uses", f"공통 운송 수단 없음: 가장 가까운 수요 공장 {PLANT}에는"),
    ("beyond-distance", {"sink": "want-9", "km": 182.44, "limit_km": 80.0},
     f"The nearest taker, {PLANT}, is 182.4 km away, beyond the 80 km limit",
     f"가장 가까운 수요 공장 {PLANT}까지 182.4 km로, 거리 한도 80 km를 넘습니다"),
    ("not-worth-transport", {"sink": "want-9", "km": 144.55, "net_kg_co2e_per_t": -10.4673},
     f"Moving it 144.6 km to {PLANT} would emit 10.47 kg CO2e a tonne more than it saves",
     f"{PLANT}까지 144.6 km 운송하면 줄이는 양보다 톤당 10.47 kg CO2e를 더 배출합니다"),
    ("below-min-lot", {"min_lot_t": 10.0},
     "The 30 t left are under the minimum lot of 10 t",
     "남은 30 t이 최소 거래량 10 t에 못 미칩니다"),
    ("below-min-lot", {"min_lot_t": 10.0, "sink": "want-9", "spare_t": 4.5},
     f"{PLANT} has 4.5 t of room left, under the minimum lot of 10 t",
     f"{PLANT}의 남은 수용량 4.5 t이 최소 거래량 10 t에 못 미칩니다"),
    ("partner-limit", {"limit": 1},
     "This offer already has 1 partners, the most a run allows an offer",
     "이 제공은 이미 거래 상대가 1곳으로"),
    ("partner-limit", {"limit": 2, "sink": "want-9"},
     f"{PLANT} already has 2 partners, the most a run allows a want",
     f"{PLANT}은(는) 이미 거래 상대가 2곳으로"),
    ("sinks-full", {"sink": "want-9"},
     f"Takers are full: the capacity of {PLANT} went to exchanges that save more",
     f"수요 공장이 가득 찼습니다: {PLANT}의 수용량은"),
])  # fmt: skip
def test_each_reason_is_worded_from_its_detail(app, reason, detail, english, korean):
    assert english in _words(app, "en", reason, detail)
    assert korean in _words(app, "ko", reason, detail)
    assert "want-9" not in _words(app, "en", reason, detail)


def test_quality_names_the_property_the_figures_and_the_taker(app):
    above = {"sink": "want-9", "property": "moisture_pct", "value": 82.0, "min": None, "max": 65.0}
    assert _words(app, "en", "quality-mismatch", above) == (
        f"Quality: moisture 82 % above the 65 % that the nearest taker, {PLANT}, accepts")
    below = {**above, "value": 2.0, "min": 5.0, "max": None}
    assert "below the 5 % that the nearest taker" in _words(app, "en", "quality-mismatch", below)
    unstated = {**above, "value": None}
    assert "which the offer does not state" in _words(app, "en", "quality-mismatch", unstated)
    assert "품질:" in _words(app, "ko", "quality-mismatch", above)


def test_a_forbidden_pair_says_who_turned_it_down(app):
    words = _words(app, "en", "forbidden", {"pairs": ["want-9", "want-10"]}, source="offer-1",
                   refusals={("offer-1", "want-9"): "rejected", ("offer-1", "want-10"): "declined"})
    assert words == (f"Every taker was turned down for this offer: {PLANT} (rejected by the "
                     f"coordinator), {PLANT} (declined)")  # fmt: skip
    korean = _words(app, "ko", "forbidden", {"pairs": ["want-9"]}, source="offer-1",
                    refusals={("offer-1", "want-9"): "rejected"})
    assert korean == f"이 제공을 받을 수 있는 곳은 모두 반려 또는 거절되었습니다: {PLANT} (코디네이터가 반려함)"


@pytest.mark.parametrize(("detail", "why"), [
    (None, "a plan stored before the matcher gave details"),
    ({"sink": "want-9", "km": 9.1, "mode": "truck", "max_km": 5.0}, "the app's old wording keys"),
])  # fmt: skip
def test_a_reason_without_its_facts_says_so_plainly(app, detail, why):
    words = _words(app, "en", "beyond-distance", detail)
    assert words.startswith("Every taker is beyond the distance limit"), why
    assert "The figures behind this reason were not recorded with this run." in words
    korean = _words(app, "ko", "beyond-distance", detail)
    assert "이 실행에는 이 사유를 뒷받침하는 수치가 기록되지 않았습니다." in korean
    assert not re.search(r"[A-Za-z]{3,}", re.sub(r"<[^>]+>", "", korean))


def test_a_rejected_pair_is_named_with_its_factory_in_the_next_run(app, client, session, world):
    with app.test_request_context():
        _listing(session, world.factory_a, world.manager_a, kind="offer", material="fgd-gypsum",
                 tonnes_per_month="100")  # fmt: skip
        want = _listing(session, world.factory_b, world.manager_b, kind="want",
                        material="fgd-gypsum", tonnes_per_month="60")  # fmt: skip
    session.commit()
    first = _run(app, session, world)
    (proposal,) = runs.run_proposals(session=session, run_id=first.id)
    proposals.reject(session=session, proposal=proposal, user=world.coordinator)
    session.commit()
    second = _run(app, session, world)
    sign_in(client, world.coordinator)
    link_b = f'<a href="/factories/{world.factory_b.id}">Factory B</a>'
    page = client.get(f"/coordination/runs/{second.id}?lang=en").get_data(as_text=True)
    assert (f"Every taker was turned down for this offer: {link_b} (rejected by the coordinator)"
            in page)  # fmt: skip
    assert sink_id(want.id) not in page and not re.search(r"\b(offer|want)-\d", page)
    korean = client.get(f"/coordination/runs/{second.id}?lang=ko").get_data(as_text=True)
    korean_b = f'<a href="/factories/{world.factory_b.id}">Factory B</a>'
    assert f"이 제공을 받을 수 있는 곳은 모두 반려 또는 거절되었습니다: {korean_b} (코디네이터가 반려함)" in korean


def test_an_old_run_without_details_still_renders(app, client, session, world):
    with app.test_request_context():
        offer = _listing(session, world.factory_a, world.manager_a, kind="offer",
                         material="fgd-gypsum", tonnes_per_month="33.333333333333336")  # fmt: skip
    session.commit()
    run = MatchRun(park_id=world.park.id, status=RunStatus.done, options={},
                   baseline_kg_co2e=2398.3, objective_kg_co2e=2398.3, saved_kg_co2e=0.0,
                   plan={"format": "symbiosis-plan/1", "exchanges": [],
                         "unmatched": [{"source": f"offer-{offer.id}", "tonnes": 100 / 3,
                                        "reason": "sinks-full"}]})  # fmt: skip
    session.add(run)
    session.flush()
    session.add(UnmatchedOffer(run_id=run.id, offer_id=offer.id, tonnes_per_month=100 / 3,
                               reason="sinks-full", detail=None))  # fmt: skip
    session.commit()
    sign_in(client, world.coordinator)
    page = client.get(f"/coordination/runs/{run.id}?lang=en").get_data(as_text=True)
    assert "Takers are full: their capacity went to exchanges that save more" in page
    assert "The figures behind this reason were not recorded with this run." in page
    assert ">33.333<" in page and "33.33333" not in page  # tonnes as the listing gave them
    assert f'href="/factories/listings/{offer.id}"' in page  # the row links its listing


def test_a_failed_runs_message_names_listings_by_their_factory(app, client, session, world):
    with app.test_request_context():
        offer = _listing(session, world.factory_a, world.manager_a, kind="offer",
                         material="fgd-gypsum", tonnes_per_month="10")  # fmt: skip
        want = _listing(session, world.factory_b, world.manager_b, kind="want",
                        material="fgd-gypsum", tonnes_per_month="10")  # fmt: skip
    message = (f'matcher: locked[0]: the pair offer-{offer.id} -> want-{want.id} is not an arc; '
               'sink "want-99999" <b>')  # fmt: skip
    run = MatchRun(park_id=world.park.id, status=RunStatus.failed, options={}, message=message)
    session.add(run)
    session.commit()
    sign_in(client, world.coordinator)
    page = client.get(f"/coordination/runs/{run.id}?lang=en").get_data(as_text=True)
    a = f'<a href="/factories/{world.factory_a.id}">Factory A</a>'
    b = f'<a href="/factories/{world.factory_b.id}">Factory B</a>'
    assert (f"the pair {a}'s offer (<a href=\"/factories/listings/{offer.id}\">#{offer.id}</a>) "
            f"-&gt; {b}'s want (<a href=\"/factories/listings/{want.id}\">#{want.id}</a>)"
            in page)  # fmt: skip
    assert "sink &#34;a listing no longer kept&#34; &lt;b&gt;" in page  # escaped, never raw
    assert not re.search(r"\b(offer|want)-\d", page)
