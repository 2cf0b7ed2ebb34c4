"""Browser fixtures: Debian's Chromium, and the app served by a real web server and a real
match-run worker on a throw-away database holding the small park of park.json.

Without /usr/bin/chromium the tests are skipped on a developer's machine and fail in CI
(the variable CI set). SQLite in a temporary folder by default; with DATABASE_URL, that
PostgreSQL database, emptied first (as tests/exchange does; the two never run at once).
Pages are photographed into screenshots/ at each step when E2E_SCREENSHOTS is set, and
whenever a test fails.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from exchange import create_app, db, migrate
from exchange.db import make_engine
from exchange.seed import load_demo
from tests.processes import free_port

from .live_app import CHROMIUM, ROOT, LiveApp, launch_chromium, sign_in

PARK = Path(__file__).with_name("park.json")
SHOTS = ROOT / "screenshots"
PORTS = os.environ.get("E2E_PORTS", "5660-5679")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test (for failure screenshots), and remember a failed
    journey: the journeys after it in the module start from its end, so they are skipped."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    if report.failed and report.when == "call":
        item.module.failed_journey = item.name
    return report


@pytest.fixture(autouse=True)
def _earlier_journey_passed(request):
    failed = getattr(request.module, "failed_journey", None)
    if failed:
        pytest.skip(f"{failed} failed; this journey starts where it ends")


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {CHROMIUM} is missing: the browser tests must run in CI. "
                        "Install it with `apt-get install chromium` (make test does, as root).",
                        pytrace=False)  # fmt: skip
        pytest.skip(f"no {CHROMIUM} (apt-get install chromium); CI is unset, so not a failure")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


def _empty_database(tmp_path: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path}/e2e.db"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def _load_park(url: str) -> None:
    """Schema and park.json through the app's own migrations and services, with a cheap
    password hash (argon2 at its production cost takes most of a second a user)."""
    from argon2 import PasswordHasher

    from exchange import security

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "e2e", "TESTING": True})
    migrate.upgrade(app)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
        with app.app_context(), db.session_scope() as s:
            load_demo(session=s, path=PARK)
    app.extensions["db_engine"].dispose()


@pytest.fixture(scope="module")
def live_app(chromium, tmp_path_factory) -> Iterator[LiveApp]:
    tmp = tmp_path_factory.mktemp("e2e")
    url = _empty_database(tmp)
    _load_park(url)
    first, last = (int(p) for p in PORTS.split("-"))
    with LiveApp(url, free_port(first, last), tmp / "logs") as app:
        yield app


@pytest.fixture
def person(chromium, live_app, request) -> Iterator[Callable[..., object]]:
    """`person(email, password)`: a page in a browser of its own, signed in (no e-mail: not
    signed in). Every page is photographed if the test fails."""
    contexts = []

    def open_page(email: str | None = None, password: str = ""):
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if email:
            sign_in(page, live_app.base_url, email, password)
        return page

    yield open_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        for n, context in enumerate(contexts):
            for page in context.pages:
                _shoot(page, f"failed-{request.node.name}-{n}")
        print(live_app.log_tail())
    for context in contexts:
        context.close()


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"e2e-{re.sub(r'[^a-z0-9-]+', '-', name)}.png"),
                    full_page=True)  # fmt: skip


@pytest.fixture
def shoot() -> Callable[[object, str], None]:
    """`shoot(page, name)`: a screenshot of the step, when E2E_SCREENSHOTS is set."""
    return _shoot if os.environ.get("E2E_SCREENSHOTS") else (lambda page, name: None)
