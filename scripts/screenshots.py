"""Screenshots of the main pages in Korean and English, for looking at what we build.

Serves the app (and a match-run worker beside it) on a throw-away SQLite database with the
demo park, signs in as a demo manager and as the coordinator, and drives Debian's Chromium
(`apt-get install chromium`) with Playwright.
Writes PNGs to screenshots/ (git-ignored). Run: `make screenshots`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.e2e.live_app import LiveApp, launch_chromium  # noqa: E402  (shared with the tests)
from tests.e2e.live_app import sign_in as sign_in_at  # noqa: E402

OUT = ROOT / "screenshots"
PORT = int(os.environ.get("SCREENSHOT_PORT", "5055"))
BASE = f"http://127.0.0.1:{PORT}"
BAD_SHEET = (
    "kind,material,tonnes_per_month,description,moisture_pct\n"
    "offer,fgd-gypsum,120,탈황석고 정기 출하,8\n"
    "offer,fgd-gypsum,-4,음수 수량,8\n"
    "offer,kryptonite,10,없는 물질,\n"
    "want,coal-fly-ash,nan,,\n"
    "offer,steel-slag,30,수분 과다,140\n"
)


def sign_in(page: Page, email: str, password: str) -> None:
    sign_in_at(page, BASE, email, password)


def shoot(page: Page, name: str, full_page: bool = True) -> None:
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(path.relative_to(ROOT))


def _reset_links(log: Path) -> list[str]:
    return re.findall(r"http://127\.0\.0\.1:\d+/auth/reset/[\w.-]+", log.read_text())


def reset_pages(page: Page, lang: str, log: Path) -> None:
    """Forgot your password?: the request, its answer, the link from the server's log (no mail
    server here), a refused new password, and a link that was used already."""
    page.goto(f"{BASE}/auth/login?lang={lang}")
    page.click("main .aside a")
    shoot(page, f"{lang}-reset-request")
    page.fill("input[name=email]", "manager2@demo.park")
    before = len(_reset_links(log))
    page.click("main form button[type=submit]")
    shoot(page, f"{lang}-reset-sent")
    for _ in range(100):  # the mail is logged once the answer has gone out
        if len(links := _reset_links(log)) > before:
            break
        time.sleep(0.1)
    else:
        raise SystemExit(f"no reset link in the server's log:\n{log.read_text()[-2000:]}")
    link = links[-1]
    page.goto(link)
    page.fill("input[name=password]", "short")
    page.fill("input[name=confirm]", "short")
    page.click("main form button[type=submit]")
    shoot(page, f"{lang}-reset-password-errors")
    page.fill("input[name=password]", "demo-manager")
    page.fill("input[name=confirm]", "demo-manager")
    page.click("main form button[type=submit]")
    page.context.clear_cookies()
    page.goto(f"{link}?lang={lang}")
    shoot(page, f"{lang}-reset-link-used")


def manager_pages(page: Page, lang: str, sheet: Path) -> None:
    page.goto(f"{BASE}/factories/?lang={lang}")
    if page.url.split("?")[0].endswith("/factories/"):  # a manager of several factories chooses
        shoot(page, f"{lang}-my-factories")
        page.click("table.list td a")
    factory_url = page.url.split("?")[0]
    shoot(page, f"{lang}-factory")
    page.click("table.list td a")
    shoot(page, f"{lang}-listing")
    page.goto(f"{factory_url}/listings/new?kind=offer")
    page.select_option("select[name=material]", "fgd-gypsum")
    page.fill(
        "textarea[name=description]",
        "탈황석고, 함수율 8% 이하" if lang == "ko" else "FGD gypsum, under 8% moisture",
    )
    page.fill("input[name=tonnes_per_month]", "-12")
    page.fill("input[name=moisture_pct]", "8")
    page.click("#listing-form button[type=submit]")
    shoot(page, f"{lang}-listing-form-errors")
    page.goto(f"{factory_url}/import")
    page.set_input_files("input[name=sheet]", str(sheet))
    page.click("main form button[type=submit]")
    shoot(page, f"{lang}-import-errors")


def _manager_factory_names() -> str:
    """A pattern for the names (both languages) of the factories manager1 looks after."""
    demo = json.loads((ROOT / "exchange/demo/sihwa-banwol.json").read_text(encoding="utf-8"))
    slugs = next(u["factories"] for u in demo["users"] if u["email"] == "manager1@demo.park")
    names = [n for f in demo["factories"] if f["slug"] in slugs for n in (f["name"], f["name_en"])]
    return "|".join(re.escape(n) for n in names if n)


MANAGER_FACTORIES = _manager_factory_names()


def coordinator_pages(page: Page, lang: str) -> None:
    """Start a run, follow it until it ends, then the run page and one proposal."""
    page.goto(f"{BASE}/coordination/runs?lang={lang}")
    shoot(page, f"{lang}-runs")
    page.goto(f"{BASE}/coordination/runs/new")
    shoot(page, f"{lang}-run-form")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/coordination/runs/*")
    shoot(page, f"{lang}-run-progress")  # as it first shows: queued or under way
    page.wait_for_selector("table.list.proposals, .card.failed, .card.empty", timeout=120_000)
    shoot(page, f"{lang}-run")
    # a proposal of the demo manager's factories, approved so they have something to answer
    rows = page.locator("table.list.proposals tr").filter(has_text=re.compile(MANAGER_FACTORIES))
    rows.first.locator("td a").first.click()
    shoot(page, f"{lang}-proposal")
    page.fill(
        "textarea[name=comment]",
        "운송 일정 확인 바랍니다" if lang == "ko" else "Please agree the pick-up days",
    )
    page.click("main .card form button[type=submit]")
    shoot(page, f"{lang}-proposal-approved")


def api_pages(page: Page, lang: str) -> None:
    """A token made on the profile page (its secret shown once), then the API's description."""
    page.goto(f"{BASE}/auth/profile?lang={lang}")
    page.fill("form[action$='/tokens'] input[name=token-name]", "ERP" if lang == "en" else "전사 ERP")
    page.fill("form[action$='/tokens'] input[name=token-days]", "90")
    page.click("form[action$='/tokens'] button[type=submit]")
    shoot(page, f"{lang}-profile-token")
    page.goto(f"{BASE}/api/v1/docs?lang={lang}")
    shoot(page, f"{lang}-api-docs", full_page=False)  # the top: the page runs to 20,000 px
    page.locator("#tag-runs").scroll_into_view_if_needed()
    shoot(page, f"{lang}-api-docs-runs", full_page=False)


def exchange_pages(page: Page, lang: str) -> None:
    page.goto(f"{BASE}/exchanges/?lang={lang}")
    shoot(page, f"{lang}-exchanges")
    link = page.query_selector("table.list td a")
    if link is not None:
        link.click()
        shoot(page, f"{lang}-exchange")
    page.goto(f"{BASE}/exchanges/notifications")
    shoot(page, f"{lang}-notifications")


def results_pages(page: Page, lang: str, db_file: str) -> None:
    """The park's public results, and (signed in as its coordinator) a factory's ESG report
    as a page and as its PDF, rendered to PNG with pdftoppm."""
    page.goto(f"{BASE}/parks/sihwa-banwol?lang={lang}")
    shoot(page, f"{lang}-park-results")
    with sqlite3.connect(db_file) as db:
        (factory_id,) = db.execute(
            "SELECT l.factory_id FROM proposal p JOIN listing l ON l.id = p.offer_id"
            " WHERE p.status = 'active' ORDER BY p.net_saved_kg_co2e DESC LIMIT 1"
        ).fetchone()
    report = f"{BASE}/factories/{factory_id}/report?from=2026-01&to=2026-12"
    page.goto(report)
    shoot(page, f"{lang}-esg-report")
    pdf = OUT / f"{lang}-esg-report.pdf"
    pdf.write_bytes(page.request.get(f"{report}&format=pdf").body())
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf),
                        str(OUT / f"{lang}-esg-report-pdf")], check=True)  # fmt: skip
        print(f"screenshots/{lang}-esg-report-pdf.png")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        sheet = Path(tmp) / "listings.csv"
        sheet.write_text(BAD_SHEET, encoding="utf-8")
        app = LiveApp(f"sqlite:///{tmp}/shots.db", PORT, Path(tmp) / "logs")
        app.flask("db-upgrade")
        app.flask("seed-demo")
        with app, sync_playwright() as pw:
            browser = launch_chromium(pw)
            for lang in ("ko", "en"):
                page = browser.new_page(viewport={"width": 1280, "height": 900}, locale=lang)
                page.goto(f"{BASE}/?lang={lang}")
                shoot(page, f"{lang}-home")
                page.goto(f"{BASE}/materials?q=slag")
                shoot(page, f"{lang}-materials")
                reset_pages(page, lang, app.logs / "server.log")
                page.context.clear_cookies()
                page.goto(f"{BASE}/?lang={lang}")
                sign_in(page, "coordinator@demo.park", "demo-coordinator")
                results_pages(page, lang, f"{tmp}/shots.db")
                coordinator_pages(page, lang)
                api_pages(page, lang)
                page.context.clear_cookies()
                page.goto(f"{BASE}/?lang={lang}")
                sign_in(page, "manager1@demo.park", "demo-manager")
                exchange_pages(page, lang)
                manager_pages(page, lang, sheet)
                page.close()
            browser.close()


if __name__ == "__main__":
    main()
