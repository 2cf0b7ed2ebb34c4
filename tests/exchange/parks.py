"""A synthetic park written straight into the database: thousands of listings in a second.

Few materials and factories a few km apart, so nearly every offer may feed nearly every
want of its material and a match run has millions of arcs to weigh. Listings go in with
one bulk INSERT (no audit rows: the generator is no user); the same seed gives the same
park, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import random

from sqlalchemy import insert
from sqlmodel import Session

from exchange.models import Factory, Listing, ListingKind, ListingStatus, Park, utcnow

# Catalogue materials with both a disposal and a virgin-avoided factor: every arc is worth it.
MATERIALS = ("fgd-gypsum", "coal-fly-ash", "steel-slag")
# Sihwa-Banwol: about 15 km by 11 km.
SOUTH, NORTH, WEST, EAST = 37.28, 37.38, 126.66, 126.84


def make_park(
    session: Session,
    *,
    offers: int,
    wants: int,
    factories: int = 400,
    materials: tuple[str, ...] = MATERIALS,
    seed: int = 1,
    slug: str = "synthetic",
) -> Park:
    """A park of `factories` factories holding `offers` offers and `wants` wants (flushed).

    Offers carry 10-200 t a month, wants 5-150 t, so about a third of the offered tonnes
    find no room and the run has unmatched offers to explain.
    """
    rng = random.Random(seed)
    park = Park(slug=slug, name_ko=f"합성 {slug}", name_en=f"Synthetic {slug}")
    session.add(park)
    session.flush()
    plants = [
        Factory(park_id=park.id, slug=f"f{i:04d}", name=f"Factory {i}", name_en=f"Factory {i}",
                lat=round(rng.uniform(SOUTH, NORTH), 5), lon=round(rng.uniform(WEST, EAST), 5))
        for i in range(factories)
    ]  # fmt: skip
    session.add_all(plants)
    session.flush()
    now = utcnow()
    rows = [
        _listing(rng.choice(plants).id, ListingKind.offer, rng.choice(materials),
                 float(rng.randint(10, 200)), now)
        for _ in range(offers)
    ] + [
        _listing(rng.choice(plants).id, ListingKind.want, rng.choice(materials),
                 float(rng.randint(5, 150)), now)
        for _ in range(wants)
    ]  # fmt: skip
    if rows:
        session.execute(insert(Listing), rows)
    session.flush()
    return park


def _listing(factory_id: int, kind: str, material: str, tonnes: float, now) -> dict:
    return {
        "factory_id": factory_id, "kind": kind, "status": ListingStatus.active,
        "material_key": material, "accepts": material if kind == ListingKind.want else "",
        "description": "", "tonnes_per_month": tonnes, "steadiness": "continuous",
        "hazardous": False, "properties": {}, "requirements": {}, "show_name": False,
        "version": 1, "created_at": now, "updated_at": now,
    }  # fmt: skip
