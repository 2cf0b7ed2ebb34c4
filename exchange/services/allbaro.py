"""The Allbaro transfer-slip export (올바로 배출자 인계서 목록) read as offers.

Every Korean waste generator can download this list of its consignments from Allbaro, the
national waste-tracking system. Its columns: 번호, 인계번호, 인계일자, 확정여부,
폐기물종류(성상), 구분, 위탁량, 단위, 운반자명, 차량번호, 처리자명, 처리방법, 처리장소, 인계자명,
공동배출자여부, 입력구분, 진행상태, 운반IP동일, 처리IP동일, 예외사유.

Consignments are summed per waste (its legal name; the physical state in the last
parentheses, `폐수처리오니(고상)`, is kept in the description) over the months the file covers,
to tonnes a month. The treatment method (`(2010)중간가공폐기물 제조(재)(위탁)`) gives today's
disposal route, the receivers are named in the description as today's takers, and
unconfirmed consignments count but are noted. The rows come out as the import's raw rows, so
the preview and its rules are the sheet's; `_match` asks the preview to update the factory's
offer of the same material (next month's file updates the same offers).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from flask_babel import gettext as _

from exchange.services.field_reader import NotANumber, folded, read_date, read_number
from exchange.services.listing_input import material_key

COLUMNS = {
    "인계번호": "slip", "인계일자": "date", "확정여부": "confirmed", "폐기물종류(성상)": "waste",
    "위탁량": "amount", "단위": "unit", "처리자명": "receiver", "처리방법": "method",
}  # fmt: skip
ROUTES = [  # words of the treatment method's name -> our disposal route, first match wins
    ("매립", "landfill"), ("소각", "incineration"), ("(재)", "recycling"), ("재활용", "recycling"),
    ("재생", "recycling"), ("제조", "recycling"), ("중화", "treatment"), ("탈수", "treatment"),
    ("건조", "treatment"), ("파쇄", "treatment"), ("처리", "treatment"),
]  # fmt: skip


def header_keys(cells: dict[int, Any]) -> dict[int, str] | None:
    """Column number -> field when `cells` is the header of an Allbaro export, else None."""
    keys = {c: COLUMNS[folded(v).replace(" ", "")] for c, v in cells.items()
            if folded(v).replace(" ", "") in COLUMNS}  # fmt: skip
    return keys if {"slip", "waste", "amount"} <= set(keys.values()) else None


def split_waste(text: str) -> tuple[str, str]:
    """`폐수처리오니(고상)` -> ("폐수처리오니", "고상"); a name without a state -> (name, "")."""
    match = re.fullmatch(r"(.+?)\s*\(([^()]*)\)\s*", text)
    return (match.group(1).strip(), match.group(2).strip()) if match else (text.strip(), "")


def route_of(method: str) -> str | None:
    name = re.sub(r"^\(\d+\)", "", method or "")
    return next((route for word, route in ROUTES if word in name), None)


def listing_rows(rows: list[tuple[int, dict[str, Any]]]) -> tuple[list[dict], list[str]]:
    """The consignments (line, {field: value}) as raw offer rows, and notes for the preview."""
    groups: dict[str, dict[str, Any]] = {}
    months: set[tuple[int, int]] = set()
    bad: list[dict] = []
    unconfirmed = 0
    for line, row in rows:
        name, state = split_waste(str(row.get("waste") or ""))
        try:
            amount = read_number(row.get("amount"))
            when = read_date(row.get("date"))
        except (NotANumber, ValueError):
            amount, when = None, None
        if not name or amount is None or when is None:
            bad.append({"_line": line, "kind": "offer", "material": name or "",
                        "tonnes_per_month": row.get("amount") or ""})  # fmt: skip
            continue
        months.add((when.year, when.month))
        tonnes = amount / 1000 if folded(row.get("unit")) == "kg" else amount
        key = material_key(name) or name
        group = groups.setdefault(key, {"line": line, "name": name, "states": set(),
                                        "tonnes": 0.0, "slips": 0, "receivers": defaultdict(float),
                                        "routes": defaultdict(float)})  # fmt: skip
        group["states"].add(state)
        group["tonnes"] += tonnes
        group["slips"] += 1
        group["receivers"][str(row.get("receiver") or "").strip()] += tonnes
        group["routes"][route_of(str(row.get("method") or ""))] += tonnes
        if folded(row.get("confirmed")) not in ("확정", "y", "yes", "예"):
            unconfirmed += 1
    span = _months(months)
    out = [_offer(g, span) for g in groups.values()] + bad
    notes = []
    if months:
        first, last = min(months), max(months)
        notes.append(_("Allbaro transfer slips of %(first)s to %(last)s: consignments summed per "
                       "waste and divided by %(n)d months.", first=f"{first[0]}-{first[1]:02d}",
                       last=f"{last[0]}-{last[1]:02d}", n=span))  # fmt: skip
    if unconfirmed:
        notes.append(_("%(n)d consignments are not confirmed yet; they are counted.",
                       n=unconfirmed))  # fmt: skip
    return sorted(out, key=lambda r: r["_line"]), notes


def _months(months: set[tuple[int, int]]) -> int:
    if not months:
        return 1
    first, last = min(months), max(months)
    return (last[0] - first[0]) * 12 + last[1] - first[1] + 1


def _offer(group: dict[str, Any], span: int) -> dict[str, Any]:
    route = max(group["routes"], key=group["routes"].get)
    takers = sorted((r for r in group["receivers"] if r), key=lambda r: -group["receivers"][r])
    states = ", ".join(sorted(s for s in group["states"] if s))
    description = _("%(name)s%(state)s, from Allbaro (%(n)d slips); taken today by %(takers)s",
                    name=group["name"], state=f" ({states})" if states else "",
                    n=group["slips"], takers=", ".join(takers) or "—")  # fmt: skip
    return {"_line": group["line"], "_match": "material", "_takers": takers, "kind": "offer",
            "material": group["name"], "tonnes_per_month": round(group["tonnes"] / span, 6),
            "disposal_route": route or "", "description": description}  # fmt: skip
