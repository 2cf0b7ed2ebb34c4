"""Matching by-products to the sinks that can use them, for the least emissions.

A pure library (no web app, no database): `load_problem` reads a `symbiosis-problem/1`
file, `solve` turns it into a `Plan`, and `Plan.to_json()` writes `symbiosis-plan/1`.
The command line is `python -m matching solve PROBLEM.json [-o PLAN.json]`.

>>> problem = load_problem({"format": "symbiosis-problem/1", "sources": [], "sinks": []})
>>> solve(problem).status
'optimal'
"""

from matching.plan import Exchange, Plan, SinkUse, SolverInfo, Unmatched
from matching.problem import Problem, ProblemError, load_problem
from matching.solve import SolverError, solve

__all__ = [
    "Exchange",
    "Plan",
    "Problem",
    "ProblemError",
    "SinkUse",
    "SolverError",
    "SolverInfo",
    "Unmatched",
    "load_problem",
    "solve",
]
