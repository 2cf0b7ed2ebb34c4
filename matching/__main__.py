"""The command line: `python -m matching solve PROBLEM.json [-o PLAN.json]`.

`python -m matching tours PROBLEM.json [-o PLAN.json]` plans collection tours from a
`symbiosis-tours/1` file (matching/TOURS.md) in the same way.

Exit status: 0 with a plan, 1 when the plan is `infeasible` or a solver fails, 2 when
the problem is refused (the message names the field and the item). The plan goes to
stdout, or to PLAN.json written whole or not at all; people read stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from matching.problem import SOLVERS, ProblemError, load_problem
from matching.solve import SolverError, solve

# Below this many seconds a run prints only its summary; past it, every stage as it ends.
LONG_RUN_S = 1.0


class _StageLines:
    """Stage lines on stderr, held back until the run turns out to be long."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.start = time.perf_counter()
        self.held: list[str] = []

    def __call__(self, line: str) -> None:
        if self.quiet:
            return
        elapsed = time.perf_counter() - self.start
        self.held.append(f"[{elapsed:.2f}s] {line}")
        if elapsed >= LONG_RUN_S:
            print("\n".join(self.held), file=sys.stderr, flush=True)
            self.held.clear()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    >>> main(["solve", "/no/such/file.json", "--quiet"])
    2
    """
    args = _parser().parse_args(argv)
    if args.command == "tours":
        return _tours(args)
    lines = _StageLines(args.quiet)
    try:
        problem = load_problem(args.problem)
        lines(f"problem: {len(problem.sources):,} sources, {len(problem.sinks):,} sinks")
        plan = solve(problem, solver=args.solver, time_limit_s=args.time_limit, progress=lines)
    except ProblemError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except SolverError as err:
        print(f"solver error: {err}", file=sys.stderr)
        return 1
    _emit(plan, args)
    return 1 if plan.status == "infeasible" else 0


def _emit(plan, args: argparse.Namespace) -> None:
    """The plan as JSON to the output file (written whole) or stdout; its summary to stderr."""
    text = plan.to_json(indent=args.indent) + "\n"
    if args.output:
        _write_whole(Path(args.output), text)
    else:
        sys.stdout.write(text)
    if not args.quiet:
        print(plan.summary(), file=sys.stderr)


def _tours(args: argparse.Namespace) -> int:
    # imported here: `solve` must not pay for loading the routing library
    from matching.tours import load_tours_problem, solve_tours

    try:
        problem = load_tours_problem(args.problem)
    except ProblemError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    plan = solve_tours(problem, time_limit_s=args.time_limit, solution_limit=args.solution_limit)
    _emit(plan, args)
    return 0 if plan.status == "feasible" else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m matching", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    cmd = commands.add_parser("solve", help="solve a symbiosis-problem/1 file")
    cmd.add_argument("problem", help="the problem file (JSON)")
    cmd.add_argument("-o", "--output", help="write the plan here instead of stdout")
    cmd.add_argument("--solver", choices=SOLVERS, help="override options.solver")
    cmd.add_argument("--time-limit", type=float, help="seconds for mixed-integer solves")
    cmd.add_argument("--indent", type=int, help="indent the plan's JSON")
    cmd.add_argument("-q", "--quiet", action="store_true", help="nothing on stderr but errors")
    cmd = commands.add_parser("tours", help="plan collection tours (symbiosis-tours/1)")
    cmd.add_argument("problem", help="the tours problem file (JSON)")
    cmd.add_argument("-o", "--output", help="write the plan here instead of stdout")
    cmd.add_argument("--time-limit", type=float, help="seconds of search (options.time_limit_s)")
    cmd.add_argument(
        "--solution-limit", type=int, help="stop after this many solutions (reproducible runs)"
    )
    cmd.add_argument("--indent", type=int, help="indent the plan's JSON")
    cmd.add_argument("-q", "--quiet", action="store_true", help="nothing on stderr but errors")
    return parser


def _write_whole(path: Path, text: str) -> None:
    # a temporary file renamed into place: readers never see half a plan
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


if __name__ == "__main__":
    sys.exit(main())
