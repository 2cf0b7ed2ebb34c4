"""A park's whole data as one file, `exchange-park/1`, and back into a database.

The file numbers each table's rows 1, 2, 3 ... in the order of their ids and refers to rows
by those numbers; an import takes whatever ids the database hands out and renumbers every
reference, the ids inside JSON too (`offer-12` in a run's problem, plan and unmatched
reasons, a run's listing versions, a notification's link). So two exports of the same data
are byte-identical, and a park can move into a server that already holds other parks.

Not exported: `loginattempt`. Sign-in tries are the server's defence against guessing, kept a
day and keyed by a hash of whatever e-mail was typed and the caller's address: they belong to
no park, and a restored park starts without lock-outs. The members' API tokens are exported
(as hashes, like the passwords), so a restored park's programs keep working.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Table, insert, or_, update
from sqlmodel import Session, SQLModel, col, select

from exchange.models import (
    ApiToken,
    Delivery,
    Factory,
    FactoryManager,
    Invitation,
    Listing,
    ListingChange,
    LoginAttempt,
    MatchRun,
    Notification,
    Park,
    ParkWasteName,
    Permit,
    Proposal,
    ProposalEvent,
    UnmatchedOffer,
    User,
)
from exchange.services.users import normalise_email

FORMAT = "exchange-park/1"
# in an order where every row's references come before it (a run's retry_of excepted)
TABLES: tuple[type[SQLModel], ...] = (
    Park, Factory, Permit, User, ParkWasteName, FactoryManager, Invitation, Listing, ListingChange,
    MatchRun, Proposal, ProposalEvent, UnmatchedOffer, Delivery, Notification, ApiToken,
)  # fmt: skip
NOT_PARK_DATA: tuple[type[SQLModel], ...] = (LoginAttempt,)


class BackupError(ValueError):
    """A file that cannot be imported, or a park that cannot be exported; the message says
    why and names the table, row or field."""


def export_park(*, session: Session, park: Park) -> dict[str, Any]:
    """The park and everything tied to it, with file-local numbers instead of ids.

    People outside the park (an administrator who recorded a delivery) are referred to by
    e-mail: `{"email": ...}`."""
    filters = _row_filters(park.id)
    numbers: dict[str, dict[int, int]] = {}
    tables: dict[str, list[dict[str, Any]]] = {}
    outsiders: dict[int, str] = {}
    for model in TABLES:
        table = model.__table__
        rows = session.execute(
            select(table).where(filters[table.name]).order_by(*table.primary_key.columns)
        ).mappings().all()  # fmt: skip
        if "id" in table.c:
            numbers[table.name] = {row["id"]: n for n, row in enumerate(rows, 1)}
        tables[table.name] = [_export_row(session, table, row, numbers, outsiders) for row in rows]
    return {"format": FORMAT, "park": park.slug, "tables": tables}


def _row_filters(park_id: int) -> dict[str, Any]:
    """Which rows of each table are the park's: subqueries, so no id list grows too long."""
    factories = select(Factory.id).where(Factory.park_id == park_id)
    listings = select(Listing.id).where(col(Listing.factory_id).in_(factories))
    proposals = select(Proposal.id).where(Proposal.park_id == park_id)
    managers = select(FactoryManager.user_id).where(col(FactoryManager.factory_id).in_(factories))
    members = select(User.id).where(or_(User.park_id == park_id, col(User.id).in_(managers)))
    return {
        "park": Park.id == park_id,
        "factory": Factory.park_id == park_id,
        "permit": col(Permit.factory_id).in_(factories),
        "user": col(User.id).in_(members),
        "parkwastename": ParkWasteName.park_id == park_id,
        "factorymanager": col(FactoryManager.factory_id).in_(factories),
        "invitation": or_(Invitation.park_id == park_id, col(Invitation.factory_id).in_(factories)),
        "listing": col(Listing.factory_id).in_(factories),
        "listingchange": col(ListingChange.listing_id).in_(listings),
        "matchrun": MatchRun.park_id == park_id,
        "proposal": Proposal.park_id == park_id,
        "proposalevent": col(ProposalEvent.proposal_id).in_(proposals),
        "unmatchedoffer": col(UnmatchedOffer.run_id).in_(
            select(MatchRun.id).where(MatchRun.park_id == park_id)
        ),
        "delivery": col(Delivery.proposal_id).in_(proposals),
        "notification": col(Notification.user_id).in_(members),
        "apitoken": col(ApiToken.user_id).in_(members),
    }


def _export_row(session, table: Table, row, numbers, outsiders) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in table.c:
        value = row[column.name]
        if value is None:
            pass
        elif column.name == "id":
            value = numbers[table.name][value]
        elif column.foreign_keys:
            value = _export_reference(session, column, value, numbers, outsiders)
        elif isinstance(value, date):
            value = value.isoformat()
        out[column.name] = value
    return _relabel(table.name, out, numbers)


def _export_reference(session, column: Column, value: int, numbers, outsiders):
    target = _target(column)
    if value in numbers.get(target, {}):
        return numbers[target][value]
    if target == "user":
        if value not in outsiders:
            outsiders[value] = session.get(User, value).email
        return {"email": outsiders[value]}
    if column.nullable:
        return None  # e.g. a member's home park is another park
    raise BackupError(f"{column.table.name}.{column.name} refers to {target} {value}, "
                      "which is not the park's")  # fmt: skip


def _target(column: Column) -> str:
    return next(iter(column.foreign_keys)).column.table.name


def import_park(*, session: Session, data: Any) -> dict[str, Any]:
    """Add the park of an export to this database under new ids; flushes, never commits.

    Refused, with nothing added, when the file is not `exchange-park/1`, when the park's slug
    or any of its users' e-mails exists already here. References to people outside the park
    go to the account with that e-mail here, or to nobody (listed in `unknown_people`)."""
    tables = _checked_tables(data)
    _refuse_taken(session=session, tables=tables)
    ids: dict[str, dict[int, int]] = {}
    unknown: set[str] = set()
    counts: dict[str, int] = {}
    for model in TABLES:
        table = model.__table__
        rows = [
            _import_row(session, table, row, ids, unknown) for row in tables.get(table.name, [])
        ]
        counts[table.name] = len(rows)
        _insert(session, table, rows, ids)
    session.flush()
    return {"park": tables["park"][0]["slug"], "counts": counts, "unknown_people": sorted(unknown)}


def _checked_tables(data: Any) -> dict[str, list[dict[str, Any]]]:
    if not isinstance(data, dict) or "format" not in data:
        raise BackupError(f"this is not a park export: it has no format (expected {FORMAT})")
    if data["format"] != FORMAT:
        raise BackupError(f"the file's format is {data['format']!r}; "
                          f"this version of the exchange reads {FORMAT} only")  # fmt: skip
    tables = data.get("tables")
    known = {model.__table__.name: model.__table__ for model in TABLES}
    if not isinstance(tables, dict) or len(tables.get("park") or []) != 1:
        raise BackupError("the file has no park: tables.park must hold exactly one row")
    for name, rows in tables.items():
        if name not in known:
            raise BackupError(f"the file has a table {name!r} that this version does not know")
        for n, row in enumerate(rows, 1):
            _check_row(known[name], n, row)
    return tables


def _check_row(table: Table, n: int, row: Any) -> None:
    if not isinstance(row, dict):
        raise BackupError(f"{table.name} row {n} is not an object")
    extra = set(row) - set(table.c.keys())
    if extra:
        raise BackupError(f"{table.name} row {n}: unknown field {sorted(extra)[0]!r}")
    if "id" in table.c and not isinstance(row.get("id"), int):
        raise BackupError(f"{table.name} row {n}: id must be a whole number")


def _refuse_taken(*, session: Session, tables: dict[str, list[dict[str, Any]]]) -> None:
    """Checked before anything is added, so the message names every clash at once."""
    slug = tables["park"][0]["slug"]
    if session.exec(select(Park.id).where(Park.slug == slug)).first() is not None:
        raise BackupError(f"a park with slug {slug!r} exists already in this database")
    emails = [normalise_email(u["email"]) for u in tables.get("user", [])]
    taken = session.exec(select(User.email).where(col(User.email).in_(emails))).all()
    if taken:
        raise BackupError("users with these e-mails exist already in this database: "
                          + ", ".join(sorted(taken)))  # fmt: skip
    hashes = [i["token_hash"] for i in tables.get("invitation", [])]
    if session.exec(select(Invitation.id).where(col(Invitation.token_hash).in_(hashes))).first():
        raise BackupError("an invitation link of this park is in this database already")


def _import_row(session, table: Table, raw: dict, ids, unknown: set[str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name, value in raw.items():
        column = table.c[name]
        if value is None or name == "id" or _target_is(column, table.name):
            pass  # a run's retry_of is set once the runs have their ids
        elif column.foreign_keys:
            value = _import_reference(session, column, value, ids, unknown)
        elif _python_type(column) is datetime:
            value = datetime.fromisoformat(value)
        elif _python_type(column) is date:
            value = date.fromisoformat(value)
        row[name] = value
    try:
        return _relabel(table.name, row, ids)
    except KeyError as missing:
        raise BackupError(f"{table.name} row {raw.get('id')}: refers to {missing}, "
                          "which is not in the file") from None  # fmt: skip


def _python_type(column: Column) -> type:
    return getattr(column.type, "impl_instance", column.type).python_type


def _target_is(column: Column, name: str) -> bool:
    return bool(column.foreign_keys) and _target(column) == name


def _import_reference(session, column: Column, value, ids, unknown: set[str]) -> int | None:
    target = _target(column)
    if isinstance(value, dict):
        if target != "user" or not isinstance(value.get("email"), str):
            raise BackupError(f"{column.table.name}.{column.name}: {value!r} is not a reference")
        found = session.exec(select(User.id).where(User.email == value["email"])).first()
        if found is None:
            unknown.add(value["email"])
        return found
    if value not in ids.get(target, {}):
        raise BackupError(f"{column.table.name}.{column.name} refers to {target} {value}, "
                          "which is not in the file")  # fmt: skip
    return ids[target][value]


def _insert(session: Session, table: Table, rows: list[dict[str, Any]], ids) -> None:
    """One INSERT for a table's rows; the ids the database gives come back in their order."""
    if not rows:
        ids.setdefault(table.name, {})
        return
    if "id" not in table.c:
        session.execute(insert(table), rows)
        return
    local = [row.pop("id") for row in rows]
    own = [c.name for c in table.c if _target_is(c, table.name)]
    later = [{name: row.pop(name, None) for name in own} for row in rows]
    new = session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
    ).scalars().all()  # fmt: skip
    ids[table.name] = dict(zip(local, new, strict=True))
    for row_id, refs in zip(new, later, strict=True):
        values = {name: ids[table.name][v] for name, v in refs.items() if v is not None}
        if values:
            session.execute(update(table).where(table.c.id == row_id).values(**values))


# Ids inside JSON and text: which table's numbering each column's ids follow.
_SITE = re.compile(r"(offer|want)-(\d+)")
_EXCHANGE_LINK = re.compile(r"/exchanges/(\d+)")


def _sites(value: Any, ids) -> Any:
    """`offer-12` and `want-7` anywhere in a problem, plan or reason: listing ids."""
    if isinstance(value, dict):
        return {_sites(k, ids): _sites(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_sites(v, ids) for v in value]
    if isinstance(value, str) and (match := _SITE.fullmatch(value)):
        return f"{match[1]}-{ids['listing'][int(match[2])]}"
    return value


def _versions(value: dict, ids) -> dict:
    return {str(ids["listing"][int(k)]): v for k, v in value.items()}


def _options(value: dict, ids) -> dict:
    if not value.get("listing_ids"):
        return value
    return {**value, "listing_ids": [ids["listing"][i] for i in value["listing_ids"]]}


def _link(value: str, ids) -> str:
    match = _EXCHANGE_LINK.fullmatch(value)
    return f"/exchanges/{ids['proposal'][int(match[1])]}" if match else value


_RELABELLED: dict[str, dict[str, Callable[[Any, Any], Any]]] = {
    "matchrun": {"problem": _sites, "plan": _sites, "listing_versions": _versions,
                 "options": _options},
    "unmatchedoffer": {"detail": _sites},
    "notification": {"link": _link},
}  # fmt: skip


def _relabel(table: str, row: dict[str, Any], ids) -> dict[str, Any]:
    for name, relabel in _RELABELLED.get(table, {}).items():
        if row.get(name) is not None:
            row[name] = relabel(row[name], ids)
    return row


def dumps(data: dict[str, Any], *, gzipped: bool = False) -> bytes:
    """The file's bytes: the same data always gives the same bytes (gzip without a time)."""
    raw = (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    return gzip.compress(raw, mtime=0) if gzipped else raw


def loads(raw: bytes) -> dict[str, Any]:
    """Read an export, gzipped or not (told by its first bytes, whatever the file's name)."""
    try:
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        return json.loads(raw.decode("utf-8"))
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as error:
        raise BackupError(f"this is not a park export: {error}") from None


def save(data: dict[str, Any], path: Path) -> None:
    """Write next to `path`, then rename: the file is whole or absent (gzip if it ends .gz)."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(dumps(data, gzipped=path.name.endswith(".gz")))
    partial.replace(path)
