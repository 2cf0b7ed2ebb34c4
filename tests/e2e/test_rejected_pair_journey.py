"""A rejected pair in a browser, in Korean: the next run says so, naming the partner factory.

The park of park.json, fresh for this module: 시화에너지 lists 100 t of FGD gypsum, the first
run proposes 30 t to 안산석고보드 (3.7 km) and 60 t to 반월시멘트 (9.1 km), the coordinator
rejects both, and the second run leaves all 100 t with both takers named as rejected,
nearest first, each linked to its factory's page. Never "no factory takes this material",
never an internal id such as `want-2`.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .test_journeys import COORDINATOR, ENERGY, cells


def _run(page) -> None:
    page.get_by_role("link", name="매칭 실행", exact=True).first.click()
    page.get_by_role("link", name="새 매칭 실행").click()
    page.get_by_role("button", name="매칭 실행 시작").click()
    expect(page.locator("h1 .badge")).to_have_text("완료", timeout=60_000)


def test_a_rejected_pair_is_shown_as_rejected_naming_the_partner(person, shoot):
    energy = person(*ENERGY)
    energy.get_by_role("link", name="+ 새 제공 등록").click()
    energy.get_by_label("물질", exact=True).select_option(label="탈황석고 (10 01 05, 10 01 07)")
    energy.get_by_label("월 수량 (톤/월)", exact=True).fill("100")
    energy.get_by_label("현재 처리 방법", exact=True).select_option(label="매립")
    energy.get_by_role("button", name="저장").click()
    expect(energy.locator(".flash")).to_have_text("등록 항목이 저장되었습니다.")

    page = person(*COORDINATOR)
    _run(page)
    rows = page.locator("table.proposals tr[id^=proposal-]")
    expect(rows).to_have_count(2)
    for n in range(2):
        rows.nth(n).get_by_role("button", name="반려", exact=True).click()
        # a reject asks first: for a while, or for ever
        page.get_by_label("다시 제안하지 않음(코디네이터가 해제할 때까지)").check()
        page.get_by_role("button", name="예, 거절합니다").click()
        expect(rows.nth(n).locator(".badge").first).to_have_text("반려됨")

    _run(page)
    expect(page.locator("table.proposals tr[id^=proposal-]")).to_have_count(0)
    unmatched = page.locator("table.list").last.locator("tr").nth(1)
    assert cells(unmatched)[1:] == [
        "100", "이 제공을 받을 수 있는 곳은 모두 반려 또는 거절되었습니다: 안산석고보드(주) "
        "(코디네이터가 반려함), 반월시멘트(주) (코디네이터가 반려함)"]  # fmt: skip
    for name in ("안산석고보드(주)", "반월시멘트(주)"):
        expect(unmatched.get_by_role("link", name=name)).to_have_attribute(
            "href", re.compile(r"^/factories/\d+$"))  # fmt: skip
    assert not re.search(r"\b(offer|want)-\d", page.content())
    shoot(page, "ko-run-rejected-pairs")

    page.goto(page.url.split("?")[0] + "?lang=en")
    unmatched = page.locator("table.list").last.locator("tr").nth(1)
    assert cells(unmatched)[2] == (
        "Every taker was turned down for this offer: Ansan Gypsum Board (rejected by the "
        "coordinator), Banwol Cement (rejected by the coordinator)")  # fmt: skip
