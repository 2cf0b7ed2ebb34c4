"""The material catalogue shipped with the app: names, waste codes and default factors.

Data lives in `materials.json` (our catalogue, every figure with its source) and
`ewc-codes.json` (the EU List of Waste, OGL v3.0). Both are read once per process.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
_HANGUL = re.compile("[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")


# End-of-life routes a factor can be given for, in the order pages list them. A listing's
# `disposal_route` uses the same words ("other" and blank fall back to the material's default).
ROUTES = ("landfill", "incineration", "energy_recovery", "recycling", "treatment")


@dataclass(frozen=True)
class Factor:
    """kg CO2e per tonne, from `source` (a key of the catalogue's `sources`); `basis` and
    `basis_ko` say what the figure is of, or for an estimate how it was made."""

    kg_co2e_per_t: float
    source: str
    basis: str = ""
    estimate: bool = False
    basis_ko: str = ""

    def basis_in(self, locale: str) -> str:
        return self.basis_ko if locale == "ko" and self.basis_ko else self.basis


@dataclass(frozen=True)
class KoreanCode:
    """A Korean waste classification number as Allbaro prints it today (`510301`), its exact
    Allbaro name, its physical states (고상, 액상 …), `kind` "general" (사업장일반폐기물) or
    "designated" (지정폐기물), and the old dashed numbers (`51-03-01`) that map to it."""

    code: str
    name: str
    kind: str
    states: tuple[str, ...] = ()
    old: tuple[str, ...] = ()


@dataclass(frozen=True)
class Material:
    key: str
    en: str
    ko: str
    group: str
    hazardous: bool
    ewc: tuple[str, ...]
    korean: tuple[KoreanCode, ...]
    aliases: tuple[str, ...]
    # a dict is not hashable: kept out of the generated __hash__ and __eq__
    routes: dict[str, Factor] = field(compare=False)
    default_route: str
    virgin_avoided: Factor | None
    replaces_en: str = ""
    replaces_ko: str = ""
    typical_properties: tuple[str, ...] = ()
    note: str = ""
    note_ko: str = ""
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

    def aliases_in(self, locale: str) -> tuple[str, ...]:
        """The other names a reader of `locale` would write: Hangul ones for Korean, the rest
        for English (search finds every alias in either language)."""
        return tuple(a for a in self.aliases if bool(_HANGUL.search(a)) == (locale == "ko"))

    def note_in(self, locale: str) -> str:
        return self.note_ko if locale == "ko" and self.note_ko else self.note

    @property
    def kr(self) -> tuple[str, ...]:
        """Korean numbers as Allbaro prints them today, then the old dashed ones."""
        new = [c.code for c in self.korean]
        old = [o for c in self.korean for o in c.old]
        return tuple(dict.fromkeys(new + old))

    @property
    def disposal(self) -> Factor | None:
        """The factor of the default route (what a listing that names no route gets)."""
        return self.routes.get(self.default_route)

    def route_factor(self, route: str | None) -> tuple[str, Factor | None]:
        """The route whose factor applies to a stream that goes by `route` today, and that
        factor: the route's own where the catalogue has one, else the default route's (a
        listing that says "other", nothing, or a route this material cannot take)."""
        if route in self.routes:
            return route, self.routes[route]
        return self.default_route, self.routes.get(self.default_route)


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

    def source_title(self, key: str, locale: str) -> str:
        """A source's title in the reader's language, with its year ("… (2025)") unless the
        title already says it."""
        s = self.sources.get(key) or {}
        title = (s.get("title_ko") if locale == "ko" else None) or s.get("title") or key
        year = s.get("year")
        return f"{title} ({year})" if year and str(year) not in title else title

    def factor_counts(self) -> dict[str, int]:
        """How many default factors (every route and every virgin-material credit) name a
        public source, and how many are estimates: {"sourced": n, "estimate": m}."""
        factors = [f for m in self.materials.values()
                   for f in (*m.routes.values(), m.virgin_avoided) if f]  # fmt: skip
        estimates = sum(f.estimate for f in factors)
        return {"sourced": len(factors) - estimates, "estimate": estimates}

    def sorted(self, materials, locale: str) -> list[Material]:
        """Korean names in 가나다 order (code points of NFC Hangul follow it), English ones
        alphabetically, case and accents aside."""
        if locale == "ko":
            return sorted(materials, key=lambda m: (unicodedata.normalize("NFC", m.ko), m.key))
        return sorted(materials, key=lambda m: (_fold(m.en), m.key))

    def search(self, query: str, locale: str = "en") -> list[Material]:
        """Materials whose key, names, aliases, Allbaro names or waste codes contain the query,
        in the order of `locale`'s names. A code is found however it is written: `14 06 03*`,
        `140603*`, `14.06.03`, `510301`, `51-03-01`, `(구)51-03-01`."""
        needle = _fold(query)
        if not needle:
            return self.sorted(self.materials.values(), locale)
        compact = code_key(query)
        hits = []
        for m in self.materials.values():
            words = [m.key, m.en, m.ko, *m.aliases, *(c.name for c in m.korean)]
            codes = [*m.ewc, *m.kr]
            if any(needle in _fold(w) for w in words) or (
                compact and any(compact in code_key(c) for c in codes)
            ):
                hits.append(m)
        return self.sorted(hits, locale)

    def by_allbaro(self, name: str, state: str | None = None) -> list[Material]:
        """The materials filed under an Allbaro legal name (as Allbaro prints it, e.g.
        `폐합성수지류(폐염화비닐수지류는 제외한다)`) or classification number (`510301`,
        `(구)51-03-01`), narrowed to those that take the physical state `state` (고상, 액상 …)
        where given. Several materials can share a name (510301 is every plastic): the list
        is in catalogue order, most common first; empty if nothing matches."""
        wanted = _fold(name).replace(" ", "")
        compact = code_key(name)
        state = _fold(state or "")
        found = []
        for m in self.materials.values():
            for c in m.korean:
                named = _fold(c.name).replace(" ", "") == wanted
                numbered = bool(compact) and compact.isdigit() and compact in (
                    code_key(c.code), *(code_key(o) for o in c.old))
                if (named or numbered) and (not state or state in c.states):
                    found.append(m)
                    break
        return found

    def search_waste_codes(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """EU List of Waste entries whose code or description contains the query."""
        needle = _fold(query)
        compact = code_key(query)
        if not needle:
            return []
        hits = [
            e
            for code, e in self.ewc.items()
            if (compact and compact in code_key(code)) or needle in _fold(e["description"])
        ]
        return hits[:limit]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold().strip()


def code_key(text: str) -> str:
    """A waste code with its spelling taken away: Allbaro's "(구)" (old) prefix, spaces,
    dashes, dots and the hazardous `*` go (`14 06 03*` → `140603`, `51-03-01` → `510301`).
    Empty when what is left is not a code (a word is not a code)."""
    folded = _fold(text).replace("(구)", "")
    compact = re.sub(r"[\s\-.*·‐‑–—]", "", folded)
    return compact if compact.isdigit() else ""


def _factor(raw: dict | None) -> Factor | None:
    if not raw or raw.get("kg_co2e_per_t") is None:
        return None
    return Factor(
        kg_co2e_per_t=float(raw["kg_co2e_per_t"]),
        source=raw.get("source", ""),
        basis=raw.get("basis", ""),
        estimate=bool(raw.get("estimate", False)),
        basis_ko=raw.get("basis_ko", ""),
    )


def _korean(raw: dict) -> KoreanCode:
    return KoreanCode(
        code=raw["code"],
        name=unicodedata.normalize("NFC", raw["name"]),
        kind=raw["kind"],
        states=tuple(raw.get("states", ())),
        old=tuple(raw.get("old", ())),
    )


HAZARDS = ("absolute", "mirror", "none")


def _hazard(raw: dict) -> str:
    hazard = raw.get("hazard") or ("mirror" if raw.get("hazardous") else "none")
    if hazard not in HAZARDS:
        raise ValueError(f"material {raw['key']}: hazard {hazard!r} is not one of {HAZARDS}")
    return hazard


def _material(raw: dict) -> Material:
    virgin = raw.get("virgin_avoided") or {}
    routes = {r: f for r, f in ((r, _factor((raw.get("routes") or {}).get(r))) for r in ROUTES) if f}
    hazard = _hazard(raw)
    return Material(
        key=raw["key"],
        en=raw["en"],
        ko=raw["ko"],
        group=raw.get("group", "other"),
        hazardous=bool(raw.get("hazardous", False)),
        ewc=tuple(raw.get("ewc", ())),
        korean=tuple(_korean(c) for c in raw.get("korean", ())),
        aliases=tuple(raw.get("aliases", ())),
        routes=routes,
        default_route=raw.get("default_route", "landfill"),
        virgin_avoided=_factor(virgin),
        replaces_en=virgin.get("replaces_en", ""),
        replaces_ko=virgin.get("replaces_ko", ""),
        typical_properties=tuple(raw.get("typical_properties", ())),
        note=raw.get("note", ""),
        note_ko=raw.get("note_ko", ""),
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


def allbaro_route(code: str) -> str | None:
    """The end-of-life route (a key of ROUTES) of an Allbaro 처리방법 code, as a manifest gives
    it ("2010", "1101" …; 1xxx on site, 2xxx consigned), or None for codes that are not a route
    (sea discharge 1300/2300, export 1500/2500, re-consignment 9000, generation 0000, the legacy
    pre-2016 codes 1090/2090, 19xx/29xx) and for anything else. Per the Allbaro code list of
    2020-06-12: reuse and recycling 1001-1007, 1010, 1011 (and 20xx); energy recovery
    1008-1009; incineration 1101-1102, 2101-2102, 2117-2118; other treatment 1103-1117,
    2103-2116, 2119; landfill 1201-1203, 2201-2206.
    """
    return _ALLBARO_ROUTES.get(code_key(code))


def _allbaro_routes() -> dict[str, str]:
    routes = {}
    for site in "12":
        for n in (1, 2, 3, 4, 5, 6, 7, 10, 11):
            routes[f"{site}{n:03d}"] = "recycling"
        for n in (8, 9):
            routes[f"{site}{n:03d}"] = "energy_recovery"
        for n in (101, 102):
            routes[f"{site}{n}"] = "incineration"
    routes.update({f"1{n}": "treatment" for n in range(103, 118)})
    routes.update({f"2{n}": "treatment" for n in (*range(103, 117), 119)})
    routes.update({"2117": "incineration", "2118": "incineration"})
    routes.update({c: "landfill" for c in ("1201", "1202", "1203", "2201", "2202", "2204", "2205", "2206")})
    return routes


_ALLBARO_ROUTES = _allbaro_routes()
