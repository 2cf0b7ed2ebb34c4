"""export-park / import-park: the demo park with its history comes back equal, on new ids."""

from __future__ import annotations

import gzip
import json
from datetime import date

import pytest
from sqlalchemy import func, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, select

from exchange.db import make_engine
from exchange.models import (
    Delivery,
    Factory,
    Listing,
    MatchRun,
    Notification,
    Park,
    Proposal,
    User,
)
from exchange.park_calendar import park_today
from exchange.seed import load_demo
from exchange.services import backups, results
from exchange.services.listing_input import parse_listing
from exchange.services.listings import create_listing
from exchange.services.problems import listing_id
from tests.exchange.conftest import app_on, migrated
from tests.exchange.parks import make_park

TODAY = date(2026, 11, 25)
SLUG = "sihwa-banwol"


@pytest.fixture(scope="session")
def restore_url(database_url, tmp_path_factory) -> str:
    """A second database, empty and migrated: a SQLite file beside the first, or on
    PostgreSQL the first one's name + "_restore" on the same server (created if missing)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return migrated("sqlite:///" + str(tmp_path_factory.mktemp("restore") / "restore.db"))
    restore = url.set(database=f"{url.database}_restore")
    engine = make_engine(database_url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                             {"name": restore.database}).first()  # fmt: skip
        if found is None:
            conn.execute(text(f'CREATE DATABASE "{restore.database}"'))
    engine.dispose()
    return migrated(restore.render_as_string(hide_password=False))


@pytest.fixture
def restore_app(restore_url):
    yield from app_on(restore_url)


@pytest.fixture
def restored(restore_app):
    with Session(restore_app.extensions["db_engine"], expire_on_commit=False) as s:
        yield s


@pytest.fixture
def demo(app, session) -> Park:
    """The demo park with its seeded history: one run, twelve running exchanges, deliveries."""
    with app.app_context():
        load_demo(session=session, history=True, today=TODAY)
        session.commit()
    return session.exec(select(Park).where(Park.slug == SLUG)).one()


def _export(session: Session, slug: str = SLUG) -> bytes:
    park = session.exec(select(Park).where(Park.slug == slug)).one()
    return backups.dumps(backups.export_park(session=session, park=park))


def _count(session: Session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_every_table_is_exported_or_said_why_not():
    names = [m.__table__.name for m in backups.TABLES]
    assert set(SQLModel.metadata.tables) == set(names) | {
        m.__table__.name for m in backups.NOT_PARK_DATA
    }
    for n, model in enumerate(backups.TABLES):  # a row's references are imported before it
        for key in model.__table__.foreign_keys:
            assert key.column.table.name in names[: n + 1], (model, key)


def test_the_demo_park_comes_back_equal(session, demo, restore_app, restored):
    first = _export(session)
    assert _export(session) == first  # the same data, the same bytes
    done = backups.import_park(session=restored, data=json.loads(first))
    restored.commit()
    counts = done["counts"]
    assert {k: counts[k] for k in ("park", "factory", "listing", "matchrun", "delivery")} == {
        "park": 1, "factory": 36, "listing": 84, "matchrun": 1, "delivery": 12 * 6,
    }  # fmt: skip
    assert counts["proposalevent"] == 12 * 3  # approved, then accepted by both sides
    # the source holds only the demo park: every row of every table is the park's
    assert counts == {m.__table__.name: _count(session, m) for m in backups.TABLES}
    assert done["unknown_people"] == []
    assert _export(restored) == first


def test_after_a_restore_people_sign_in_and_the_figures_are_the_same(
    app, session, demo, restore_app, restored
):
    from exchange.services import api_tokens

    coordinator = session.exec(select(User).where(User.email == "coordinator@demo.park")).one()
    _, secret = api_tokens.create_token(session=session, user=coordinator, name="dashboard")
    session.commit()
    backups.import_park(session=restored, data=backups.export_park(session=session, park=demo))
    restored.commit()
    client = restore_app.test_client()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert (me.status_code, me.get_json()["email"]) == (200, "coordinator@demo.park")
    wrong = client.post("/auth/login", data={"email": "coordinator@demo.park", "password": "x"})
    assert wrong.status_code == 401
    ok = client.post(
        "/auth/login", data={"email": "coordinator@demo.park", "password": "demo-coordinator"}
    )
    assert ok.status_code == 302 and "/auth/login" not in ok.headers["Location"]

    figures = []
    for a in (app, restore_app):
        results._cache.clear()  # keyed by park id and data version: both alike here
        figures.append(a.test_client().get(f"/api/v1/summary?park={SLUG}").get_json())
    assert figures[0] == figures[1]
    delivered = sum(d.tonnes for d in session.exec(select(Delivery)))
    assert figures[1]["parks"][0]["delivered"]["since_start"]["tonnes"] == round(delivered, 3)


def test_new_rows_get_new_ids_after_a_restore(session, demo, restore_app, restored):
    """PostgreSQL's sequences must have moved past the imported ids."""
    backups.import_park(session=restored, data=backups.export_park(session=session, park=demo))
    restored.commit()
    last = restored.exec(select(func.max(Listing.id))).one()
    factory = restored.exec(select(Factory).order_by(Factory.id)).first()
    with restore_app.app_context():
        listing = create_listing(session=restored, factory=factory, user=None, listing_in=parse_listing(
            {"kind": "offer", "material": "fgd-gypsum", "tonnes_per_month": "10"}))  # fmt: skip
        park = Park(slug="changwon", name_ko="창원", name_en="Changwon")
        restored.add(park)
        restored.commit()
    assert listing.id == last + 1
    assert park.id == restored.exec(select(func.max(Park.id))).one()


def _described(session: Session, slug: str) -> dict[str, list]:
    """The park's history told by factory slugs and materials, never by ids."""
    park = session.exec(select(Park).where(Park.slug == slug)).one()
    where = {x.id: (f.slug, x.material_key) for x, f in session.exec(
        select(Listing, Factory).join(Factory).where(Factory.park_id == park.id))}  # fmt: skip
    proposals = {p.id: (where[p.offer_id], where[p.want_id], p.tonnes_per_month, p.status)
                 for p in session.exec(select(Proposal).where(Proposal.park_id == park.id))}  # fmt: skip
    run = session.exec(select(MatchRun).where(MatchRun.park_id == park.id)).one()
    links = [proposals[int(n.link.rsplit("/", 1)[1])] for n in session.exec(
        select(Notification).join(User).where(User.park_id == park.id).order_by(Notification.id))]  # fmt: skip
    return {
        "proposals": sorted(proposals.values()),
        "problem": [where[listing_id(s["id"])] for s in run.problem["sources"] + run.problem["sinks"]],
        "plan": [(where[listing_id(e["source"])], where[listing_id(e["sink"])], e["tonnes"])
                 for e in run.plan["exchanges"]],
        "versions": sorted((where[int(k)], v) for k, v in run.listing_versions.items()),
        "notified": links,
    }  # fmt: skip


def test_a_park_moves_into_a_server_with_other_parks(session, demo, restore_app, restored):
    with restore_app.app_context():
        other = make_park(restored, offers=30, wants=30, factories=10, slug="ulsan")
        run = MatchRun(park_id=other.id, status="done")
        restored.add(run)
        restored.flush()
        offer, want = restored.exec(select(Listing.id).order_by(Listing.id).limit(2)).all()
        restored.add(Proposal(run_id=run.id, park_id=other.id, offer_id=offer, want_id=want,
                              offer_version=1, want_version=1, material_key="fgd-gypsum",
                              tonnes_per_month=1, mode="truck", km=1, transport_kg_co2e=0,
                              disposal_avoided_kg_co2e=0, virgin_avoided_kg_co2e=0,
                              net_saved_kg_co2e=0))  # fmt: skip
        restored.commit()
    first = _export(session)
    backups.import_park(session=restored, data=json.loads(first))
    restored.commit()
    moved = restored.exec(select(Park).where(Park.slug == SLUG)).one()
    assert moved.id != demo.id  # the ids did change ...
    assert _export(restored) == first  # ... and everything points where it pointed
    assert _described(restored, SLUG) == _described(session, SLUG)
    assert len(_described(restored, SLUG)["notified"]) == 42
    assert _count(restored, Listing) == 60 + 84


def test_people_outside_the_park_are_named_by_e_mail(app, session, world, restore_app, restored):
    """The small park: factories A and B, their managers, the coordinator; the admin, who
    belongs to no park, queued a run that asked for one listing."""
    with app.app_context():
        offer = create_listing(session=session, factory=world.factory_b, user=world.manager_b,
                               listing_in=parse_listing({"kind": "offer", "material": "fgd-gypsum",
                                                         "tonnes_per_month": "12.5"}))  # fmt: skip
        session.add(MatchRun(park_id=world.park.id, created_by_id=world.admin.id,
                             options={"listing_ids": [offer.id]}))  # fmt: skip
        session.commit()
    data = backups.export_park(session=session, park=world.park)
    tables = data["tables"]
    assert [f["slug"] for f in tables["factory"]] == ["fa", "fb"]
    assert tables["permit"] == [
        {"id": 1, "factory_id": 2, "number": "P-1", "kind": "designated", "expires": None}
    ]
    assert [u["email"] for u in tables["user"]] == ["a@x.kr", "b@x.kr", "coord@x.kr"]
    assert tables["factorymanager"] == [{"user_id": 1, "factory_id": 1},
                                        {"user_id": 2, "factory_id": 2}]  # fmt: skip
    assert [(c["listing_id"], c["user_id"]) for c in tables["listingchange"]] == [(1, 2)]
    run = tables["matchrun"][0]
    assert (run["created_by_id"], run["options"]) == ({"email": "admin@x.kr"}, {"listing_ids": [1]})

    with restore_app.app_context():  # a listing here already: the imported one's id moves
        make_park(restored, offers=2, wants=0, factories=1, slug="other")
        restored.commit()
    done = backups.import_park(session=restored, data=json.loads(json.dumps(data)))
    restored.commit()
    assert done["unknown_people"] == ["admin@x.kr"]
    run = restored.exec(select(MatchRun)).one()
    listing = restored.exec(select(Listing).order_by(Listing.id.desc())).first()
    assert run.created_by_id is None
    assert run.options == {"listing_ids": [listing.id]} != {"listing_ids": [1]}
    assert restored.get(Factory, listing.factory_id).slug == "fb"


def test_an_import_that_is_refused_adds_nothing(
    app, session, demo, restore_app, restored, tmp_path
):
    data = backups.export_park(session=session, park=demo)
    with pytest.raises(
        backups.BackupError, match="format is 'exchange-park/2'; .* reads exchange-park/1"
    ):
        backups.import_park(session=restored, data={**data, "format": "exchange-park/2"})
    with pytest.raises(backups.BackupError, match="not a park export"):
        backups.loads(b"<html>")
    with pytest.raises(backups.BackupError, match="not a park export"):
        backups.loads(gzip.compress(b"{")[:-4])

    bad = json.loads(json.dumps(data))
    bad["tables"]["proposal"][-1]["offer_id"] = 9999  # found only after most rows went in
    path = tmp_path / "bad.json"
    path.write_bytes(backups.dumps(bad))
    result = restore_app.test_cli_runner().invoke(args=["import-park", str(path)])
    assert result.exit_code == 1
    assert "proposal.offer_id refers to listing 9999, which is not in the file" in result.output
    assert [_count(restored, m) for m in (Park, User, Listing)] == [0, 0, 0]

    restored.add(User(email="manager7@demo.park", role="admin"))
    restored.commit()
    with pytest.raises(backups.BackupError, match="e-mails exist already in this database: "
                                                  "manager7@demo.park$"):  # fmt: skip
        backups.import_park(session=restored, data=data)
    restored.rollback()
    restored.exec(User.__table__.delete())
    restored.commit()
    backups.import_park(session=restored, data=data)
    restored.commit()
    with pytest.raises(backups.BackupError, match="slug 'sihwa-banwol' exists already"):
        backups.import_park(session=restored, data=data)


def test_the_shell_commands_round_trip(app, demo, restore_app, tmp_path):
    runner = app.test_cli_runner()
    to_stdout = runner.invoke(args=["export-park", SLUG])
    assert to_stdout.exit_code == 0
    assert json.loads(to_stdout.stdout_bytes)["format"] == "exchange-park/1"
    gz = tmp_path / "park.json.gz"
    written = runner.invoke(args=["export-park", SLUG, "-o", str(gz)])
    assert written.exit_code == 0, written.output
    assert f"wrote {gz}: factory 36, permit" in written.stderr
    assert gzip.decompress(gz.read_bytes()) == to_stdout.stdout_bytes
    folder = runner.invoke(args=["export-park", SLUG, "-o", str(tmp_path)])
    dated = tmp_path / f"park-{SLUG}-{park_today():%Y-%m-%d}.json.gz"  # the park's date (Seoul)
    assert folder.exit_code == 0 and dated.read_bytes() == gz.read_bytes()  # gzip without a time
    missing = runner.invoke(args=["export-park", "nowhere"])
    assert missing.exit_code == 2 and "no park with slug 'nowhere'" in missing.output

    back = restore_app.test_cli_runner()
    imported = back.invoke(args=["import-park", str(gz)])
    assert imported.exit_code == 0, imported.output
    assert imported.output.startswith(f"imported park {SLUG}: factory 36, permit 3, user 18,")
    assert back.invoke(args=["export-park", SLUG]).stdout_bytes == to_stdout.stdout_bytes
    again = back.invoke(args=["import-park", str(gz)])
    assert again.exit_code == 1
    assert f"{gz}: a park with slug '{SLUG}' exists already" in again.output
