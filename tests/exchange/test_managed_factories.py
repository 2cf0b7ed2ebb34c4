"""A manager's factories are asked for once a request, and asked again after any write."""

from __future__ import annotations

from sqlalchemy import event

from exchange.models import FactoryManager
from exchange.services.access import managed_factory_ids


def _counting(session) -> list[str]:
    statements: list[str] = []
    event.listen(session.get_bind(), "before_cursor_execute",
                 lambda _c, _cur, sql, *_a: statements.append(sql))  # fmt: skip
    return statements


def test_asked_once_until_the_session_writes(world, session):
    statements = _counting(session)
    a, b = world.factory_a.id, world.factory_b.id
    assert managed_factory_ids(session=session, user=world.manager_a) == {a}
    assert managed_factory_ids(session=session, user=world.manager_a) == {a}
    assert managed_factory_ids(session=session, user=world.manager_b) == {b}
    assert sum(s.startswith("SELECT factorymanager") for s in statements) == 2

    session.add(FactoryManager(user_id=world.manager_a.id, factory_id=b))
    session.flush()
    assert managed_factory_ids(session=session, user=world.manager_a) == {a, b}
    session.rollback()
    assert managed_factory_ids(session=session, user=world.manager_a) == {a}
    assert sum(s.startswith("SELECT factorymanager") for s in statements) == 4


def test_a_caller_cannot_change_what_is_kept(world, session):
    managed_factory_ids(session=session, user=world.manager_a).add(world.factory_c.id)
    assert managed_factory_ids(session=session, user=world.manager_a) == {world.factory_a.id}
