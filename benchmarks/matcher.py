"""Figures for the matcher on the shared examples; never part of the pass/fail suite.

    .venv/bin/python -m benchmarks.matcher [--only park-2000] [--skip country-20000]

For each example: arcs before and after pruning, components, seconds per stage, the
whole command's time and peak memory (`python -m matching solve`, in a child process),
the objective against the expected one, and in the same run a bare reference: OR-Tools'
min-cost flow over the same useful arcs, built and solved with nothing else, and the
ratio of the whole command to it.

Times are CPU seconds (user + system) besides wall seconds: every stage runs on one
thread, so on an idle machine the two agree, and on a shared one CPU time still measures
the work rather than the neighbours.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from ortools.graph.python import min_cost_flow

from matching import load_problem, solve
from matching.arcs import build_arcs
from matching.components import component_labels
from matching.sites import Sites

REPO = Path(__file__).resolve().parents[1]
# the tests' copies of ../shared/examples; the large problems are gzipped (load_problem reads them)
EXAMPLES = REPO / "tests" / "matching" / "examples"
NAMES = ["tiny", "park-200", "park-2000", "country-20000"]


def example(name: str) -> Path:
    plain = EXAMPLES / f"{name}.json"
    return plain if plain.exists() else EXAMPLES / f"{name}.json.gz"


def run_command(path: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak resident MiB of `python -m matching solve`."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "matching", "solve", str(path), "-o", f"{tmp}/plan.json", "-q"],
            cwd=REPO,
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the command failed on {path}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def bare_min_cost_flow(problem, arcs) -> tuple[float, float, float]:
    """(wall s, CPU s, objective) of a plain min-cost flow over the useful arcs."""
    useful = arcs.cost < 0
    src, snk, cost = arcs.source[useful], arcs.sink[useful], arcs.cost[useful]
    n, m = len(problem.sources), len(problem.sinks)
    supply = np.round(np.array([s.tonnes for s in problem.sources]) * 100).astype(np.int64)
    capacity = np.round(np.array([s.capacity_t for s in problem.sinks]) * 100).astype(np.int64)
    scale = 1e9 / max(float(np.abs(cost).max(initial=1.0)), 1e-300)
    start, cpu = time.perf_counter(), time.process_time()
    flow = min_cost_flow.SimpleMinCostFlow()
    cost_int = np.round(cost * scale).astype(np.int64)
    arc_ids = flow.add_arcs_with_capacity_and_unit_cost(
        src, snk + n, np.minimum(supply[src], capacity[snk]), cost_int
    )
    collector = n + m
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(n + m), np.full(n + m, collector), np.concatenate([supply, capacity]),
        np.zeros(n + m, dtype=np.int64),
    )  # fmt: skip
    total = int(supply.sum())
    flow.set_nodes_supplies(
        np.arange(n + m + 1), np.concatenate([supply, np.zeros(m, np.int64), [-total]])
    )
    assert flow.solve() == flow.OPTIMAL
    tonnes = flow.flows(arc_ids) / 100
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return seconds, cpu, problem.baseline_kg_co2e + float(tonnes @ cost)


def measure(name: str, command: tuple[float, float, float]) -> dict:
    path = example(name)
    expected = json.loads((EXAMPLES / f"{name}.expected.json").read_text())
    command_s, command_cpu, peak_mib = command
    stages: dict[str, float] = {}
    last = time.process_time()

    def progress(line: str) -> None:
        nonlocal last
        now = time.process_time()
        stage = line.split(":")[0]
        stages[stage] = stages.get(stage, 0.0) + now - last
        last = now

    problem = load_problem(path)
    progress("load:")
    plan = solve(problem, progress=progress)
    sites = Sites.from_problem(problem)
    arcs = build_arcs(problem, sites)
    useful = arcs.cost < 0
    labels = component_labels(
        len(problem.sources), len(problem.sinks), arcs.source[useful], arcs.sink[useful]
    )
    bare_s, bare_cpu, bare_objective = bare_min_cost_flow(problem, arcs)
    return {
        "example": name,
        "candidates": arcs.candidates,
        "arcs": len(arcs),
        "useful": int(useful.sum()),
        "components": len(np.unique(labels[arcs.source[useful]])),
        "stages_cpu_s": {k: round(v, 3) for k, v in stages.items()},
        "command_s": round(command_s, 2),
        "command_cpu_s": round(command_cpu, 2),
        "peak_mib": round(peak_mib),
        "objective": plan.objective_kg_co2e,
        "rel_error": abs(plan.objective_kg_co2e - expected["objective_kg_co2e"])
        / abs(expected["objective_kg_co2e"]),
        "bare_mcf_s": round(bare_s, 2),
        "bare_mcf_cpu_s": round(bare_cpu, 2),
        "bare_rel_error": abs(bare_objective - expected["objective_kg_co2e"])
        / abs(expected["objective_kg_co2e"]),
        "ratio": round(command_cpu / bare_cpu, 2) if bare_cpu else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", choices=NAMES)
    parser.add_argument("--skip", action="append", choices=NAMES, default=[])
    parser.add_argument("--json", action="store_true", help="one JSON line per example")
    args = parser.parse_args()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {platform.platform()}")  # fmt: skip
    names = [n for n in args.only or NAMES if n not in args.skip]
    # the commands first: a child's peak memory counts the parent's pages at fork time
    commands = {name: run_command(example(name)) for name in names}
    for name in names:
        row = measure(name, commands[name])
        if args.json:
            print(json.dumps(row), flush=True)
            continue
        stages = ", ".join(f"{k} {v:.2f}" for k, v in row["stages_cpu_s"].items())
        print(
            f"{name}: {row['candidates']:,} candidate pairs -> {row['arcs']:,} arcs -> "
            f"{row['useful']:,} useful in {row['components']:,} components\n"
            f"  stages (CPU s): {stages}\n"
            f"  command {row['command_cpu_s']:.2f} CPU s ({row['command_s']:.2f} s wall), "
            f"peak {row['peak_mib']:,} MiB; objective {row['objective']:,.4f} "
            f"(rel. error {row['rel_error']:.1e})\n"
            f"  bare min-cost flow {row['bare_mcf_cpu_s']:.2f} CPU s ({row['bare_mcf_s']:.2f} s "
            f"wall, rel. error {row['bare_rel_error']:.1e}); command / bare (CPU) = "
            + (f"{row['ratio']:.2f}" if row["bare_mcf_cpu_s"] >= 0.1 else "n/a (start-up bound)"),
            flush=True,
        )


if __name__ == "__main__":
    main()
