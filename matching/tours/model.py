"""The OR-Tools routing model of a tours problem: nodes, vehicles, dimensions, rules.

Nothing is solved here. Nodes: one per depot site, then for load i a pickup node
`first_load + 2i` at its supplier and a delivery node `first_load + 2i + 1` at its
receiver. Each routing vehicle is one truck's shift on one working day of the month. Integer units: metres for
distances (the arc cost), minutes for time, kilograms for loads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp

from matching.sites import great_circle_km
from matching.tours.problem import ToursProblem, Vehicle

__all__ = ["RoutingData", "build_model", "site_km"]

DAY_MIN = 24 * 60
# metres of arc cost charged for a load no tour takes: a million km, more than any plan
UNSERVED_PENALTY = 10**9


def site_km(problem: ToursProblem) -> np.ndarray:
    """Road km between sites, shape (sites, sites): great circle x circuity, or as given.

    A `distances_km` entry sets its direction, and the reverse too unless that is given.
    """
    lat = np.radians([s.lat for s in problem.sites])
    lon = np.radians([s.lon for s in problem.sites])
    km = great_circle_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    km = km * problem.options.circuity
    given = {(d.origin, d.destination): d.km for d in problem.distances_km}
    index = problem.site_index
    for (a, b), value in given.items():
        km[index[a], index[b]] = value
        if (b, a) not in given:
            km[index[b], index[a]] = value
    return km


@dataclass
class RoutingData:
    """The built model and what is needed to read a solution back."""

    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    node_site: list[int]
    node_load: list[int]  # load index, -1 for depots
    vehicles: list[Vehicle]  # the truck kind of each routing vehicle
    units: list[tuple[int, int]]  # (truck number, day of the month), 1-based, per routing vehicle
    first_load: int
    km: np.ndarray


def build_model(problem: ToursProblem) -> RoutingData:
    """The routing model with every rule of TOURS.md ("Rules") as a constraint."""
    km = site_km(problem)
    opts = problem.options
    loads = problem.loads
    depots = sorted({problem.site_index[v.depot] for v in problem.vehicles})
    depot_node = {site: k for k, site in enumerate(depots)}
    first = len(depots)
    exchange = problem.exchange_by_id
    node_site = list(depots)
    node_kg = [0] * first
    node_load = [-1] * first
    for i, load in enumerate(loads):
        e = exchange[load.exchange]
        kg = round(load.tonnes * 1000)
        node_site += [problem.site_index[e.supplier], problem.site_index[e.receiver]]
        node_kg += [kg, -kg]
        node_load += [i, i]

    # one routing vehicle per truck and working day of the month
    days = opts.shifts_per_month
    vehicles: list[Vehicle] = []
    units: list[tuple[int, int]] = []
    for v in problem.vehicles:
        for truck in range(1, v.count + 1):
            for day in range(1, days + 1):
                vehicles.append(v)
                units.append((truck, day))
    starts = [depot_node[problem.site_index[v.depot]] for v in vehicles]
    manager = pywrapcp.RoutingIndexManager(len(node_site), len(vehicles), starts, starts)
    routing = pywrapcp.RoutingModel(manager)

    # node x node matrices, registered whole: OR-Tools then never calls back into Python
    sites = np.array(node_site)
    metres = np.rint(km * 1000).astype(np.int64)[np.ix_(sites, sites)]
    minutes = np.rint(km / opts.speed_kmh * 60).astype(np.int64)[np.ix_(sites, sites)]
    service = np.array([s.service_min for s in problem.sites], dtype=np.int64)[sites]
    service[:first] = 0  # nothing to load at the depot when a shift starts
    minutes += service[:, None]  # the work at a stop comes before driving on

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(metres.tolist()))
    capacities = [round(v.capacity_t * 1000) for v in vehicles]
    demand = routing.RegisterUnaryTransitVector(node_kg)
    routing.AddDimensionWithVehicleCapacity(demand, 0, capacities, True, "load")
    # "slots": a load takes one, a hazardous load all of them, so a hazardous load is
    # never on board with another (a dimension, which the search handles well, rather
    # than a posted constraint, which its insertion heuristic cannot see)
    slots = len(loads) + 1
    node_slots = [0] * first
    for load in loads:
        take = slots if exchange[load.exchange].hazardous else 1
        node_slots += [take, -take]
    routing.AddDimension(routing.RegisterUnaryTransitVector(node_slots), 0, slots, True, "slots")
    travel = routing.RegisterTransitMatrix(minutes.tolist())
    routing.AddDimension(travel, DAY_MIN, DAY_MIN, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    solver = routing.solver()

    for n in range(first, len(node_site)):
        site = problem.sites[node_site[n]]
        time_dim.CumulVar(manager.NodeToIndex(n)).SetRange(site.open_min, site.close_min)
    for k, v in enumerate(vehicles):
        site = problem.sites[problem.site_index[v.depot]]
        # every shift leaves its depot at the shift start, or when the depot opens if later
        time_dim.CumulVar(routing.Start(k)).SetRange(site.open_min, site.open_min)
        time_dim.CumulVar(routing.End(k)).SetRange(site.open_min, site.close_min)
        time_dim.SetSpanUpperBoundForVehicle(opts.max_shift_minutes, k)
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(k)))

    for i, load in enumerate(loads):
        p = manager.NodeToIndex(first + 2 * i)
        d = manager.NodeToIndex(first + 2 * i + 1)
        routing.AddPickupAndDelivery(p, d)
        # a load left out costs far more than any tour, so one is left out only when no
        # tour can take it: the plan then lists it as unserved instead of failing whole
        routing.AddDisjunction([p], UNSERVED_PENALTY)
        routing.AddDisjunction([d], UNSERVED_PENALTY)
        solver.Add(routing.ActiveVar(p) == routing.ActiveVar(d))
        solver.Add(routing.VehicleVar(p) == routing.VehicleVar(d))
        solver.Add(time_dim.CumulVar(p) <= time_dim.CumulVar(d))
        e = exchange[load.exchange]
        # pickup k of n falls in the k-th n-th of the month (a weekly one in week k), so the
        # pickups of an exchange are on different days; hazardous loads: hazardous vehicles.
        # -1 is "not served". (SetAllowedVehiclesForIndex says the same, but its binding
        # refuses lists; a domain, unlike a posted constraint, guides the insertion heuristic.)
        allowed = [-1] + [
            k for k, (v, (_, day)) in enumerate(zip(vehicles, units, strict=True))
            if (v.hazardous or not e.hazardous)
            and (day - 1) * e.pickups_per_month // days == load.pickup - 1
        ]  # fmt: skip
        routing.VehicleVar(p).SetValues(allowed)
        routing.VehicleVar(d).SetValues(allowed)
    return RoutingData(manager, routing, node_site, node_load, vehicles, units, first, km)
