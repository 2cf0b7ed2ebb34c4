"""Importing in a browser, in Korean: a sheet headed by the Korean labels, previewed then
saved; then the Allbaro transfer-slip export of the same factory, as offers.

The sheet: 제공 폐골판지 1,200톤 a month (recycled), and a want for 500 kg of FGD gypsum
(0.5 t). The Allbaro file (tests/exchange/field_cases/ours-allbaro-2026-q1.csv): wastewater
sludge 46 t over January to March, 15.333333 t a month; spent solvent 1.8 t, 0.6 t a month.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from playwright.sync_api import expect

ENERGY = ("energy@e2e.park", "e2e-energy")
ALLBARO = Path(__file__).resolve().parents[1] / "exchange" / "field_cases" / "ours-allbaro-2026-q1.csv"


def test_a_korean_sheet_and_an_allbaro_export_are_previewed_then_saved(person, shoot, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["유형", "물질", "월 수량 (톤/월)", "발생 형태", "현재 처리 방법", "설명", "비고"])
    sheet.append(["제공", "폐골판지", "1,200톤", "연속 발생", "재활용", "골판지 묶음", "담당 김"])
    sheet.append(["수요", "탈황석고", "500 kg", "월 단위 일괄", None, "석고보드 원료", None])
    path = tmp_path / "한글시트.xlsx"
    book.save(path)

    page = person(*ENERGY)
    page.get_by_role("link", name="시트 가져오기").click()
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="검사 후 미리보기").click()
    expect(page.locator(".import-preview .counts")).to_contain_text("신규 2")
    expect(page.locator(".import-preview")).to_contain_text("읽지 않은 열(서식에 없는 열): 비고.")
    rows = page.locator(".preview-table tr.new")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("폐골판지")
    shoot(page, "ko-import-preview")
    page.get_by_role("button", name="이 등록 건 저장").click()
    expect(page.locator(".flash")).to_contain_text("가져오기 완료: 신규 2건, 수정 0건, 변경 없음 0건.")
    expect(page.locator("h1")).to_have_text("시화에너지(주)")

    page.get_by_role("link", name="시트 가져오기").click()
    page.locator("input[type=file]").set_input_files(str(ALLBARO))
    page.get_by_role("button", name="검사 후 미리보기").click()
    preview = page.locator(".import-preview")
    expect(preview).to_contain_text("올바로 인계서 2026-01 ~ 2026-03")
    expect(preview).to_contain_text("아직 확정되지 않은 인계 1건도 포함했습니다.")
    expect(page.locator(".preview-table tr.new")).to_have_count(2)
    expect(page.locator(".preview-table tr.new").first).to_contain_text("15.333333")
    shoot(page, "ko-import-allbaro")
    page.get_by_role("button", name="이 등록 건 저장").click()
    expect(page.locator(".flash")).to_contain_text("가져오기 완료: 신규 2건")
