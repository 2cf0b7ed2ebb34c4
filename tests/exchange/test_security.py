"""The security test list (SECURITY.md points here), to read top to bottom.

1. Headers on every kind of response.       5. An id swapped in every URL and form.
2. Session cookies in production.           6. User input shown escaped, in both languages.
3. CSRF refused on every POST route.        7. Uploads limited in size and type.
4. Rate limits: sign-in and password reset.

Routes are taken from the app's url_map, not from a hand list, so a new route is covered (or
makes a test fail until it is) without anyone remembering to add it here.
"""

from __future__ import annotations

import re
from collections import Counter
from io import BytesIO
from pathlib import Path

import pytest
from sqlmodel import select
from werkzeug.routing import Rule
from wtforms import FileField, HiddenField, SelectField

from exchange import create_app
from exchange.models import Factory, Listing
from tests.exchange.app_map import API_PREFIX, form_fields, int_args, routes, urls
from tests.exchange.conftest import sign_in
from tests.exchange.two_parks import EVIL, EVIL_SHOWN, make_it_evil, make_two_parks, snapshot

CSRF_REFUSED = "The form expired or was not sent from this site."
# A body for every form in the app at once: a view that forgot a check would act on it.
FORM = {"comment": "swapped", "month": "2025-06", "tonnes": "5", "kind": "offer",
        "material": "fgd-gypsum", "tonnes_per_month": "7", "name": "Swapped", "lat": "37.3",
        "lon": "126.7", "modes": "truck", "back": "run", "min_lot_t": "0", "time_limit_s": "10",
        "truck_factor": "0.1", "truck_circuity": "1.3", "rail_factor": "0.03",
        "rail_circuity": "1.2", "scope": "all", "email": "x@x.kr", "role": "manager"}  # fmt: skip
ID_KINDS = {"factory_id": "factories", "listing_id": "listings", "run_id": "runs",
            "proposal_id": "proposals", "token_id": "tokens"}  # fmt: skip


@pytest.fixture
def scene(app, session, world):
    return make_two_parks(app, session, world)


@pytest.fixture
def strict_app(database_url):
    """The app as it runs: CSRF on (the `app` fixture turns it off to keep other tests short)."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test", "TESTING": True,
                      "BABEL_DEFAULT_LOCALE": "en"})  # fmt: skip
    yield app
    app.extensions["db_engine"].dispose()


def _own_ids(scene) -> dict[str, int]:
    """Manager A's own objects, for requests refused before any object is looked at."""
    return {"factory_id": scene.factories["A"].id, "listing_id": scene.listings["la"].id,
            "run_id": scene.runs["rp"].id, "proposal_id": scene.proposals["pa"].id,
            "token_id": scene.tokens["manager_a"].id}  # fmt: skip


def _post_data() -> dict:
    sheet = b"kind,material,tonnes_per_month\noffer,fgd-gypsum,10\n"
    return {**FORM, "sheet": (BytesIO(sheet), "l.csv")}


# --- 1. headers on every kind of response ----------------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


def _responses(app, client, world, scene, strict_app):
    a = scene.factories["A"].id
    sign_in(client, world.manager_a)
    yield "html", client.get(f"/factories/{a}")
    yield "pdf", client.get(f"/factories/{a}/report?format=pdf")
    yield "csv", client.get(f"/factories/{a}/export.csv")
    yield "xlsx", client.get(f"/factories/{a}/export.xlsx")
    yield "json", client.get("/healthz")
    yield "403", client.get("/admin/")
    yield "404", client.get("/no/such/page")
    yield "static", client.get("/static/app.css")
    sign_in(client, None)
    yield "public json", client.get("/api/v1/summary")
    yield "public csv", client.get(f"/parks/{world.park.slug}/summary.csv")
    yield "redirect", client.get("/factories/")
    for _ in range(6):
        locked = client.post("/auth/login", data={"email": "a@x.kr", "password": "wrong"})
    yield "429", locked
    yield "400 csrf", strict_app.test_client().post("/auth/login", data={"email": "a@x.kr"})
    app.config["MAX_CONTENT_LENGTH"] = 100
    yield "413", client.post("/auth/login", data={"email": "a" * 200, "password": "x"})
    broken = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "t",
                         "TESTING": True, "PROPAGATE_EXCEPTIONS": False})  # fmt: skip
    broken.add_url_rule("/boom", "boom", lambda: 1 / 0)
    yield "500", broken.test_client().get("/boom")
    broken.extensions["db_engine"].dispose()


def test_every_kind_of_response_carries_the_security_headers(
    app, client, world, scene, strict_app
):
    seen = {}
    for kind, response in _responses(app, client, world, scene, strict_app):
        seen[kind] = response.status_code
        response.close()  # a static file is sent from an open file
        csp = _csp(response)
        scripts = csp.get("script-src", csp["default-src"])
        assert scripts == ["'self'"], kind  # no 'unsafe-inline', no 'unsafe-eval', no host
        assert csp["default-src"] == ["'self'"] and csp["style-src"] == ["'self'"], kind
        assert csp["frame-ancestors"] == ["'none'"], kind
        assert (csp["object-src"], csp["base-uri"], csp["form-action"]) == (
            ["'none'"], ["'self'"], ["'self'"]), kind  # fmt: skip
        assert response.headers["X-Frame-Options"] == "DENY", kind
        assert response.headers["X-Content-Type-Options"] == "nosniff", kind
        assert response.headers["Referrer-Policy"] == "same-origin", kind
    assert seen == {"html": 200, "pdf": 200, "csv": 200, "xlsx": 200, "json": 200, "403": 403,
                    "404": 404, "static": 200, "public json": 200, "public csv": 200,
                    "redirect": 302, "429": 429, "400 csrf": 400, "413": 413, "500": 500}  # fmt: skip


# --- 2. session cookies ----------------------------------------------------------------------


@pytest.mark.parametrize("production", [True, False])
def test_the_session_cookie_is_httponly_samesite_and_in_production_secure(
    database_url, world, production
):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "s" * 32, "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "ENV_PRODUCTION": production})  # fmt: skip
    response = app.test_client().post(
        "/auth/login", data={"email": "a@x.kr", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    flags = {part.strip() for part in cookie.split(";")[1:]}
    assert {"HttpOnly", "SameSite=Lax", "Path=/"} <= flags
    assert ("Secure" in flags) is production
    app.extensions["db_engine"].dispose()


# --- 3. CSRF ---------------------------------------------------------------------------------


def test_every_post_route_refuses_a_form_without_its_csrf_token(strict_app, world, scene, session):
    client = strict_app.test_client()
    sign_in(client, world.admin)  # may do nearly everything: a missed check would show
    ids = _own_ids(scene)
    before, tried = snapshot(session), []
    for rule in routes(strict_app, "POST"):
        for url in urls(strict_app, rule, ids):
            response = client.post(url, data=_post_data())
            tried.append(url)
            assert response.status_code == 400, url
            assert CSRF_REFUSED in response.get_data(as_text=True), url
    assert snapshot(session) == before
    assert len(tried) >= 25  # the enumeration found the app's forms, not nothing


def test_a_form_with_its_token_gets_through(strict_app, world):
    """The control for the test above: the refusal is for the missing token, nothing else."""
    client = strict_app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/auth/login").get_data(as_text=True)).group(1)  # fmt: skip
    response = client.post("/auth/login", data={"email": "a@x.kr", "password": "correct horse battery",
                                                "csrf_token": token})  # fmt: skip
    assert response.status_code == 302


def test_api_routes_that_change_things_refuse_a_session_cookie(strict_app, world, scene, session):
    """What lets /api/ go without CSRF tokens: it answers only to a Bearer token."""
    client = strict_app.test_client()
    sign_in(client, world.admin)
    before = snapshot(session)
    rules = [r for r in strict_app.url_map.iter_rules() if r.rule.startswith(API_PREFIX)
             and r.methods & {"POST", "PUT", "PATCH", "DELETE"}]  # fmt: skip
    for rule in rules:
        ids = {name: 1 for name in int_args(rule)}
        for url in urls(strict_app, rule, ids):
            for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
                assert client.open(url, method=method, json={}).status_code >= 400, url
    assert snapshot(session) == before


# --- 4. rate limits --------------------------------------------------------------------------

LOCKED = "Too many failed sign-ins. Please wait 15 minutes and try again."
TOO_MANY = "Too many requests. Please wait 15 minutes and try again."


def _sign_in(client, email, password="wrong", ip="10.0.0.1"):
    return client.post("/auth/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})  # fmt: skip


def _reset(client, email, ip="10.0.0.1"):
    return client.post("/auth/reset", data={"email": email}, environ_base={"REMOTE_ADDR": ip})


@pytest.mark.parametrize("email", ["a@x.kr", "ghost@x.kr"])
def test_sign_in_locks_after_five_failures_alike_for_known_and_unknown_emails(client, world, email):
    assert [_sign_in(client, email).status_code for _ in range(6)] == [401] * 5 + [429]
    assert LOCKED in _sign_in(client, email, "correct horse battery").get_data(as_text=True)


@pytest.mark.parametrize("email", ["a@x.kr", "ghost@x.kr"])
def test_reset_requests_stop_after_three_alike_for_known_and_unknown_emails(client, world, email):
    answers = [_reset(client, email) for _ in range(4)]
    assert [r.status_code for r in answers] == [302, 302, 302, 429]
    assert TOO_MANY in answers[-1].get_data(as_text=True)
    assert _reset(client, "b@x.kr").status_code == 302  # another e-mail is not held up


def test_one_address_gets_thirty_tries_of_either_kind(client, world):
    for i in range(27):
        assert _sign_in(client, f"u{i}@x.kr", ip="10.9.9.9").status_code == 401
    for i in range(3):
        assert _reset(client, f"r{i}@x.kr", ip="10.9.9.9").status_code == 302
    assert _reset(client, "fresh@x.kr", ip="10.9.9.9").status_code == 429
    assert _sign_in(client, "a@x.kr", "correct horse battery", ip="10.9.9.9").status_code == 429
    assert _sign_in(client, "a@x.kr", "correct horse battery", ip="10.0.0.2").status_code == 302


# --- 5. an id swapped in every URL and form --------------------------------------------------

# Who asks, and the objects that are not theirs, by the kind of id in the URL. Manager A
# manages factory A only; the coordinator coordinates park P, the other coordinator park Q.
FOREIGN = {
    "manager_a": {"factories": ["B", "C"], "listings": ["lb", "lc"], "runs": ["rp", "rq"],
                  "proposals": ["pb", "pq"], "tokens": ["manager_b", "coordinator"]},
    "coordinator": {"factories": ["C", "E"], "listings": ["lc", "le"], "runs": ["rq"],
                    "proposals": ["pq"], "tokens": ["manager_a", "other_coordinator"]},
    "other_coordinator": {"factories": ["A", "D"], "listings": ["la", "ld"], "runs": ["rp"],
                          "proposals": ["pa", "pb"], "tokens": ["coordinator"]},
}  # fmt: skip


def _foreign_ids(scene, who: str, rule: Rule) -> list[dict[str, int]]:
    """Each way to fill the rule's ids with objects `who` may not touch."""
    names = int_args(rule)
    unknown = [n for n in names if n not in ID_KINDS]
    assert not unknown, f"{rule.rule}: add {unknown} to ID_KINDS and FOREIGN"
    found = []
    for n in range(max(len(FOREIGN[who][ID_KINDS[name]]) for name in names)):
        found.append({name: _object(scene, ID_KINDS[name], FOREIGN[who][ID_KINDS[name]], n).id
                      for name in names})  # fmt: skip
    return found


def _object(scene, kind: str, keys: list[str], n: int):
    return getattr(scene, kind)[keys[min(n, len(keys) - 1)]]


def test_an_id_swapped_in_any_url_is_refused(app, client, world, scene, session):
    before, refused, wrong = snapshot(session), 0, []
    for who in FOREIGN:
        sign_in(client, getattr(world, who))
        for method in ("GET", "POST"):
            for rule in routes(app, method, with_ids=True):
                for ids in _foreign_ids(scene, who, rule):
                    for url in urls(app, rule, ids):
                        data = _post_data() if method == "POST" else None
                        status = client.open(url, method=method, data=data).status_code
                        refused += 1
                        if status not in (403, 404):
                            wrong.append(f"{who} {method} {url}: {status}")
    assert wrong == []
    assert snapshot(session) == before
    assert refused >= 100  # the enumeration found the app's routes, not nothing


def test_every_form_field_that_carries_an_id_is_checked_below(app):
    """A new one fails here until a test like those below checks it."""
    carry_ids = {(form, name) for form, name, field in form_fields()
                 if field.field_class is HiddenField or name.endswith("_id")
                 or (field.field_class is SelectField and field.kwargs.get("coerce") is int)}  # fmt: skip
    # RefusalForm.back: test_decisions.test_the_back_field_of_a_refusal_only_chooses_between_two_pages
    assert carry_ids == {("InviteForm", "factory"), ("DecisionForm", "back"), ("RefusalForm", "back"),
                         ("ConfirmImportForm", "token"), ("WasteNameForm", "name")}


def test_an_import_token_confirms_only_its_users_preview_of_its_factory(client, world, session):
    """ConfirmImportForm.token: another user's or another factory's token saves nothing
    (more in test_import_flow.py)."""
    from exchange.services import import_drafts
    from exchange.services.sheets import ReadSheet

    folder = import_drafts.drafts_folder(client.application.config, client.application.instance_path)
    read = ReadSheet(rows=[{"_line": 2, "kind": "offer", "material": "fgd-gypsum",
                            "tonnes_per_month": "1"}])  # fmt: skip
    token = import_drafts.save_draft(folder=folder, factory_id=world.factory_a.id,
                                     user_id=world.manager_b.id, read=read, filename="x.csv")  # fmt: skip
    before = snapshot(session)
    sign_in(client, world.manager_a)
    with client.session_transaction() as s:
        s["imports"] = {str(world.factory_a.id): token}
    response = client.post(f"/factories/{world.factory_a.id}/import/confirm", data={"token": token})
    assert response.status_code == 302 and snapshot(session) == before
    import_drafts.drop_draft(folder=folder, token=token)


def test_a_waste_name_is_remembered_only_for_the_park_of_a_factory_one_manages(client, world,
                                                                                 session):  # fmt: skip
    """WasteNameForm.name is a name, not an id; the park is the factory's, checked first."""
    before = snapshot(session)
    sign_in(client, world.manager_b)
    response = client.post(f"/factories/{world.factory_a.id}/import/names",
                           data={"name": "공정오니", "material": "fgd-gypsum"})  # fmt: skip
    assert response.status_code in (403, 404) and snapshot(session) == before


def test_an_invitation_for_a_factory_of_another_park_is_refused(client, world, scene, session):
    sign_in(client, world.coordinator)
    before = snapshot(session)
    response = client.post("/coordination/invite", data={
        "email": "new@x.kr", "role": "manager", "factory": str(scene.factories["C"].id)})  # fmt: skip
    assert response.status_code == 422
    assert "Choose the factory this manager will look after." in response.get_data(as_text=True)
    assert snapshot(session) == before


def test_decision_back_field_only_chooses_between_two_pages_of_the_park(client, world, scene):
    sign_in(client, world.coordinator)
    pb = scene.proposals["pb"]
    for back, goes_to in [("run", f"/coordination/runs/{pb.run_id}#proposal-{pb.id}"),
                          ("https://evil.example/", f"/coordination/proposals/{pb.id}"),
                          (str(scene.runs["rq"].id), f"/coordination/proposals/{pb.id}")]:  # fmt: skip
        response = client.post(f"/coordination/proposals/{pb.id}/suspend", data={"back": back})
        assert response.status_code in (302, 409)
        if response.status_code == 302:
            assert response.headers["Location"] == goes_to


def test_a_park_in_the_query_is_ignored_for_a_coordinator(client, world, scene, session):
    """Only an admin picks the park with ?park=; a coordinator always gets their own."""
    sign_in(client, world.coordinator)
    q = world.other_park.id
    listed = client.get(f"/coordination/factories?park={q}").get_data(as_text=True)
    assert "Factory A" in listed and "Factory C" not in listed
    client.post(f"/factories/new?park={q}", data={"name": "New plant", "lat": "37.3",
                                                   "lon": "126.7", "modes": "truck"})  # fmt: skip
    [made] = [f for f in session.exec(select(Factory)).all() if f.name == "New plant"]
    assert made.park_id == world.park.id


def test_ids_slipped_into_a_factory_form_are_ignored(client, world, scene, session):
    sign_in(client, world.manager_a)
    a = scene.factories["A"]
    response = client.post(f"/factories/{a.id}/edit", data={
        "name": "Renamed", "lat": "37.3", "lon": "126.7", "modes": "truck",
        "id": str(scene.factories["C"].id), "park_id": str(world.other_park.id)})  # fmt: skip
    assert response.status_code == 302
    session.expire_all()
    stored, c = session.get(type(a), a.id), session.get(type(a), scene.factories["C"].id)
    assert (stored.name, stored.park_id, c.name) == ("Renamed", world.park.id, "Factory C")


# --- 6. user input shown escaped -------------------------------------------------------------

# Every page that shows a factory's or park's name, a listing's description, a person's name,
# a comment or an invitation, by who may see it.
EVIL_PAGES = {
    "admin": ["/factories/{A}", "/factories/{A}/edit", "/factories/listings/{la}",
              "/factories/listings/{la}/edit", "/coordination/?park={P}",
              "/coordination/factories?park={P}", "/coordination/invite?park={P}",
              "/coordination/runs?park={P}", "/coordination/runs/{rp}",
              "/coordination/proposals/{pa}", "/admin/", "/factories/{A}/report"],
    "manager_a": ["/exchanges/", "/exchanges/{pa}", "/auth/profile"],
    "anonymous": ["/", "/parks/{slug}"],
}  # fmt: skip


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_a_script_typed_anywhere_is_shown_as_text_on_every_page(
    client, world, scene, session, lang
):
    make_it_evil(session, world, scene)
    ids = {"A": scene.factories["A"].id, "la": scene.listings["la"].id, "P": world.park.id,
           "rp": scene.runs["rp"].id, "pa": scene.proposals["pa"].id, "slug": world.park.slug}  # fmt: skip
    shown = {}
    for who, pages in EVIL_PAGES.items():
        sign_in(client, None if who == "anonymous" else getattr(world, who))
        for page in pages:
            response = client.get(page.format(**ids) + ("&" if "?" in page else "?") + f"lang={lang}")
            html = response.get_data(as_text=True)
            assert response.status_code == 200, page
            assert EVIL not in html, page
            shown[page] = EVIL_SHOWN in html
    assert shown == dict.fromkeys(shown, True)  # each page did show the text, escaped


def test_the_pdf_report_takes_a_script_in_a_name_as_text(client, world, scene, session):
    make_it_evil(session, world, scene)
    sign_in(client, world.manager_a)
    response = client.get(f"/factories/{scene.factories['A'].id}/report?format=pdf")
    assert (response.status_code, response.mimetype) == (200, "application/pdf")


def test_markup_is_trusted_only_where_it_was_built_escaped():
    """`| safe` and Markup() skip escaping. The SVG charts and network escape every text they
    draw (the page test above puts a script in the names they show); a new place fails here."""
    root = Path(__file__).resolve().parents[2]
    files = [*root.glob("templates/**/*.html"), *root.glob("exchange/**/*.py")]
    places = Counter(
        str(path.relative_to(root))
        for path in files
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r"\|\s*safe\b|Markup\(|autoescape\s+false", line)
    )
    # and two links built from url_for() and our own translations, put into a translated sentence;
    # reasons.py: `say` (our own translated sentence, every value escaped) and `link` (a link
    # whose href and text are both escaped by Markup.format), naming takers in the run's reasons
    assert places == {"templates/public/park.html": 3, "exchange/coordination/run_page.py": 1,
                      "exchange/coordination/reasons.py": 2,
                      "templates/api/docs.html": 1, "templates/auth/_tokens.html": 1}  # fmt: skip


def test_sheets_never_carry_a_formula_out(client, world, scene, session):
    """A description typed as a formula leaves as text (CSV injection) and comes back intact."""
    from openpyxl import load_workbook

    formula = '=HYPERLINK("http://evil.example","click")'
    la = scene.listings["la"]
    la.description = formula
    session.add(la)
    session.commit()
    sign_in(client, world.manager_a)
    a = scene.factories["A"].id
    exported = client.get(f"/factories/{a}/export.csv").data
    assert b"'=HYPERLINK" in exported
    book = load_workbook(BytesIO(client.get(f"/factories/{a}/export.xlsx").data))
    [cell] = [c for row in book.active.iter_rows() for c in row if c.value == formula]
    assert cell.data_type == "s"
    # imported back (by id: the same listings), the description reads as it was stored
    preview = client.post(f"/factories/{a}/import", data={"sheet": (BytesIO(exported), "b.csv")})
    html = preview.get_data(as_text=True)
    assert "Update 0" in html and "Error 0" in html
    descriptions = [x.description for x in session.exec(select(Listing)).all()]
    assert descriptions.count(formula) == 1


# --- 7. uploads ------------------------------------------------------------------------------


def test_every_upload_field_is_one_this_list_checks():
    """The import form is the only upload; a new FileField fails here until it is tested."""
    uploads = {(form, name) for form, name, field in form_fields()
               if issubclass(field.field_class, FileField)}  # fmt: skip
    assert uploads == {("ImportForm", "sheet")}


def test_every_post_route_refuses_a_body_over_the_limit(strict_app, world, scene):
    strict_app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    client = strict_app.test_client()
    sign_in(client, world.manager_a)
    ids = _own_ids(scene)
    big = b"comment=" + b"x" * (1024 * 1024)
    for rule in routes(strict_app, "POST"):
        for url in urls(strict_app, rule, ids):
            # bytes, not a file: the test client would spool a file to disk and leave it open
            response = client.post(url, data=big, content_type="application/x-www-form-urlencoded")
            assert response.status_code == 413, url
            assert "The file is larger than 1 MB" in response.get_data(as_text=True), url


@pytest.mark.parametrize(("name", "content"), [
    ("virus.exe", b"MZ\x90\x00"), ("report.pdf", b"%PDF-1.4"), ("page.html", b"<script>x</script>"),
    ("fake.xlsx", b"PK\x03\x04 not a zip"), ("binary.csv", b"kind,material\x00\x01"),
])  # fmt: skip
def test_an_upload_of_the_wrong_type_is_refused_with_a_message(client, world, scene, session,
                                                               name, content):  # fmt: skip
    sign_in(client, world.manager_a)
    response = client.post(f"/factories/{scene.factories['A'].id}/import",
                           data={"sheet": (BytesIO(content), name)})  # fmt: skip
    assert response.status_code == 422
    assert "The file is not a sheet: upload a .csv or .xlsx file." in response.get_data(
        as_text=True
    )
    assert len(session.exec(select(Listing)).all()) == 5  # the scene's, no more
