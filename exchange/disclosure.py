"""Disclosure control of a park's published table: which figures may be shown.

Pure (no Flask, no database): a `Table` of cells in, the set of cells to suppress out. What
statistical offices do for business statistics, on a table small enough to be exact:

- **atoms** are the smallest amounts summed into the figures (one exchange's deliveries in one
  month, one proposal's tonnes a month, one open listing), each with the factories it belongs to
  (an exchange belongs to its supplier and its receiver: both know its tonnes);
- a **cell** is a published figure, the sum of some atoms (tonnes and kg CO2e);
- **relations** are the sums an outsider knows hold between cells (the park's total is the sum of
  its groups and of its months, the year the sum of its months ...).

`primary` marks the cells a rule hides: fewer than `min_factories` factories contribute, or one
factory contributes more than `dominance` of the figure (by tonnes or by CO2e). A factory that
consented to its figures being published is never what hides a cell by dominance, and a cell
all of whose contributors consented is shown whatever their number.

`suppress` adds the complementary suppressions: a small integer program (PuLP, HiGHS) hides as
few other cells as it can so that in every relation a hidden cell is covered by enough other
hidden cells (their sum at least `protection` of its value). The pattern is then checked as an
attacker would: by linear programming over the atoms (non-negative, the published cells as
equations, the attacker knowing which atoms each cell sums and to which factories they belong),
the tightest bounds on every hidden cell and on every non-consenting factory's part of every
cell, in tonnes and CO2e (the CO2e a tonne of each atom taken as known: the catalogue's factors
are public). Each must leave `protection` (20 %) of the true value open on both sides; where it does
not, the integer program is solved again with that cell hidden or one more of its neighbours
hidden, until the check passes.

Note: a published cell in which one factory has a share s bounds that factory's part from above
by the cell itself, 1/s of its value; with the protection at 20 % this check also hides cells in
which one factory has more than 1/1.2 = 83.3 % (the dominance rule's default is 85 %).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

import highspy
import pulp

__all__ = ["Atom", "Leak", "Rules", "Table", "audit", "primary", "suppress"]

MEASURES = ("tonnes", "kg")
_EPS = 1e-7


@dataclass(frozen=True)
class Atom:
    """The smallest amount summed: tonnes, kg CO2e (0 where the figure has none), and the ids
    of the factories it belongs to."""

    tonnes: float
    kg: float
    factories: frozenset[int]


@dataclass(frozen=True)
class Rules:
    """The thresholds (settings DISCLOSURE_MIN_FACTORIES, DISCLOSURE_DOMINANCE,
    DISCLOSURE_PROTECTION)."""

    min_factories: int = 3
    dominance: float = 0.85  # share of the figure one factory may contribute
    protection: float = 0.20  # share of a hidden value an outsider must not narrow, each side


@dataclass
class Table:
    """`cells` maps a cell's key to the ids of the atoms it sums; `relations` lists the groups
    of cells an outsider knows add up (first the total, then its parts); `consent` holds the
    factories that agreed to their figures being published."""

    atoms: dict[Hashable, Atom]
    cells: dict[str, list[Hashable]]
    relations: list[list[str]] = field(default_factory=list)
    consent: frozenset[int] = frozenset()

    def value(self, key: str, measure: str = "tonnes") -> float:
        return sum(getattr(self.atoms[a], measure) for a in self.cells[key])

    def shares(self, key: str, measure: str = "tonnes") -> dict[int, float]:
        """Each contributing factory's part of the cell (absolute amounts)."""
        out: dict[int, float] = defaultdict(float)
        for a in self.cells[key]:
            atom = self.atoms[a]
            for f in atom.factories:
                out[f] += abs(getattr(atom, measure))
        return dict(out)

    def factories(self, key: str) -> set[int]:
        return {f for a in self.cells[key] for f in self.atoms[a].factories}


@dataclass(frozen=True)
class Leak:
    """An outsider narrows `cell` (or `factory`'s part of it) to [low, high] around `value`."""

    cell: str
    factory: int | None
    measure: str
    value: float
    low: float
    high: float


def primary(table: Table, rules: Rules) -> set[str]:
    """The cells the threshold and dominance rules hide."""
    hidden = set()
    for key in table.cells:
        contributors = table.factories(key)
        private = contributors - table.consent
        if not private:
            continue  # nothing here belongs to a factory that did not agree
        if len(contributors) < rules.min_factories:
            hidden.add(key)
            continue
        for measure in MEASURES:
            total = sum(abs(getattr(table.atoms[a], measure)) for a in table.cells[key])
            if total <= _EPS:
                continue
            parts = table.shares(key, measure)
            if any(parts[f] > rules.dominance * total + _EPS for f in private):
                hidden.add(key)
                break
    return hidden


def suppress(table: Table, rules: Rules, *, max_rounds: int = 30) -> set[str]:
    """The cells to hide: the primary ones and as few others as keep them all protected.

    Every cell that has contributors is hidden if no pattern passes the check in `max_rounds`
    rounds (it has not happened on the parks the tests build)."""
    forced = primary(table, rules)
    cuts: list[frozenset[str]] = []
    for _round in range(max_rounds):
        hidden = _pattern(table, rules, forced, cuts)
        leaks = audit(table, hidden, rules)
        if not leaks:
            return hidden
        grew = False
        for leak in leaks:
            if leak.cell not in hidden:
                grew |= leak.cell not in forced
                forced.add(leak.cell)  # a factory's part of a published figure is narrowed
                continue
            others = frozenset(_neighbours(table, leak.cell) - hidden)
            if others and others not in cuts:
                cuts.append(others)
                grew = True
        if not grew:
            break
    return {k for k in table.cells if table.factories(k) - table.consent}


def _neighbours(table: Table, key: str) -> set[str]:
    """Cells that share an atom or a relation with `key`."""
    atoms = set(table.cells[key])
    out = {k for k, ids in table.cells.items() if k != key and atoms & set(ids)}
    for relation in table.relations:
        if key in relation:
            out.update(k for k in relation if k != key)
    return out


def _pattern(table: Table, rules: Rules, forced: set[str], cuts: list[frozenset[str]]) -> set[str]:
    """The integer program: hide `forced`, meet the relations' cover and the cuts, hide as few
    cells as possible (ties: the smaller figures)."""
    values = {k: {m: abs(table.value(k, m)) for m in MEASURES} for k in table.cells}
    candidates = [k for k in table.cells if table.factories(k)]
    if not forced:
        return set()
    top = max((values[k]["tonnes"] for k in candidates), default=1.0) or 1.0
    model = pulp.LpProblem("suppression", pulp.LpMinimize)
    s = {k: model.add_variable(f"s_{n}", 0, 1, cat=pulp.LpBinary) for n, k in enumerate(candidates)}
    model += pulp.lpSum((1 + 0.01 * values[k]["tonnes"] / top) * s[k] for k in candidates)
    for k in forced:
        if k in s:
            model += s[k] == 1
    for relation in table.relations:
        members = [k for k in relation if k in s]
        for i in members:
            for m in MEASURES:
                if values[i][m] <= _EPS:
                    continue
                model += (
                    pulp.lpSum(values[j][m] * s[j] for j in members if j != i)
                    >= rules.protection * values[i][m] * s[i]
                )
    for cut in cuts:
        model += pulp.lpSum(s[k] for k in cut if k in s) >= 1
    model.solve(pulp.HiGHS(msg=False) if pulp.HiGHS().available() else pulp.PULP_CBC_CMD(msg=False))
    if pulp.LpStatus[model.status] != "Optimal":
        return set(candidates)
    return {k for k in candidates if (s[k].value() or 0) > 0.5}


def audit(table: Table, hidden: Iterable[str], rules: Rules) -> list[Leak]:
    """What an outsider who knows the table's structure narrows too far, by linear programming:
    each hidden cell, and each non-consenting factory's part of each cell, in tonnes and in CO2e.

    The outsider's unknowns are the atoms' tonnes (>= 0); each atom's CO2e a tonne is taken as
    known (the catalogue's factors are public, transport is a small part), so a published cell
    gives two equations, its tonnes and its CO2e. One program per group of cells that share
    atoms; a cell that shares none, and whose atoms save alike a tonne, is worked out by hand."""
    hidden = set(hidden)
    leaks = []
    for component in _components(table):
        targets: dict[frozenset, tuple[str, int | None]] = {}
        for key in component:
            if key in hidden:
                targets.setdefault(frozenset(table.cells[key]), (key, None))
        for key in component:
            by_factory: dict[int, list[Hashable]] = defaultdict(list)
            for a in table.cells[key]:
                for f in table.atoms[a].factories - table.consent:
                    by_factory[f].append(a)
            for f, ids in sorted(by_factory.items()):
                targets.setdefault(frozenset(ids), (key, f))
        lp = None
        for ids, (key, factory) in targets.items():
            for measure in MEASURES:
                value = sum(getattr(table.atoms[a], measure) for a in ids)
                if abs(value) <= 1e-6:
                    continue
                alone = _alone(table, component, key, ids, measure, hidden)
                if alone is not None:
                    low, high = alone
                else:
                    if lp is None:
                        lp = _Bounds(table, component, hidden)
                    low, high = lp.bounds(list(ids), measure, value, rules.protection)
                if not _open(value, low, high, rules.protection):
                    leaks.append(Leak(key, factory, measure, value, low, high))
    return leaks


def _ratio(atom: Atom) -> float:
    return atom.kg / atom.tonnes if atom.tonnes else 0.0


def _components(table: Table) -> list[list[str]]:
    """The cells grouped by shared atoms (union-find over the atoms)."""
    parent = {k: k for k in table.cells}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    owner: dict[Hashable, str] = {}
    for key, ids in table.cells.items():
        for a in ids:
            if a in owner:
                parent[find(key)] = find(owner[a])
            else:
                owner[a] = key
    groups: dict[str, list[str]] = defaultdict(list)
    for key in table.cells:
        groups[find(key)].append(key)
    return [sorted(g) for g in groups.values()]


def _alone(table, component, key, ids, measure, hidden) -> tuple[float, float] | None:
    """Bounds of a part of a cell that shares no atom with another and whose atoms save alike
    a tonne: hidden, nothing is known; published, the part is anything from the cell less the
    others (nothing, if there are others) to the whole cell."""
    if len(component) != 1:
        return None
    atoms = [table.atoms[a] for a in table.cells[key]]
    if len({round(_ratio(a), 9) for a in atoms}) > 1 or any(a.kg < 0 for a in atoms):
        return None
    if key in hidden:
        return 0.0, float("inf")
    total = sum(getattr(a, measure) for a in atoms)
    return (total if len(ids) == len(set(table.cells[key])) else 0.0), total


def _open(value: float, low: float, high: float, protection: float) -> bool:
    slack = 1e-6 * max(1.0, abs(value))
    return low <= value - protection * abs(value) + slack and (
        high >= value + protection * abs(value) - slack
    )


class _Bounds:
    """The outsider's linear program over the tonnes of the atoms of some cells, built once,
    one objective at a time: each published cell is two rows, its tonnes and its CO2e."""

    def __init__(self, table: Table, keys: list[str], hidden: set[str]):
        atoms = sorted({a for k in keys for a in table.cells[k]}, key=repr)
        self.index = {a: n for n, a in enumerate(atoms)}
        self.ratio = {a: _ratio(table.atoms[a]) for a in atoms}
        self.h = highspy.Highs()
        self.h.silent()
        self.n = len(atoms)
        self.h.addVars(self.n, [0.0] * self.n, [highspy.kHighsInf] * self.n)
        for key in keys:
            ids = table.cells[key]
            if key in hidden or not ids:
                continue
            cols = [self.index[a] for a in ids]
            t = sum(table.atoms[a].tonnes for a in ids)
            self.h.addRow(t, t, len(cols), cols, [1.0] * len(cols))
            if any(self.ratio[a] for a in ids):
                kg = sum(table.atoms[a].kg for a in ids)
                self.h.addRow(kg, kg, len(cols), cols, [self.ratio[a] for a in ids])

    def bounds(
        self, ids: list[Hashable], measure: str, value: float, protection: float
    ) -> tuple[float, float]:
        """The least and greatest sum of `ids` in `measure`; the greatest is not sought when
        the least already shows the value narrowed (it is then reported as the value)."""
        cols = [self.index[a] for a in ids]
        costs = [1.0 if measure == "tonnes" else self.ratio[a] for a in ids]
        self.h.changeColsCost(self.n, list(range(self.n)), [0.0] * self.n)
        self.h.changeColsCost(len(cols), cols, costs)
        low = self._solve(highspy.ObjSense.kMinimize)
        if low > value - protection * abs(value) + 1e-6 * max(1.0, abs(value)):
            return low, value
        return low, self._solve(highspy.ObjSense.kMaximize)

    def _solve(self, sense) -> float:
        self.h.changeObjectiveSense(sense)
        self.h.run()
        if self.h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            return self.h.getInfo().objective_function_value
        # unbounded (or a numerical failure): nothing is learnt on that side
        return float("-inf") if sense == highspy.ObjSense.kMinimize else float("inf")
