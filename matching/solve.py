"""solve(problem) -> Plan: arcs, locked tonnes, components, the right solver for each.

Arcs that cannot lower the objective (cost >= 0) are dropped before any model exists;
they still decide `not-worth-transport`. Components that are plain transportation
problems (no mixed-integer option binds in them) go, all together, to OR-Tools'
min-cost flow; the others get a PuLP model each, solved by HiGHS (or CBC when asked).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager

import numpy as np

from matching.arcs import Arcs, build_arcs, locked_arcs
from matching.components import component_labels, split_by_label
from matching.flow import NAME as FLOW_NAME
from matching.flow import flow_unit, solve_min_cost_flow
from matching.plan import Plan, SolverInfo, build_plan, infeasible_plan
from matching.polish import polish_tonnes
from matching.problem import SOLVERS, Problem
from matching.sites import Sites

__all__ = ["SolverError", "solve"]

Progress = Callable[[str], None]
# tonnes within which HiGHS and CBC answer (CBC's solution file has 8 significant digits;
# matching.polish adds a part relative to each site's limit)
PULP_RESOLUTION = 1e-6


class SolverError(RuntimeError):
    """A solver is missing, cannot do what the problem asks, or failed."""


class _Stages:
    """Stage timings, reported to `progress` as each stage ends."""

    def __init__(self, progress: Progress | None):
        self.progress = progress or (lambda line: None)
        self.start = self.last = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def done(self, stage: str, line: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self.last
        self.last = now
        self.progress(line)


def solve(
    problem: Problem,
    *,
    solver: str | None = None,
    time_limit_s: float | None = None,
    progress: Progress | None = None,
) -> Plan:
    """The plan of least emissions for `problem`.

    `solver`: "auto" (default: min-cost flow where it applies, HiGHS elsewhere), "highs",
    "cbc" or "min-cost-flow"; `time_limit_s` bounds the mixed-integer solves;
    `progress` receives one short line per stage.

    >>> from matching.problem import load_problem
    >>> p = load_problem({"format": "symbiosis-problem/1",
    ...     "sources": [{"id": "S", "lat": 0, "lon": 0, "material": "ash", "tonnes": 5,
    ...                  "disposal_kg_co2e_per_t": 10}],
    ...     "sinks": [{"id": "D", "lat": 0, "lon": 0.1, "capacity_t": 3, "accepts": ["ash"]}]})
    >>> plan = solve(p)
    >>> plan.status, plan.exchanges[0].tonnes, plan.unmatched[0].reason
    ('optimal', 3.0, 'sinks-full')
    """
    solver = solver or problem.options.solver
    if solver not in SOLVERS:
        raise SolverError(f"unknown solver {solver!r}: use one of {', '.join(SOLVERS)}")
    limit = problem.options.time_limit_s if time_limit_s is None else time_limit_s
    stages = _Stages(progress)
    sites = Sites.from_problem(problem)
    arcs = build_arcs(problem, sites)
    locked = locked_arcs(problem, arcs, sites)
    useful = int(np.sum(arcs.cost < 0))
    stages.done(
        "arcs", f"arcs: {arcs.candidates:,} candidate, {len(arcs):,} allowed, {useful:,} useful"
    )
    residual = _Residual(problem, arcs, locked)
    if residual.conflict:
        info = SolverInfo("none", stages.seconds["arcs"], 0.0, len(arcs), 0)
        return infeasible_plan(problem, residual.conflict, info)
    return _solve_components(problem, sites, arcs, residual, solver, limit, stages)


class _Residual:
    """Locked tonnes placed on their arcs, and what every site has left for the rest."""

    def __init__(self, problem: Problem, arcs: Arcs, locked: np.ndarray):
        n, m = len(problem.sources), len(problem.sinks)
        self.locked = locked
        self.tonnes = np.zeros(len(arcs))
        self.tonnes[locked] = [lock.tonnes for lock in problem.locked]
        self.supply = np.array([s.tonnes for s in problem.sources]) - np.bincount(
            arcs.source[locked], self.tonnes[locked], n
        )
        self.capacity = np.array([s.capacity_t for s in problem.sinks]) - np.bincount(
            arcs.sink[locked], self.tonnes[locked], m
        )
        options = problem.options
        self.source_partners = _limit(options.max_partners_per_source, n, arcs.source[locked])
        self.sink_partners = _limit(options.max_partners_per_sink, m, arcs.sink[locked])
        self.free = arcs.cost < 0
        self.free[locked] = False
        self.conflict = self._conflict(problem)

    def _conflict(self, problem: Problem) -> str | None:
        src, snk = problem.sources, problem.sinks
        tonnes = np.array([s.tonnes for s in src])
        capacity = np.array([s.capacity_t for s in snk])
        checks = (
            (self.supply, tonnes, src, "locked tonnes from source {} exceed its tonnes"),
            (self.capacity, capacity, snk, "locked tonnes to sink {} exceed its capacity"),
            (self.source_partners, 0, problem.sources, "source {} has more locked partners"),
            (self.sink_partners, 0, problem.sinks, "sink {} has more locked partners"),
        )
        for left, size, sites, message in checks:
            # float sums of locked tonnes may pass the quantity by a rounding error
            over = np.flatnonzero(left < -1e-9 * np.maximum(1.0, size))
            if len(over):
                first = over[0]
                excess = f" by {-float(left[first]):g}" if np.ndim(size) else " than allowed"
                return message.format(f'"{sites[first].id}"') + excess
        return None


def _limit(limit: int | None, n: int, locked_sites: np.ndarray) -> np.ndarray:
    if limit is None:
        return np.full(n, np.inf)
    return limit - np.bincount(locked_sites, minlength=n).astype(float)


def _solve_components(
    problem: Problem, sites: Sites, arcs: Arcs, residual: _Residual, solver: str,
    limit: float | None, stages: _Stages,
) -> Plan:  # fmt: skip
    free = np.flatnonzero(residual.free)
    n = len(problem.sources)
    labels = component_labels(n, len(problem.sinks), arcs.source[free], arcs.sink[free])
    groups = [free[g] for g in split_by_label(labels[arcs.source[free]])]
    flow, mixed = _route(problem, arcs, residual, groups, solver)
    stages.done("components", f"components: {len(groups):,} "
                f"({len(flow):,} min-cost flow, {len(mixed):,} mixed-integer)")  # fmt: skip
    tonnes = residual.tonnes
    names, rows, statuses = [], 0, ["optimal"]
    resolution = PULP_RESOLUTION
    if flow:
        index = np.concatenate(flow)
        flow_rows, flow_resolution = _solve_flow(arcs, residual, index, tonnes)
        rows += flow_rows
        resolution = max(resolution, flow_resolution)
        names.append(FLOW_NAME)
        stages.done("solve", f"min-cost flow: {len(index):,} arcs in {len(flow):,} components")
    if mixed:
        backend = "cbc" if solver == "cbc" else "highs"
        deadline = None if limit is None else time.perf_counter() + limit
        for group in mixed:
            status, group_rows = _solve_model(
                problem, arcs, residual, group, backend, deadline, stages
            )
            statuses.append(status)
            rows += group_rows
        names.append("CBC" if backend == "cbc" else "HiGHS")
        stages.done("solve", f"{names[-1]}: {len(mixed):,} components, status {statuses[-1]}")
    build_s = sum(v for k, v in stages.seconds.items() if k not in ("solve",))
    solved = int(sum(len(g) for g in groups)) + len(problem.locked)
    info = SolverInfo(
        " + ".join(names) or "none", build_s, stages.seconds.get("solve", 0.0), solved, rows
    )
    status = "feasible" if "feasible" in statuses else "optimal"
    tonnes = polish_tonnes(
        tonnes, arcs.source, arcs.sink,
        np.array([s.tonnes for s in problem.sources], dtype=float),
        np.array([s.capacity_t for s in problem.sinks], dtype=float),
        fixed=residual.locked, resolution=resolution, min_lot_t=problem.options.min_lot_t,
    )  # fmt: skip
    plan = build_plan(problem, sites, arcs, tonnes, status, info)
    stages.done(
        "plan", f"plan: {len(plan.exchanges):,} exchanges, {len(plan.unmatched):,} unmatched"
    )
    return plan


def _route(problem: Problem, arcs: Arcs, residual: _Residual, groups: list, solver: str):
    """Split components into (min-cost flow, PuLP model) by solver choice and options."""
    if solver in ("highs", "cbc"):
        return [], groups
    options = problem.options
    if not options.mixed_integer:
        flow, mixed = groups, []
    elif options.min_lot_t > 0:
        flow, mixed = [], groups
    else:
        # partner limits bind only where a site has more arcs than partners it may take
        src_deg = np.bincount(arcs.source[residual.free], minlength=len(problem.sources))
        snk_deg = np.bincount(arcs.sink[residual.free], minlength=len(problem.sinks))
        src_binds = src_deg > residual.source_partners
        snk_binds = snk_deg > residual.sink_partners
        binds = [bool(src_binds[arcs.source[g]].any() or snk_binds[arcs.sink[g]].any())
                 for g in groups]  # fmt: skip
        flow = [g for g, b in zip(groups, binds, strict=True) if not b]
        mixed = [g for g, b in zip(groups, binds, strict=True) if b]
    if mixed and solver == "min-cost-flow":
        raise SolverError("min-cost-flow cannot honour min_lot_t or partner limits: use auto")
    return flow, mixed


def _solve_flow(arcs: Arcs, residual: _Residual, index: np.ndarray, tonnes: np.ndarray):
    """Tonnes on the arcs at `index`, by min-cost flow; returns (rows used, tonne resolution)."""
    sources, tail = np.unique(arcs.source[index], return_inverse=True)
    sinks, head = np.unique(arcs.sink[index], return_inverse=True)
    supply = np.maximum(residual.supply[sources], 0.0)
    capacity = np.maximum(residual.capacity[sinks], 0.0)
    tonnes[index] = solve_min_cost_flow(supply, capacity, tail, head, arcs.cost[index])
    return len(sources) + len(sinks), 1.0 / flow_unit(supply, capacity)


def _solve_model(problem, arcs, residual, group, backend, deadline, stages) -> tuple[str, int]:
    """Tonnes on one component's arcs by its PuLP model; returns (status, rows)."""
    from matching.model import Component, build_model  # PuLP: only when a model is needed

    src, snk = arcs.source[group], arcs.sink[group]
    src_ids = [problem.sources[i].id for i in src.tolist()]
    snk_ids = [problem.sinks[j].id for j in snk.tolist()]
    partners = (residual.source_partners, residual.sink_partners)
    component = Component(
        src_ids, snk_ids, arcs.cost[group],
        {problem.sources[i].id: max(float(residual.supply[i]), 0.0) for i in src.tolist()},
        {problem.sinks[j].id: max(float(residual.capacity[j]), 0.0) for j in snk.tolist()},
        *({ids[k]: None if np.isinf(lim[x]) else int(lim[x]) for k, x in enumerate(sites.tolist())}
          for ids, lim, sites in zip((src_ids, snk_ids), partners, (src, snk), strict=True)),
    )  # fmt: skip
    model = build_model(component, problem.options)
    stages.done("model", f"model: {len(group):,} arcs, {len(model.problem.constraints()):,} rows")
    status, values = _run_pulp(model.problem, model.tonnes, backend, deadline)
    residual.tonnes[group] = values
    stages.done("solve", f"solved: {status}")
    return status, len(model.problem.constraints())


def _run_pulp(lp, tonnes: list, backend: str, deadline: float | None) -> tuple[str, np.ndarray]:
    """Solve a built model; (status, tonnes per arc). Only mixed-integer runs are timed."""
    import pulp

    timed = deadline is not None and lp.isMIP()
    left = max(deadline - time.perf_counter(), 0.01) if timed else None
    command = _cbc(left) if backend == "cbc" else pulp.HiGHS(msg=False, timeLimit=left)
    with _quiet_stdout():
        lp.solve(command)
    values = np.array([v.value() or 0.0 for v in tonnes], dtype=float).clip(0.0)
    if lp.sol_status == pulp.LpSolutionOptimal:
        return "optimal", values
    if lp.sol_status == pulp.LpSolutionIntegerFeasible:
        return "feasible", values
    if timed and lp.sol_status == pulp.LpSolutionNoSolutionFound:
        # stopped before any incumbent: shipping nothing is feasible, and still a plan
        return "feasible", np.zeros(len(tonnes))
    raise SolverError(f"{backend} ended with status {pulp.LpStatus[lp.status]}")


def _cbc(time_limit: float | None):
    """CBC from the PATH, else the binary that PuLP bundles (PULP_CBC_CMD is deprecated)."""
    import pulp
    from pulp.apis.coin_api import pulp_cbc_path

    for path in (None, pulp_cbc_path):
        command = pulp.COIN_CMD(path=path, msg=False, timeLimit=time_limit)
        if command.available():
            return command
    raise SolverError("CBC is not installed: use solver highs or auto")


@contextmanager
def _quiet_stdout():
    """Send what native solvers print to fd 1 (HiGHS' banner) to /dev/null: stdout is the plan."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
