"""Every page speaks one language: each HTML page of the app, rendered on the demo park for
each audience (signed out, a factory manager, the coordinator, an administrator), in Korean
and in English, carries no text of the other language outside an allow-list of codes, units,
keys and proper names.

Visible text is what a reader sees: text nodes (not scripts or styles) and the attributes a
browser shows (title, placeholder, alt, aria-label, value of buttons)."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from sqlmodel import select

from exchange.models import Factory, Listing, MatchRun, Park, Proposal, User
from exchange.seed import load_demo
from tests.exchange.app_map import routes, urls
from tests.exchange.conftest import sign_in

SHOWN_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label"}
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
# what a Korean page may carry in Latin letters: units, codes, standards, formats, brands
LATIN_ALLOWED = {
    "km", "kg", "CO", "CO2e", "COe", "t", "tCO", "GRI", "ESG", "CSV", "PDF", "API", "JSON",
    "xlsx", "csv", "json", "ID", "KSIC", "EU", "HiGHS", "CBC", "OpenAPI", "English", "KRW",
    "GHG", "WARM", "EPA", "IPCC", "DESNZ", "Allbaro", "LoW", "OR-Tools", "PuLP", "SVG",
    "MJ", "kWh", "ppm", "pH", "mm", "Bearer", "Email", "e-mail", "UTC", "KST", "Asia", "Seoul",
}
# what an English page may carry in Hangul: the language switch names its language
HANGUL_ALLOWED = {"한국어"}


class VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self.parts.append(value)
            if tag == "input" and name == "value" and dict(attrs).get("type") == "submit":
                self.parts.append(value or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.parts


def foreign(parts: list[str], lang: str, proper: set[str]) -> list[str]:
    """The pieces of text of the other language, each as found."""
    found = []
    for part in parts:
        text = re.sub(r"\S+@\S+|https?://\S+|/\S*", " ", part)  # e-mails, links and paths
        if lang == "ko":
            words = [w for w in WORD.findall(text) if w not in LATIN_ALLOWED and w not in proper]
        else:
            words = [h for h in HANGUL.findall(text) if h not in HANGUL_ALLOWED and h not in proper]
        if words:
            found.append(f"{part[:80]!r}: {words[:4]}")
    return found


@pytest.fixture
def demo(app, session):
    with app.test_request_context():
        load_demo(session=session, history=True, today=date(2026, 11, 20))
    session.commit()
    park = session.exec(select(Park)).first()
    manager = session.exec(select(User).where(User.email == "manager1@demo.park")).one()
    factory = session.exec(select(Factory).where(Factory.park_id == park.id)).first()
    return {
        "park": park,
        "users": {
            "anonymous": None,
            "manager": manager,
            "coordinator": session.exec(
                select(User).where(User.email == "coordinator@demo.park")
            ).one(),
            "admin": session.exec(select(User).where(User.email == "admin@demo.park")).one(),
        },
        "ids": {
            "factory_id": factory.id,
            "listing_id": session.exec(select(Listing)).first().id,
            "run_id": session.exec(select(MatchRun)).first().id,
            "proposal_id": session.exec(select(Proposal)).first().id,
        },
        "slug": park.slug,
    }


# Known to fail today (issue 11, "Every page speaks one language"): park regions, factor
# sources' titles, transport modes, roles, property keys and factory names are shown in one
# language only. strict: the day it passes, this mark must go.
@pytest.mark.xfail(strict=True, reason="issue 11: pages still mix languages")
@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("role", ["anonymous", "manager", "coordinator", "admin"])
def test_every_page_speaks_one_language(app, client, demo, role, lang):
    sign_in(client, demo["users"][role])
    client.get(f"/?lang={lang}")
    problems = []
    for rule in routes(app, "GET"):
        for url in urls(app, rule, demo["ids"]):
            url = url.replace("/parks/x", f"/parks/{demo['slug']}")
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            found = foreign(visible_text(response.get_data(as_text=True)), lang, set())
            problems += [f"{url}: {item}" for item in found]
    assert not problems, f"{len(problems)} pieces of the other language:\n" + "\n".join(
        problems
    )
