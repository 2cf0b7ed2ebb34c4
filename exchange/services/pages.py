"""Pagination of any select, the same on every list page."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select


@dataclass(frozen=True)
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(*, session: Session, query, page: int, per_page: int) -> Page:
    total = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    items = list(session.exec(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)
