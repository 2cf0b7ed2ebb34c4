"""What the waste names in a park's files mean: asked once, remembered for the park."""

from __future__ import annotations

from sqlmodel import Session, select

from exchange import catalogue
from exchange.models import ParkWasteName, User
from exchange.services.field_reader import folded


def park_waste_names(*, session: Session, park_id: int) -> dict[str, str]:
    """Folded name -> material key, for every name the park's people have explained."""
    rows = session.exec(select(ParkWasteName).where(ParkWasteName.park_id == park_id))
    return {row.name: row.material_key for row in rows}


def remember_waste_name(
    *, session: Session, park_id: int, name: str, material_key: str, user: User
) -> ParkWasteName:
    """Record (or correct) what `name` means; flush, never commit. Raises ValueError for a
    blank name or a material the catalogue does not have."""
    key = folded(name)[:200]
    if not key or catalogue.load().get(material_key) is None:
        raise ValueError(name)
    row = session.exec(select(ParkWasteName).where(ParkWasteName.park_id == park_id,
                                                   ParkWasteName.name == key)).first()  # fmt: skip
    row = row or ParkWasteName(park_id=park_id, name=key, material_key=material_key)
    row.material_key, row.user_id = material_key, user.id
    session.add(row)
    session.flush()
    return row
