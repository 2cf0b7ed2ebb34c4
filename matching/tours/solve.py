"""solve_tours(problem) -> ToursPlan with OR-Tools' routing library.

The search is fixed: local cheapest insertion for the first solution, then guided
local search until the time limit or the solution limit, whichever comes first. Both
are options; with a solution limit the result does not depend on the machine's speed.
"""

from __future__ import annotations

import time

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from matching.tours.model import RoutingData, build_model
from matching.tours.plan import (
    SolverInfo,
    Stop,
    Tour,
    ToursPlan,
    baseline,
    clock,
    load_infos,
    rounded,
    totals,
)
from matching.tours.problem import ToursProblem

__all__ = ["solve_tours"]


def solve_tours(
    problem: ToursProblem,
    *,
    time_limit_s: float | None = None,
    solution_limit: int | None = None,
) -> ToursPlan:
    """The month's tours; arguments override `options.time_limit_s` and `solution_limit`.

    Returns a plan with status "feasible" (every load in a tour; the routing search proves
    no optimum), "partial" (the loads no tour could take listed in `unserved`, the rest
    planned) or "infeasible" (the search found nothing in the time given).
    """
    limit_s = time_limit_s or problem.options.time_limit_s
    solutions = solution_limit or problem.options.solution_limit
    infos = load_infos(problem)
    if not problem.loads:
        return ToursPlan("feasible", loads=infos, solver=SolverInfo(time_limit_s=limit_s))
    data = build_model(problem)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(max(1, round(limit_s * 1000)))
    if solutions:
        params.solution_limit = solutions
    started = time.perf_counter()
    solution = data.routing.SolveWithParameters(params)
    info = SolverInfo(
        solve_s=round(time.perf_counter() - started, 3), time_limit_s=limit_s,
        solution_limit=solutions, routing_vehicles=len(data.vehicles),
        objective_m=None if solution is None else solution.ObjectiveValue(),
    )  # fmt: skip
    if solution is None:
        message = f"the search found no tours at all within {limit_s:g} s"
        base = baseline(problem, data.km)
        return ToursPlan("infeasible", baseline=base, loads=infos, solver=info, message=message)
    tours = _tours(problem, data, solution)
    served = {x for t in tours for s in t.stops if s.action == "pickup" for x in s.loads}
    unserved = tuple(x.id for x in problem.loads if x.id not in served)
    status, message = "feasible", None
    if unserved:
        status = "partial"
        message = (
            f"{len(unserved)} of {len(problem.loads)} loads fit no tour under the rules "
            "(capacity, opening hours, shift length, hazardous vehicles, each pickup in its "
            f"part of the month) within {limit_s:g} s: "
            + ", ".join(unserved[:10])
            + (", ..." if len(unserved) > 10 else "")
        )
        if not served:
            # the search may also have run out of time before its first solution
            message += "; if the rules allow some tours, give the search more time"
    total = totals(tours)
    base = baseline(problem, data.km, served)
    return ToursPlan(
        status, tours, total, base, rounded(base.km - total.km),
        rounded(base.kg_co2e - total.kg_co2e), infos, info, unserved, message,
    )  # fmt: skip


def _tours(problem: ToursProblem, data: RoutingData, solution) -> tuple[Tour, ...]:
    routing, manager = data.routing, data.manager
    time_dim = routing.GetDimensionOrDie("time")
    start = problem.options.shift_start
    loads = problem.loads
    tours = []
    for k in range(len(data.vehicles)):
        if not routing.IsVehicleUsed(solution, k):
            continue
        vehicle = data.vehicles[k]
        nodes, arrivals = [], []
        index = routing.Start(k)
        while True:
            nodes.append(manager.IndexToNode(index))
            arrivals.append(solution.Value(time_dim.CumulVar(index)))
            if routing.IsEnd(index):
                break
            index = solution.Value(routing.NextVar(index))
        stops: list[Stop] = []
        on_board = picked = 0.0
        km = loaded = 0.0
        for n, (node, arrival) in enumerate(zip(nodes, arrivals, strict=True)):
            site = problem.sites[data.node_site[node]].id
            if n == 0 or n == len(nodes) - 1:
                action, load_ids, tonnes = ("start" if n == 0 else "end"), (), 0.0
            else:
                load = loads[data.node_load[node]]
                pickup = node == data.first_load + 2 * data.node_load[node]
                action, load_ids, tonnes = (
                    ("pickup" if pickup else "delivery"),
                    (load.id,),
                    load.tonnes,
                )
                on_board += tonnes if pickup else -tonnes
                picked += tonnes if pickup else 0.0
            if n > 0:
                leg = float(data.km[data.node_site[nodes[n - 1]], data.node_site[node]])
                km += leg
                loaded += leg if stops[-1].load_after_t > 1e-9 else 0.0
            last = stops[-1] if stops else None
            if (
                last
                and action in ("pickup", "delivery")
                and (last.site, last.action) == (site, action)
            ):
                # several loads picked up or dropped at one site make one stop
                stops[-1] = Stop(site, action, last.loads + load_ids, rounded(last.tonnes + tonnes),
                                 rounded(on_board), last.arrival_min, last.arrival)  # fmt: skip
            else:
                stops.append(Stop(site, action, load_ids, rounded(tonnes), rounded(on_board), arrival,
                                  clock(start, arrival)))  # fmt: skip
        empty = km - loaded
        kg = loaded * vehicle.kg_co2e_per_km_loaded + empty * vehicle.kg_co2e_per_km_empty
        truck, day = data.units[k]
        tours.append(Tour(len(tours) + 1, vehicle.id, truck, day, vehicle.depot, tuple(stops),
                          rounded(km), rounded(loaded), rounded(empty), rounded(kg), rounded(picked)))  # fmt: skip
    return tuple(tours)
