"""App fixtures: one migrated database per test session, emptied after every test.

SQLite in a temporary folder by default; PostgreSQL when DATABASE_URL says so (CI runs both).
A database that cannot be reached fails the run: it is never skipped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from exchange import create_app, migrate
from exchange.db import make_engine
from exchange.models import Factory, Park, Permit, Role, User
from exchange.services import users


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Argon2 at its production cost takes most of a second a hash; tests need no such cost."""
    from argon2 import PasswordHasher

    from exchange import security

    original = security._hasher
    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    security._hasher = original


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
    return migrated(url)


def migrated(url: str) -> str:
    """The database at `url` built by the migrations from nothing (PostgreSQL: its public
    schema dropped first)."""
    if not url.startswith("sqlite"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True})
    migrate.upgrade(app)
    app.extensions["db_engine"].dispose()
    return url


def app_on(url: str):
    """A test app on `url`; the database is emptied when the test is over."""
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "test",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "BABEL_DEFAULT_LOCALE": "en",
            "PUBLIC_OVERVIEW_SECONDS": 0,
        }
    )
    yield app
    engine = app.extensions["db_engine"]
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    for app in app_on(database_url):
        app.config["IMPORT_DRAFTS"] = str(tmp_path / "imports")  # import previews kept here
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    with Session(app.extensions["db_engine"], expire_on_commit=False) as s:
        yield s


@dataclass
class World:
    """Two parks; factories A and B in park 1, C in park 2; one person in every role."""

    park: Park
    other_park: Park
    factory_a: Factory
    factory_b: Factory
    factory_c: Factory
    manager_a: User
    manager_b: User
    coordinator: User
    other_coordinator: User
    admin: User


def _factory(s: Session, park: Park, slug: str, name: str, lat: float, lon: float) -> Factory:
    f = Factory(park_id=park.id, slug=slug, name=name, name_en=name, lat=lat, lon=lon,
                industry_en="Plating", industry_ko="도금업", ksic="25921")  # fmt: skip
    s.add(f)
    s.flush()
    return f


@pytest.fixture
def world(app, session) -> World:
    with app.app_context():
        park = Park(slug="sihwa", name_ko="시화", name_en="Sihwa")
        other = Park(slug="ulsan", name_ko="울산", name_en="Ulsan")
        session.add_all([park, other])
        session.flush()
        a = _factory(session, park, "fa", "Factory A", 37.31, 126.79)
        b = _factory(session, park, "fb", "Factory B", 37.34, 126.72)
        c = _factory(session, other, "fc", "Factory C", 35.50, 129.38)
        session.add(Permit(factory_id=b.id, number="P-1", kind="designated"))
        pw = "correct horse battery"  # only manager A signs in with it: argon2 is slow on purpose
        w = World(
            park=park, other_park=other, factory_a=a, factory_b=b, factory_c=c,
            manager_a=users.create_user(session=session, email="a@x.kr", name="Manager A",
                                        role=Role.manager, password=pw, factories=[a]),
            manager_b=users.create_user(session=session, email="b@x.kr", name="Manager B",
                                        role=Role.manager, password="", factories=[b]),
            coordinator=users.create_user(session=session, email="coord@x.kr", name="Coord",
                                          role=Role.coordinator, password="", park=park),
            other_coordinator=users.create_user(session=session, email="coord2@x.kr",
                                                name="Coord 2", role=Role.coordinator,
                                                password="", park=other),
            admin=users.create_user(session=session, email="admin@x.kr", name="Admin",
                                    role=Role.admin, password=""),
        )  # fmt: skip
        session.commit()
    return w


def sign_in(client, user: User | None) -> None:
    """Sign in without the password round trip (argon2 is slow on purpose)."""
    with client.session_transaction() as sess:
        sess.clear()
        if user is not None:
            sess["_user_id"] = user.get_id()
            sess["_fresh"] = True
        sess["lang"] = "en"


@pytest.fixture
def outbox(app, monkeypatch) -> list:
    """Mail goes to an SMTP server that keeps every message in this list."""
    sent: list = []

    class KeepingSMTP:
        def __init__(self, host, port, timeout):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, message):
            sent.append(message)

    monkeypatch.setattr("exchange.mail.smtplib.SMTP", KeepingSMTP)
    app.config["MAIL_SERVER"] = "mail.example:2525"
    return sent
