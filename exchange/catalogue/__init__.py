"""The material catalogue shipped with the app: names, waste codes and default factors.

Data lives in `materials.json` (our catalogue, every figure with its source) and
`ewc-codes.json` (the EU List of Waste, OGL v3.0). Both are read once per process.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Factor:
    kg_co2e_per_t: float
    source: str
    basis: str = ""
    estimate: bool = False


@dataclass(frozen=True)
class Material:
    key: str
    en: str
    ko: str
    group: str
    hazardous: bool
    ewc: tuple[str, ...]
    kr: tuple[str, ...]
    aliases: tuple[str, ...]
    disposal: Factor | None
    virgin_avoided: Factor | None
    replaces_en: str = ""
    replaces_ko: str = ""
    typical_properties: tuple[str, ...] = ()
    note: str = ""
    # What the waste codes say, one of HAZARDS: "absolute" (an absolute hazardous entry of
    # the EU List of Waste, or a Korean designated waste whatever its content: hazardous on
    # every listing), "mirror" (a mirror entry: hazardous unless an analysis shows otherwise)
    # or "none". The listing rules read `hazard`; `hazardous` is the catalogue's flag for
    # a material usually hazardous in practice (its first Korean code a designated one).
    hazard: str = "none"

    def name(self, locale: str) -> str:
        return self.ko if locale == "ko" else self.en

    def replaces(self, locale: str) -> str:
        return self.replaces_ko if locale == "ko" else self.replaces_en


@dataclass(frozen=True)
class Property:
    key: str
    en: str
    ko: str
    unit: str
    min: float | None = None
    max: float | None = None

    def name(self, locale: str) -> str:
        return self.ko if locale == "ko" else self.en


@dataclass(frozen=True)
class Catalogue:
    materials: dict[str, Material]
    properties: dict[str, Property]
    groups: dict[str, dict[str, str]]
    sources: dict[str, dict[str, Any]]
    ewc: dict[str, dict[str, Any]] = field(default_factory=dict)

    def get(self, key: str) -> Material | None:
        return self.materials.get(key)

    def hazards(self) -> dict[str, str]:
        """Each material's hazard by its code (for the listing form's script)."""
        return {key: m.hazard for key, m in self.materials.items()}

    def search(self, query: str) -> list[Material]:
        """Materials whose key, names, aliases or waste codes contain the query."""
        needle = _fold(query)
        if not needle:
            return sorted(self.materials.values(), key=lambda m: m.key)
        compact = needle.replace(" ", "").replace("-", "")
        hits = []
        for m in self.materials.values():
            words = [m.key, m.en, m.ko, *m.aliases]
            codes = [*m.ewc, *m.kr]
            if any(needle in _fold(w) for w in words) or any(
                compact in _fold(c).replace(" ", "").replace("-", "") for c in codes
            ):
                hits.append(m)
        return sorted(hits, key=lambda m: m.key)

    def search_waste_codes(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """EU List of Waste entries whose code or description contains the query."""
        needle = _fold(query)
        compact = needle.replace(" ", "")
        if not needle:
            return []
        hits = [
            e
            for code, e in self.ewc.items()
            if (compact and compact in code.replace(" ", "")) or needle in _fold(e["description"])
        ]
        return hits[:limit]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold().strip()


def _factor(raw: dict | None) -> Factor | None:
    if not raw or raw.get("kg_co2e_per_t") is None:
        return None
    return Factor(
        kg_co2e_per_t=float(raw["kg_co2e_per_t"]),
        source=raw.get("source", ""),
        basis=raw.get("basis", ""),
        estimate=bool(raw.get("estimate", False)),
    )


HAZARDS = ("absolute", "mirror", "none")


def _hazard(raw: dict) -> str:
    hazard = raw.get("hazard") or ("mirror" if raw.get("hazardous") else "none")
    if hazard not in HAZARDS:
        raise ValueError(f"material {raw['key']}: hazard {hazard!r} is not one of {HAZARDS}")
    return hazard


def _material(raw: dict) -> Material:
    virgin = raw.get("virgin_avoided") or {}
    hazard = _hazard(raw)
    return Material(
        key=raw["key"],
        en=raw["en"],
        ko=raw["ko"],
        group=raw.get("group", "other"),
        hazardous=bool(raw.get("hazardous", False)),
        ewc=tuple(raw.get("ewc", ())),
        kr=tuple(raw.get("kr", ())),
        aliases=tuple(raw.get("aliases", ())),
        disposal=_factor(raw.get("disposal")),
        virgin_avoided=_factor(virgin),
        replaces_en=virgin.get("replaces_en", ""),
        replaces_ko=virgin.get("replaces_ko", ""),
        typical_properties=tuple(raw.get("typical_properties", ())),
        note=raw.get("note", ""),
        hazard=hazard,
    )


@cache
def load() -> Catalogue:
    """The shipped catalogue (cached: it never changes while the process runs)."""
    data = json.loads((HERE / "materials.json").read_text(encoding="utf-8"))
    ewc_path = HERE / "ewc-codes.json"
    ewc = {}
    if ewc_path.exists():
        ewc = {e["code"]: e for e in json.loads(ewc_path.read_text(encoding="utf-8"))["codes"]}
    return Catalogue(
        materials={m["key"]: _material(m) for m in data["materials"]},
        properties={p["key"]: Property(**p) for p in data["properties"]},
        groups=data.get("groups", {}),
        sources=data.get("sources", {}),
        ewc=ewc,
    )
