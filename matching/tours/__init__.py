"""Pooled collection tours for a park's exchanges (`symbiosis-tours/1`, see matching/TOURS.md).

`load_tours_problem` reads a problem, `solve_tours` plans the month's tours with OR-Tools'
routing library, `ToursPlan.to_json()` writes `symbiosis-tours-plan/1`. The command line is
`python -m matching tours PROBLEM.json [-o PLAN.json]`.
"""

from matching.tours.plan import Baseline, Stop, Totals, Tour, ToursPlan
from matching.tours.problem import ToursProblem, load_tours_problem
from matching.tours.solve import solve_tours

__all__ = [
    "Baseline",
    "Stop",
    "Totals",
    "Tour",
    "ToursPlan",
    "ToursProblem",
    "load_tours_problem",
    "solve_tours",
]
