"""The shell commands: create-user and the idempotent demo park."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from exchange.models import Factory, FactoryManager, Listing, Park, User


def _count(session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def test_seed_demo_is_idempotent(app, session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "coordinator@demo.park" in first.output
    counts = [_count(session, m) for m in (Park, Factory, User, Listing)]
    assert counts[0] == 1
    assert 25 <= counts[1] <= 40
    assert 60 <= counts[3] <= 100
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "added 0 users, 0 listings" in second.output
    assert [_count(session, m) for m in (Park, Factory, User, Listing)] == counts


def test_create_user_from_the_shell(app, session, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "--email", "New@X.kr", "--role", "manager",
                                 "--park", "sihwa", "--factory", "fa", "--password", "a long password"])  # fmt: skip
    assert result.exit_code == 0, result.output
    user = session.exec(select(User).where(User.email == "new@x.kr")).one()
    links = session.exec(select(FactoryManager).where(FactoryManager.user_id == user.id)).all()
    assert [link.factory_id for link in links] == [world.factory_a.id]
    again = runner.invoke(
        args=["create-user", "--email", "new@x.kr", "--role", "admin", "--password", "x"]
    )
    assert again.exit_code != 0 and "exists already" in again.output
    bad = runner.invoke(args=["create-user", "--email", "c@x.kr", "--role", "manager",
                              "--factory", "nope", "--password", "x"])  # fmt: skip
    assert bad.exit_code != 0 and "no factory with slug 'nope'" in bad.output


def test_create_park_from_the_shell(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-park", "--slug", "changwon", "--name-ko", "창원국가산단",
                                 "--name-en", "Changwon National Industrial Complex"])  # fmt: skip
    assert result.exit_code == 0, result.output
    park = session.exec(select(Park).where(Park.slug == "changwon")).one()
    assert park.name_ko == "창원국가산단"
    again = runner.invoke(
        args=["create-park", "--slug", "changwon", "--name-ko", "x", "--name-en", "x"]
    )
    assert again.exit_code != 0 and "exists already" in again.output
