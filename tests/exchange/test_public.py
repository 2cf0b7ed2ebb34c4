"""Pages anyone may open: the start page, the catalogue, the health check, both languages."""

from __future__ import annotations

import pytest

from exchange import catalogue


def test_healthz_says_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    ("query", "key"),
    [("탈황석고", "fgd-gypsum"), ("FGD gypsum", "fgd-gypsum"), ("10 01 05", "fgd-gypsum"),
     ("100105", "fgd-gypsum"), ("fly ash", "coal-fly-ash")],
)  # fmt: skip
def test_catalogue_search_finds_by_any_name_or_code(query, key):
    assert key in [m.key for m in catalogue.load().search(query)]


def test_every_material_figure_names_its_source():
    cat = catalogue.load()
    for m in cat.materials.values():
        for factor in (m.disposal, m.virgin_avoided):
            if factor is not None:
                assert factor.source in cat.sources, (m.key, factor.source)


def test_materials_page_searches(client):
    html = client.get("/materials?q=10+01+05&lang=en").get_data(as_text=True)
    assert "FGD gypsum" in html or "gypsum" in html.lower()
    assert client.get("/materials/fgd-gypsum").status_code == 200
    assert client.get("/materials/no-such-thing").status_code == 404


def test_pages_speak_korean_by_default_and_english_on_request(app, client):
    app.config["BABEL_DEFAULT_LOCALE"] = "ko"  # the shipped default; the fixtures read English
    korean = client.get("/").get_data(as_text=True)
    assert 'lang="ko"' in korean and "로그인" in korean
    english = client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="en"' in english and "Sign in" in english
    # the choice sticks
    assert 'lang="en"' in client.get("/materials").get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_templates_carry_no_inline_style_or_script():
    """The Content-Security-Policy forbids them: they would silently not apply."""
    import re
    from pathlib import Path

    templates = Path(__file__).parents[2] / "templates"
    for path in templates.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert " style=" not in text, path
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
