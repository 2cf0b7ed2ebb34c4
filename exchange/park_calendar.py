"""The park's calendar: "today", "this month" and month boundaries in the park's own time zone.

Timestamps are stored in UTC (`models.utcnow`); every date a person reads or types (a permit's
validity, a delivery month, a report period, the month a run is for, whether a month has closed
for publication) is taken in the park's zone, `Park.time_zone` (IANA name, default
`Asia/Seoul`). A server running in UTC would otherwise see 00:30 on the 1st in Seoul as the
last day of the month before.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "Asia/Seoul"

__all__ = [
    "DEFAULT_TIME_ZONE",
    "add_months",
    "month_closed",
    "month_start",
    "next_month",
    "park_now",
    "park_today",
    "park_zone",
    "valid_time_zone",
]


def valid_time_zone(name: str) -> bool:
    """True when `name` is an IANA zone this machine knows (tzdata), e.g. ``Asia/Seoul``."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def park_zone(park=None) -> ZoneInfo:
    """The park's zone; `park` is a `Park` (or anything with `time_zone`), or None for the default."""
    return ZoneInfo(getattr(park, "time_zone", None) or DEFAULT_TIME_ZONE)


def park_now(park=None, now: datetime | None = None) -> datetime:
    """The aware local time in the park's zone. `now` (aware, or naive UTC as stored) for tests."""
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(park_zone(park))


def park_today(park=None, now: datetime | None = None) -> date:
    """Today's date in the park's zone."""
    return park_now(park, now).date()


def month_start(day: date) -> date:
    """The first day of `day`'s month."""
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s month (negative goes back)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def next_month(park=None, now: datetime | None = None) -> date:
    """The first day of next month in the park's zone: the default month a match run is for."""
    return add_months(park_today(park, now), 1)


def month_closed(month: date, park=None, now: datetime | None = None) -> bool:
    """True once the month of `month` has ended in the park's zone (it may then be published)."""
    return add_months(month, 1) <= park_today(park, now)
