"""Flask commands: db-upgrade, check, create-user, seed-demo, worker, export-park, import-park."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlmodel import select

from exchange import db, migrate
from exchange.models import Factory, Park, Role


def init_app(app: Flask) -> None:
    for command in (db_upgrade, db_revision, check, create_park, create_user, create_token,
                    seed_demo, worker, export_park, import_park):  # fmt: skip
        app.cli.add_command(command)


@click.command("db-upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Apply the Alembic migrations to the configured database."""
    migrate.upgrade(current_app._get_current_object())
    click.echo("database is at the newest schema")


@click.command("db-revision")
@with_appcontext
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    migrate.revision(current_app._get_current_object(), message)


@click.command("check")
@click.option(
    "--gunicorn-config", default="gunicorn.conf.py", show_default=True,
    type=click.Path(dir_okay=False), help="the gunicorn settings whose workers count",
)  # fmt: skip
@with_appcontext
def check(gunicorn_config: str) -> None:
    """Print what is misconfigured for production; exit status 1 if anything is."""
    from exchange.checks import run_checks

    findings = run_checks(current_app._get_current_object(), gunicorn_config=Path(gunicorn_config))
    for level, message in findings:
        click.echo(f"{level}: {message}")
    if any(level != "note" for level, _ in findings):
        raise SystemExit(1)
    click.echo("ok: ready for production")


@click.command("create-park")
@click.option("--slug", required=True, help="short name used in URLs, e.g. changwon")
@click.option("--name-ko", required=True)
@click.option("--name-en", required=True)
@click.option("--region", default="")
@click.option("--esg-supplier-share", type=click.FloatRange(0, 100), default=50.0, show_default=True,
              help="per cent of an exchange's CO2e saving its supplier claims in ESG reports "
                   "(the receiver claims the rest)")  # fmt: skip
@click.option("--time-zone", default="Asia/Seoul", show_default=True,
              help="IANA zone: the park's today, months and permit validity are taken in it")
@with_appcontext
def create_park(slug, name_ko, name_en, region, esg_supplier_share, time_zone) -> None:
    """Create a park; then add its coordinator with create-user --role coordinator --park SLUG."""
    from exchange.park_calendar import valid_time_zone

    if not valid_time_zone(time_zone):
        raise click.BadParameter(f"{time_zone!r} is not an IANA time zone such as Asia/Seoul",
                                 param_hint="--time-zone")  # fmt: skip
    with db.session_scope() as s:
        if s.exec(select(Park).where(Park.slug == slug)).first() is not None:
            raise click.UsageError(f"a park with slug {slug!r} exists already")
        s.add(Park(slug=slug, name_ko=name_ko, name_en=name_en, region=region,
                   esg_supplier_share=esg_supplier_share, time_zone=time_zone))  # fmt: skip
    click.echo(f"created park {slug}")


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--park", "park_slug", help="park slug (coordinators)")
@click.option(
    "--factory", "factory_slugs", multiple=True, help="factory slug (managers); repeatable"
)
@click.password_option()
def create_user(email, name, role, park_slug, factory_slugs, password) -> None:
    """Create an account from the shell."""
    from exchange.services import users

    with db.session_scope() as s:
        park = s.exec(select(Park).where(Park.slug == park_slug)).first() if park_slug else None
        if park_slug and park is None:
            raise click.BadParameter(f"no park with slug {park_slug!r}", param_hint="--park")
        factories = []
        for slug in factory_slugs:
            query = select(Factory).where(Factory.slug == slug)
            if park is not None:
                query = query.where(Factory.park_id == park.id)
            factory = s.exec(query).first()
            if factory is None:
                raise click.BadParameter(f"no factory with slug {slug!r}", param_hint="--factory")
            factories.append(factory)
        try:
            user = users.create_user(session=s, email=email, name=name, role=Role(role),
                                     password=password, park=park, factories=factories)  # fmt: skip
        except users.AccountError as error:
            raise click.UsageError(str(error)) from None
        click.echo(f"created {user.role} {user.email}")


@click.command("create-token")
@with_appcontext
@click.argument("email")
@click.option("--name", required=True, help="what the token is for, e.g. 'ERP of Banwol Plating'")
@click.option("--read-only", is_flag=True, help="the token may read but not change anything")
@click.option("--days", type=click.IntRange(1, 3650), help="expires after N days (default never)")
def create_token(email: str, name: str, read_only: bool, days: int | None) -> None:
    """Print a new API token for the user with EMAIL (for setting up a park's integrations).

    The token is printed once, alone on stdout, and only its hash is kept."""
    from exchange.services import api_tokens, users

    name = name.strip()
    if not name or len(name) > 80:
        raise click.BadParameter(f"{name!r}: 1 to 80 characters", param_hint="--name")
    with db.session_scope() as s:
        user = users.find_user(session=s, email=email)
        if user is None or not user.is_active:
            raise click.BadParameter(f"no active user with e-mail {email!r}", param_hint="EMAIL")
        token, secret = api_tokens.create_token(session=s, user=user, name=name, days=days,
                                                read_only=read_only)  # fmt: skip
        access = "read-only" if read_only else "read and write"
        expires = f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if days else "never expires"
    click.echo(f"token {name!r} for {user.email} ({access}, {expires}):", err=True)
    click.echo(secret)


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load the demo park (idempotent) and print its accounts."""
    import json

    from exchange.seed import DEMO_FILE, load_demo

    with db.session_scope() as s:
        added = load_demo(session=s, history=True)
    click.echo(f"demo park: {added['factories']} factories; added {added['users']} users, "
               f"{added['listings']} listings, {added['exchanges']} running exchanges")  # fmt: skip
    accounts = json.loads(DEMO_FILE.read_text(encoding="utf-8"))["users"]
    click.echo("demo accounts (e-mail / password):")
    for account in accounts[:4]:
        click.echo(f"  {account['role']:<12} {account['email']:<28} {account['password']}")
    if len(accounts) > 4:
        click.echo(f"  ... and {len(accounts) - 4} more managers with the same password")


@click.command("worker")
@click.option("--once", is_flag=True, help="execute at most one queued run, then stop")
@click.option("--poll", default=1.0, show_default=True, help="seconds between looks at the queue")
@with_appcontext
def worker(once: bool, poll: float) -> None:
    """Execute queued match runs (run one or more beside the web server)."""
    import logging

    from exchange import worker as run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = current_app._get_current_object()
    if once:
        run_worker.work_once(app, run_worker.worker_name())
        return
    click.echo(f"worker {run_worker.worker_name()} waiting for match runs (Ctrl-C stops it)")
    try:
        run_worker.work_forever(app, poll_s=poll)
    except KeyboardInterrupt:
        pass


@click.command("export-park")
@click.argument("slug")
@click.option(
    "-o", "--output", type=click.Path(path_type=Path),
    help="FILE (gzipped if it ends .gz) or a folder for park-SLUG-DATE.json.gz; stdout if left out",
)  # fmt: skip
@with_appcontext
def export_park(slug: str, output: Path | None) -> None:
    """Write a park's whole data, its users' password hashes included: keep the file secret."""
    from exchange.park_calendar import park_today
    from exchange.services import backups

    with db.snapshot_session() as s:
        park = s.exec(select(Park).where(Park.slug == slug)).first()
        if park is None:
            raise click.BadParameter(f"no park with slug {slug!r}", param_hint="SLUG")
        try:
            data = backups.export_park(session=s, park=park)
        except backups.BackupError as error:
            raise click.ClickException(str(error)) from None
    if output is None:
        click.echo(backups.dumps(data), nl=False)  # bytes go out as they are
        return
    if output.is_dir():
        output = output / f"park-{slug}-{park_today(park):%Y-%m-%d}.json.gz"
    backups.save(data, output)
    counts = {name: len(rows) for name, rows in data["tables"].items()}
    click.echo(f"wrote {output}: {_counted(counts)}", err=True)


@click.command("import-park")
@click.argument("file", type=click.File("rb"))
@with_appcontext
def import_park(file) -> None:
    """Add a park from an export-park file; nothing is added if anything is refused."""
    from sqlalchemy.exc import IntegrityError

    from exchange.services import backups

    try:
        data = backups.loads(file.read())
        with db.session_scope() as s:
            done = backups.import_park(session=s, data=data)
    except backups.BackupError as error:
        raise click.ClickException(f"{file.name}: {error}") from None
    except IntegrityError as error:  # e.g. a field the file lacks and the table needs
        raise click.ClickException(f"{file.name}: the database refused it: {error.orig}") from None
    click.echo(f"imported park {done['park']}: {_counted(done['counts'])}")
    if done["unknown_people"]:
        click.echo("not in this database, so their part in the history shows nobody: "
                   + ", ".join(done["unknown_people"]))  # fmt: skip


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in counts.items() if name != "park")
