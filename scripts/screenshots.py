"""Screenshots of the main pages in Korean and English, for looking at what we build.

Serves the app on a throw-away SQLite database with the demo park, signs in as a demo
manager and drives Debian's Chromium (`apt-get install chromium`) with Playwright.
Writes PNGs to screenshots/ (git-ignored). Run: `make screenshots`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
PORT = int(os.environ.get("SCREENSHOT_PORT", "5055"))
BASE = f"http://127.0.0.1:{PORT}"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]  # fmt: skip
BAD_SHEET = (
    "kind,material,tonnes_per_month,description,moisture_pct\n"
    "offer,fgd-gypsum,120,탈황석고 정기 출하,8\n"
    "offer,fgd-gypsum,-4,음수 수량,8\n"
    "offer,kryptonite,10,없는 물질,\n"
    "want,coal-fly-ash,nan,,\n"
    "offer,steel-slag,30,수분 과다,140\n"
)


def serve(db_url: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": db_url}
    flask = [sys.executable, "-m", "flask", "--app", "exchange"]
    subprocess.run([*flask, "db-upgrade"], env=env, check=True, cwd=ROOT)
    subprocess.run([*flask, "seed-demo"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    server = subprocess.Popen([*flask, "run", "--port", str(PORT)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{BASE}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the app did not start")


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto(f"{BASE}/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")


def shoot(page: Page, name: str) -> None:
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(path.relative_to(ROOT))


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


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        sheet = Path(tmp) / "listings.csv"
        sheet.write_text(BAD_SHEET, encoding="utf-8")
        server = serve(f"sqlite:///{tmp}/shots.db")
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
                )
                for lang in ("ko", "en"):
                    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale=lang)
                    page.goto(f"{BASE}/?lang={lang}")
                    shoot(page, f"{lang}-home")
                    page.goto(f"{BASE}/materials?q=slag")
                    shoot(page, f"{lang}-materials")
                    sign_in(page, "manager1@demo.park", "demo-manager")
                    manager_pages(page, lang, sheet)
                    page.close()
                browser.close()
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
