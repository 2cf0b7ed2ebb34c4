"""The exchange's tables. Behaviour lives in services/, not here."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
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
    recycling = "recycling"
    treatment = "treatment"
    other = "other"


class Park(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=80)
    name_ko: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    region: str = Field(default="", max_length=200)
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
    created_at: datetime = Field(default_factory=utcnow)


class Permit(SQLModel, table=True):
    """A hazardous-waste licence: what the matcher's `hazardous_permit` stands for."""

    id: int | None = Field(default=None, primary_key=True)
    factory_id: int = Field(foreign_key="factory.id", index=True)
    number: str = Field(max_length=80)
    kind: str = Field(default="", max_length=80)
    expires: date | None = None


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True, max_length=254)
    name: str = Field(default="", max_length=120)
    password_hash: str = Field(default="", max_length=255)
    role: str = Field(default=Role.manager, max_length=20)
    park_id: int | None = Field(default=None, foreign_key="park.id", index=True)
    is_active: bool = True
    locale: str | None = Field(default=None, max_length=5)
    created_at: datetime = Field(default_factory=utcnow)

    # Flask-Login's user protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


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
    hazardous: bool = False
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
