"""The exchange's tables. Behaviour lives in services/, not here."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Aware UTC: SQLModel stores datetimes with their zone; pages show them in Seoul time."""
    return datetime.now(UTC)


class Role(StrEnum):
    manager = "manager"
    coordinator = "coordinator"
    admin = "admin"


class ListingKind(StrEnum):
    offer = "offer"
    want = "want"


class ListingStatus(StrEnum):
    active = "active"
    paused = "paused"
    withdrawn = "withdrawn"


class Steadiness(StrEnum):
    continuous = "continuous"
    monthly_batches = "monthly-batches"
    one_off = "one-off"


class DisposalRoute(StrEnum):
    landfill = "landfill"
    incineration = "incineration"
    energy_recovery = "energy_recovery"  # incineration with energy recovery
    recycling = "recycling"
    treatment = "treatment"
    other = "other"


class Park(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("esg_supplier_share >= 0 AND esg_supplier_share <= 100",
                        name="ck_park_esg_supplier_share"),
    )  # fmt: skip
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=80)
    name_ko: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    region: str = Field(default="", max_length=200)
    # IANA zone of the park's calendar (exchange.park_calendar): today, months, permit validity
    time_zone: str = Field(default="Asia/Seoul", max_length=64)
    # the per cent of an exchange's net CO2e saving its supplier claims in an ESG report (the
    # receiver claims the rest, so a saving is never counted twice); 50 unless the park decides
    esg_supplier_share: float = Field(default=50.0)
    created_at: datetime = Field(default_factory=utcnow)


class Factory(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("park_id", "slug"),)
    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id", index=True)
    slug: str = Field(max_length=80)
    name: str = Field(max_length=200)
    name_en: str = Field(default="", max_length=200)
    brn: str = Field(default="", max_length=20)  # business registration number
    ksic: str = Field(default="", max_length=10)
    industry_ko: str = Field(default="", max_length=120)
    industry_en: str = Field(default="", max_length=120)
    address: str = Field(default="", max_length=300)
    lat: float
    lon: float
    modes: str = Field(default="truck", max_length=100)  # space-separated transport modes
    show_name: bool = False  # may other factories see the name before a match is approved
    # may the public figures show what is this factory's alone (a figure it dominates)? A
    # choice apart from show_name: a name shown is not tonnes agreed to
    publish_figures: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Permit(SQLModel, table=True):
    """A hazardous-waste licence: what the matcher's `hazardous_permit` stands for."""

    id: int | None = Field(default=None, primary_key=True)
    factory_id: int = Field(foreign_key="factory.id", index=True)
    number: str = Field(max_length=80)
    kind: str = Field(default="", max_length=80)
    expires: date | None = None


def password_fingerprint(user_id: int | None, password_hash: str) -> str:
    """A digest of the password hash, never the hash itself: sessions and reset links carry it
    where anyone holding them can read it."""
    return hashlib.sha256(f"{user_id}:{password_hash}".encode()).hexdigest()[:32]


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True, max_length=254)
    name: str = Field(default="", max_length=120)
    password_hash: str = Field(default="", max_length=255)
    role: str = Field(default=Role.manager, max_length=20)
    park_id: int | None = Field(default=None, foreign_key="park.id", index=True)
    is_active: bool = True
    locale: str | None = Field(default=None, max_length=5)
    # moved on by signing out and by a new password: every session made before stops working
    session_epoch: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    created_at: datetime = Field(default_factory=utcnow)

    # Flask-Login's user protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The id and a fingerprint of the password and the session epoch, checked on every
        request: a new password or a sign-out ends every session made before it."""
        held = f"{self.password_hash}#{self.session_epoch or 0}"
        return f"{self.id}.{password_fingerprint(self.id, held)}"


class FactoryManager(SQLModel, table=True):
    """Which users manage which factories (a manager may have several)."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    factory_id: int = Field(foreign_key="factory.id", primary_key=True)


class Invitation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, max_length=254)
    name: str = Field(default="", max_length=120)
    role: str = Field(max_length=20)
    park_id: int | None = Field(default=None, foreign_key="park.id")
    factory_id: int | None = Field(default=None, foreign_key="factory.id")
    token_hash: str = Field(unique=True, max_length=64)
    invited_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    accepted_at: datetime | None = None


class Listing(SQLModel, table=True):
    """An offer (a by-product or waste stream) or a want (materials a factory can take in)."""

    id: int | None = Field(default=None, primary_key=True)
    factory_id: int = Field(foreign_key="factory.id", index=True)
    kind: str = Field(max_length=10, index=True)
    status: str = Field(default=ListingStatus.active, max_length=12, index=True)
    material_key: str = Field(max_length=60, index=True)  # a want's first accepted material
    accepts: str = Field(default="", max_length=1000)  # want: space-separated material keys
    description: str = Field(default="", max_length=2000)
    tonnes_per_month: float
    steadiness: str = Field(default=Steadiness.continuous, max_length=20)
    available_from: date | None = None
    available_until: date | None = None
    # a one-off lot entered as its total: tonnes_per_month is then the total spread evenly over
    # the calendar months its dates touch (services.listing_input.lot_months)
    lot_tonnes: float | None = None
    hazardous: bool = False
    # an offer of a mirror-entry material declared non-hazardous: the analysis that shows it
    analysis_report_no: str = Field(default="", max_length=80)
    analysis_report_date: date | None = None
    properties: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    requirements: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    disposal_route: str | None = Field(default=None, max_length=20)
    disposal_cost_krw_per_t: float | None = None
    disposal_kg_co2e_per_t: float | None = None  # blank: the catalogue's default
    avoided_kg_co2e_per_t: float | None = None  # blank: the catalogue's default
    max_km: float | None = None
    show_name: bool = False
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ListingChange(SQLModel, table=True):
    """Every change to a listing: who, when, what, and the whole listing as it then stood."""

    id: int | None = Field(default=None, primary_key=True)
    listing_id: int = Field(foreign_key="listing.id", index=True)
    version: int
    user_id: int | None = Field(default=None, foreign_key="user.id")
    at: datetime = Field(default_factory=utcnow)
    action: str = Field(max_length=20)
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class RunStatus(StrEnum):
    queued = "queued"
    building = "building"
    solving = "solving"
    storing = "storing"
    done = "done"
    failed = "failed"


class ProposalStatus(StrEnum):
    """An exchange's life: proposed by a run, decided by the coordinator, agreed by both sides."""

    proposed = "proposed"
    rejected = "rejected"  # by the coordinator
    approved = "approved"  # by the coordinator: waiting for both factories
    declined = "declined"  # by one of the factories
    active = "active"  # both factories accepted
    suspended = "suspended"
    ended = "ended"
    superseded = "superseded"  # a later run replaced this undecided proposal


class MatchRun(SQLModel, table=True):
    """One run of the matcher over a park: the exact problem it solved and the plan it got."""

    __table_args__ = (
        # at most one run of a park queued or under way, whoever clicks at the same moment
        Index("ux_matchrun_busy_park", "park_id", unique=True,
              sqlite_where=text("status IN ('queued', 'building', 'solving', 'storing')"),
              postgresql_where=text("status IN ('queued', 'building', 'solving', 'storing')")),
    )  # fmt: skip
    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id", index=True)
    status: str = Field(default=RunStatus.queued, max_length=12, index=True)
    message: str = Field(default="", max_length=2000)  # progress or the reason it failed
    options: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    problem: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    plan: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    listing_versions: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    baseline_kg_co2e: float | None = None
    objective_kg_co2e: float | None = None
    saved_kg_co2e: float | None = None
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    heartbeat_at: datetime | None = None
    finished_at: datetime | None = None
    worker: str = Field(default="", max_length=120)
    retry_of_id: int | None = Field(default=None, foreign_key="matchrun.id")
    # the month the run plans for (its first day, in the park's zone); None: runs from before
    month: date | None = None
    # what the page tells beside the plan: {"conflicts": [...], "unavailable": [...],
    # "summary": {...}} (services.problems.RunNotes, services.runs.store_plan)
    notes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class Proposal(SQLModel, table=True):
    """An exchange the matcher proposed: from an offer to a want, and everything after."""

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="matchrun.id", index=True)
    park_id: int = Field(foreign_key="park.id", index=True)
    offer_id: int = Field(foreign_key="listing.id", index=True)
    want_id: int = Field(foreign_key="listing.id", index=True)
    offer_version: int
    want_version: int
    material_key: str = Field(max_length=60)
    tonnes_per_month: float
    mode: str = Field(max_length=20)
    km: float
    transport_kg_co2e: float
    disposal_avoided_kg_co2e: float
    virgin_avoided_kg_co2e: float
    net_saved_kg_co2e: float
    status: str = Field(default=ProposalStatus.proposed, max_length=12, index=True)
    offer_accepted_at: datetime | None = None
    want_accepted_at: datetime | None = None
    # a listing was taken below what this exchange carries, and its manager confirmed it
    needs_attention: bool = False
    # a rejected or declined pair: "not now" is proposed again after `refused_until` (a month's
    # first day); "never" (or a refusal from before this rule) stays out until a coordinator
    # lifts the ban (`ban_lifted_at`, logged with who and why)
    refusal: str = Field(default="", max_length=10)
    refused_until: date | None = None
    ban_lifted_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ProposalEvent(SQLModel, table=True):
    """Every step of a proposal: who, when, from which state to which, and why."""

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    at: datetime = Field(default_factory=utcnow)
    action: str = Field(max_length=20)
    from_status: str = Field(max_length=12)
    to_status: str = Field(max_length=12)
    comment: str = Field(default="", max_length=2000)


class UnmatchedOffer(SQLModel, table=True):
    """An offer a run left (partly) unmatched, with the reason and what decided it."""

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="matchrun.id", index=True)
    offer_id: int = Field(foreign_key="listing.id")
    tonnes_per_month: float
    reason: str = Field(max_length=30)
    # the matcher's facts behind the reason; None for a plan stored before it gave them
    detail: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class Delivery(SQLModel, table=True):
    """Tonnes an active exchange delivered in one month: what the public figures count."""

    __table_args__ = (UniqueConstraint("proposal_id", "month"),)
    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    month: date  # the first day of the month
    tonnes: float
    note: str = Field(default="", max_length=500)  # why the month differs from the agreed
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id")
    recorded_at: datetime = Field(default_factory=utcnow)


class Notification(SQLModel, table=True):
    """What happened (`text`, a key the page puts into words) and to which exchange."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    text: str = Field(max_length=500)
    link: str = Field(default="", max_length=300)
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id")
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None


class ParkWasteName(SQLModel, table=True):
    """A waste's name as a park's files give it (Allbaro's legal names) that someone of the
    park said is a catalogue material: asked once, then used by every import of the park."""

    __table_args__ = (UniqueConstraint("park_id", "name", name="uq_parkwastename_park_name"),)
    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id", index=True)
    name: str = Field(max_length=200)  # folded (services.field_reader.folded)
    material_key: str = Field(max_length=60)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class LoginAttempt(SQLModel, table=True):
    """One sign-in try, kept a day: the lock-out must hold across every gunicorn worker.

    The e-mail is stored as a SHA-256 of its normal form: unknown addresses count too,
    and the table holds nobody's address in the clear.
    """

    __table_args__ = (
        Index("ix_loginattempt_email_at", "email_hash", "at"),
        Index("ix_loginattempt_ip_at", "ip", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    email_hash: str = Field(max_length=64)
    ip: str = Field(default="", max_length=45)
    at: datetime = Field(default_factory=utcnow, index=True)
    succeeded: bool = False


class ApiToken(SQLModel, table=True):
    """A personal token for /api/v1: it acts as its user, with that user's role and no more.

    Only a SHA-256 of the secret is kept (the secret is 256 random bits, so no slow hash is
    needed); `prefix` is what the profile page shows to tell tokens apart.
    """

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(max_length=80)
    token_hash: str = Field(unique=True, max_length=64)
    prefix: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    # a read-only token may only GET: a dashboard's token cannot change listings if it leaks
    read_only: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
