"""Migrations that move data: down and up again on a park with a history gives it back."""

from __future__ import annotations

from datetime import date

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from exchange import create_app, migrate
from exchange.db import make_engine
from exchange.seed import load_demo


def test_notifications_learn_their_exchange_from_their_link(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}", "SECRET_KEY": "test",
                      "TESTING": True})  # fmt: skip
    migrate.upgrade(app)
    engine = app.extensions["db_engine"]
    with app.test_request_context(), Session(engine) as s:
        load_demo(session=s, history=True, today=date(2026, 11, 20))
        s.commit()
    migrate.downgrade(app, "2a8017b450e6")  # before notifications knew their exchange
    migrate.upgrade(app)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT link, proposal_id FROM notification")).all()
    engine.dispose()
    assert len(rows) == 42  # the demo's approvals and activations, to both managers
    assert all(link == f"/exchanges/{proposal_id}" for link, proposal_id in rows)


def test_the_migrations_build_what_the_models_declare(database_url):
    """Autogenerate finds nothing to do on a database built by the migrations alone (SQLite by
    default; PostgreSQL when DATABASE_URL says so): a model changed without its migration, or a
    migration that differs from its model (a type, a column, an index, a constraint), fails here."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()
