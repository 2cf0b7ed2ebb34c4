"""The ESG report PDF of a demo factory in Korean and English, and PNGs of every page, for
looking at what a firm files.

Builds the demo park with its exchange history on a throw-away SQLite database (its listings
dated a year back, as a park in use would have them), downloads the report of the factory with
the most exchanges as its manager would, and renders each page with poppler's pdftoppm
(`apt-get install poppler-utils`) under a font configuration with no font at all, so the
pictures show what a reader with no Korean font sees. Prints `pdffonts` for each file.
Also shoots the report's web page in both languages with Debian's Chromium (Playwright),
when it is there. Writes screenshots/esg-report-{ko,en}.pdf, esg-report-{ko,en}-N.png and
esg-page-{ko,en}.png (git-ignored).
Run: `.venv/bin/python scripts/esg_report_screenshots.py [--from 2026-05 --to 2026-10]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "screenshots"


def _no_fonts_config(folder: Path) -> Path:
    """A fontconfig file that knows no font directory: poppler must use the embedded ones."""
    conf = folder / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
                    f"<fontconfig><cachedir>{folder / 'cache'}</cachedir></fontconfig>\n")  # fmt: skip
    return conf


def main() -> None:
    from sqlmodel import Session, col, func, select

    from exchange import create_app, migrate
    from exchange.models import Factory, FactoryManager, Listing, ListingChange, Proposal, User
    from exchange.park_calendar import add_months, park_today
    from exchange.seed import load_demo
    from exchange.services.results import RUNNING

    today = park_today()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="start", default=f"{add_months(today, -6):%Y-%m}")
    parser.add_argument("--to", dest="end", default=f"{add_months(today, -1):%Y-%m}")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp / 'esg.db'}", "SECRET_KEY": "screenshots",
                          "TESTING": True, "WTF_CSRF_ENABLED": False})  # fmt: skip
        migrate.upgrade(app)
        engine = app.extensions["db_engine"]
        with app.test_request_context(), Session(engine) as s:
            load_demo(session=s, history=True, today=today)
            year_ago = datetime.now(UTC) - timedelta(days=365)
            for listing in s.exec(select(Listing)):
                listing.created_at = year_ago
            for change in s.exec(select(ListingChange)):
                change.at = year_ago
            s.commit()
            offer = Listing.__table__.alias("offer")
            factory_id = s.exec(
                select(offer.c.factory_id).select_from(Proposal)
                .join(offer, offer.c.id == Proposal.offer_id).where(col(Proposal.status).in_(RUNNING))
                .group_by(offer.c.factory_id).order_by(func.count().desc(), offer.c.factory_id)
            ).first()  # fmt: skip
            manager_id = s.exec(select(FactoryManager.user_id).where(FactoryManager.factory_id == factory_id)
                                .order_by(col(FactoryManager.user_id))).first()  # fmt: skip
            manager = s.get(User, manager_id).get_id()  # the session's id, as signing in sets it
            factory = s.get(Factory, factory_id)
            print(f"factory {factory.name} / {factory.name_en} (id {factory_id}), manager user {manager}")
        client = app.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"] = manager
            sess["_fresh"] = True
        env = dict(os.environ, FONTCONFIG_FILE=str(_no_fonts_config(tmp)))
        for lang in ("ko", "en"):
            response = client.get(f"/factories/{factory_id}/report?format=pdf&lang={lang}"
                                  f"&from={args.start}&to={args.end}")  # fmt: skip
            assert response.status_code == 200, (response.status_code, response.location)
            pdf = OUT / f"esg-report-{lang}.pdf"
            pdf.write_bytes(response.data)
            for old in OUT.glob(f"esg-report-{lang}-*.png"):
                old.unlink()
            if not shutil.which("pdftoppm"):
                print("no pdftoppm (apt-get install poppler-utils): the pages are not rendered")
                continue
            subprocess.run(["pdftoppm", "-r", "90", "-png", str(pdf), str(OUT / f"esg-report-{lang}")],
                           check=True, env=env)  # fmt: skip
            print(subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout)
        _shoot_pages(client, factory_id, args, tmp)
        print(f"written: {', '.join(sorted(p.name for p in OUT.glob('esg-*')))} ({date.today()})")
        engine.dispose()


def _shoot_pages(client, factory_id: int, args, tmp: Path) -> None:
    """The report's web page, as the manager sees it, in both languages (full page)."""
    if not Path("/usr/bin/chromium").exists():
        print("no /usr/bin/chromium: the web page is not shot")
        return
    from playwright.sync_api import sync_playwright

    from tests.e2e.live_app import launch_chromium

    static = ROOT / "exchange" / "static"
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        for lang in ("ko", "en"):
            html = client.get(f"/factories/{factory_id}/report?lang={lang}&from={args.start}&to={args.end}")
            page_file = tmp / f"page-{lang}.html"
            page_file.write_text(html.get_data(as_text=True).replace('href="/static/', f'href="file://{static}/'))
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale=lang)
            page.goto(page_file.as_uri())
            page.screenshot(path=str(OUT / f"esg-page-{lang}.png"), full_page=True)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
