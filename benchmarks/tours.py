"""Figures for the tours solver (`matching.tours`); never part of the pass/fail suite.

    .venv/bin/python -m benchmarks.tours [--time-limit 10] [--park-time-limit 60]

1. Capacitated VRP instances with a proven optimum (benchmarks/data/cvrp.json, with their
   sources): each customer becomes a monthly exchange to the depot, one vehicle kind of the
   instance's capacity, TSPLIB distances given as `distances_km`, time and shifts left
   loose. The plan's km against the best known value is the gap. The file's best routes
   are re-costed first, so wrong coordinates would show as a mismatch.
2. A synthetic 200-pickup park (seeded): 60 suppliers and 6 receivers in a 12 x 9 km park,
   40 weekly and 20 biweekly exchanges (six of them between receivers), a tenth
   hazardous, opening hours, eight-hour shifts, four 12 t trucks at two receivers and two
   10 t hazardous tankers at a carrier's yard.
3. The demo park's running exchanges (the app's `seed-demo`, in a throw-away database).

Times are wall seconds of `solve_tours` (model built and searched) and its CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import tempfile
import time
from pathlib import Path

from matching.tours import load_tours_problem, solve_tours
from matching.tours.problem import FREQUENCIES as PICKUPS

DATA = Path(__file__).resolve().parent / "data" / "cvrp.json"


def tsplib_km(xy, i: int, j: int) -> int:
    """TSPLIB EUC_2D: the Euclidean distance rounded to the nearest whole number."""
    return int(math.floor(math.hypot(xy[i][0] - xy[j][0], xy[i][1] - xy[j][1]) + 0.5))


def route_cost(instance: dict) -> int:
    xy = instance["xy"]
    total = 0
    for route in instance["best_routes"]:
        stops = [0, *route, 0]
        total += sum(tsplib_km(xy, a, b) for a, b in zip(stops, stops[1:], strict=False))
    return total


def cvrp_problem(instance: dict, time_limit_s: float) -> dict:
    """A CVRP as a tours problem: customers ship their demand to the depot."""
    xy, n = instance["xy"], len(instance["xy"])
    ids = ["depot"] + [f"c{k}" for k in range(1, n)]
    return {
        "format": "symbiosis-tours/1",
        "name": instance["name"],
        # the coordinates are TSPLIB's plane: only `distances_km` counts, positions are nominal
        "sites": [{"id": s, "lat": 0.0, "lon": 0.0, "service_minutes": 0} for s in ids],
        "exchanges": [
            {
                "id": f"e{k}",
                "supplier": ids[k],
                "receiver": "depot",
                "monthly_tonnes": instance["demand"][k],
                "frequency": "monthly",
            }
            for k in range(1, n)
        ],  # fmt: skip
        "vehicles": [
            {"id": "truck", "capacity_t": instance["capacity"], "count": n - 1, "depot": "depot"}
        ],  # fmt: skip
        "distances_km": [
            {"from": ids[i], "to": ids[j], "km": tsplib_km(xy, i, j)}
            for i in range(n)
            for j in range(i + 1, n)
        ],  # fmt: skip
        "options": {
            "shifts_per_month": 1,
            "max_shift_minutes": 1440,
            "speed_kmh": 1e6,
            "time_limit_s": time_limit_s,
        },  # fmt: skip
    }


def park_problem(seed: int, time_limit_s: float) -> dict:
    """The synthetic park: 200 pickups a month (40 weekly x 4 + 20 biweekly x 2)."""
    rng = random.Random(seed)
    lat0, lon0 = 35.22, 128.62  # Changwon national industrial complex, roughly

    # 12 km east-west, 9 km north-south: 1 degree of latitude is 111 km, of longitude 91 km here
    def place():
        return round(lat0 + rng.uniform(0, 9) / 111, 5), round(lon0 + rng.uniform(0, 12) / 91, 5)

    sites = []
    for kind, count in (("s", 60), ("r", 6), ("yard", 1)):
        for k in range(1, count + 1):
            lat, lon = place()
            site = {"id": f"{kind}{k}" if kind != "yard" else "yard", "lat": lat, "lon": lon}
            if kind == "s" and k % 4 == 0:
                site.update(open="09:00", close="16:00")
            sites.append(site)
    exchanges = []
    for k in range(1, 61):
        # the last six run between receivers (a recycler's output to another), so a truck
        # that delivers there may find a load back
        supplier = f"s{k}" if k <= 54 else f"r{k - 54}"
        receiver = f"r{rng.randint(1, 6)}" if k <= 54 else f"r{(k - 54) % 6 + 1}"
        exchanges.append({
            "id": f"x{k}", "supplier": supplier, "receiver": receiver,
            "monthly_tonnes": round(rng.uniform(2, 40), 1),
            "frequency": "weekly" if k <= 40 else "biweekly", "hazardous": k % 10 == 0,
        })  # fmt: skip
    vehicles = [
        {"id": "truck-r1", "capacity_t": 12, "count": 2, "depot": "r1"},
        {"id": "truck-r2", "capacity_t": 12, "count": 2, "depot": "r2"},
        {"id": "tanker", "capacity_t": 10, "count": 2, "depot": "yard", "hazardous": True},
    ]
    return {"format": "symbiosis-tours/1", "name": "synthetic park, 200 pickups",
            "period": "2026-12", "sites": sites, "exchanges": exchanges, "vehicles": vehicles,
            "options": {"time_limit_s": time_limit_s}}  # fmt: skip


def frequency(tonnes: float) -> str:
    """The demo's pickup frequency (the app has no such field yet): 48 t a month or more
    weekly, 12 t or more biweekly, less monthly."""
    return "weekly" if tonnes >= 48 else "biweekly" if tonnes >= 12 else "monthly"


def demo_problem(folder: Path, time_limit_s: float) -> dict:
    """The demo park's running exchanges (`flask seed-demo`: the matcher's best 12, agreed by
    both sides), in a throw-away SQLite database, as a tours problem. Trucks: one 25 t truck
    at each receiver and two 20 t hazardous tankers at a carrier's yard in the park."""
    from sqlmodel import select

    from exchange import create_app, db, migrate
    from exchange.models import Factory, Listing, Proposal, ProposalStatus
    from exchange.seed import load_demo

    url = "sqlite:///" + str(folder / "demo.db")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark", "TESTING": True})
    migrate.upgrade(app)
    with app.app_context(), db.session_scope() as session:
        load_demo(session=session, history=True)
        running = session.exec(
            select(Proposal).where(Proposal.status == ProposalStatus.active)
        ).all()
        sites, exchanges = {}, []
        for p in running:
            offer, want = session.get(Listing, p.offer_id), session.get(Listing, p.want_id)
            ends = [session.get(Factory, x.factory_id) for x in (offer, want)]
            for f in ends:
                sites[f.slug] = {"id": f.slug, "lat": f.lat, "lon": f.lon}
            exchanges.append({
                "id": f"p{p.id}", "supplier": ends[0].slug, "receiver": ends[1].slug,
                "monthly_tonnes": p.tonnes_per_month, "frequency": frequency(p.tonnes_per_month),
                "hazardous": offer.hazardous, "material": offer.material_key,
            })  # fmt: skip
    app.extensions["db_engine"].dispose()
    lat = sum(s["lat"] for s in sites.values()) / len(sites)
    lon = sum(s["lon"] for s in sites.values()) / len(sites)
    sites["yard"] = {"id": "yard", "lat": round(lat, 5), "lon": round(lon, 5)}
    return {
        "format": "symbiosis-tours/1", "name": "demo park, running exchanges",
        "sites": list(sites.values()), "exchanges": exchanges,
        # each receiver collects with its own 25 t truck; a carrier's tankers take the
        # hazardous loads from its yard
        "vehicles": [
            *({"id": f"truck-{r}", "capacity_t": 25, "depot": r}
              for r in dict.fromkeys(e["receiver"] for e in exchanges)),
            {"id": "tanker", "capacity_t": 20, "count": 2, "depot": "yard", "hazardous": True},
        ],
        # the fly ash goes to cement works up to ~150 km away: highway speed, ten-hour shifts
        "options": {"time_limit_s": time_limit_s, "speed_kmh": 60, "max_shift_minutes": 600},
    }  # fmt: skip


def show(title: str, plan, wall: float, cpu: float) -> None:
    t, b = plan.totals, plan.baseline
    print(f"  status {plan.status}, wall {wall:.1f} s, cpu {cpu:.1f} s  ({title})")
    print(f"  tours:          {t.tours:>4} tours  {t.km:>9,.1f} km  ({t.empty_km:,.1f} empty)  "
          f"{t.kg_co2e:>9,.1f} kg CO2e")  # fmt: skip
    print(f"  trucked alone:  {b.trips:>4} trips  {b.km:>9,.1f} km  ({b.empty_km:,.1f} empty)  "
          f"{b.kg_co2e:>9,.1f} kg CO2e")  # fmt: skip
    if b.km:
        print(f"  saved:          {plan.saved_km:,.1f} km ({plan.saved_km / b.km:.0%}), "
              f"{plan.saved_kg_co2e:,.1f} kg CO2e a month")  # fmt: skip


def run(data: dict) -> tuple:
    problem = load_tours_problem(data)
    wall, cpu = time.perf_counter(), time.process_time()
    plan = solve_tours(problem)
    return plan, time.perf_counter() - wall, time.process_time() - cpu, problem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per CVRP")
    parser.add_argument("--park-time-limit", type=float, default=60.0, help="seconds, park")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("\nCVRP (time limit per instance, guided local search, one thread)")
    print(f"{'instance':<10} {'best':>6} {'check':>6} {'found':>8} {'gap':>7} {'tours':>5} "
          f"{'wall s':>7} {'cpu s':>6}")  # fmt: skip
    for instance in json.loads(DATA.read_text())["instances"]:
        plan, wall, cpu, _ = run(cvrp_problem(instance, args.time_limit))
        best = instance["best_known"]
        gap = (plan.totals.km - best) / best
        print(f"{instance['name']:<10} {best:>6} {route_cost(instance):>6} "
              f"{plan.totals.km:>8.0f} {gap:>7.2%} {plan.totals.tours:>5} {wall:>7.1f} {cpu:>6.1f}")  # fmt: skip

    plan, wall, cpu, problem = run(park_problem(args.seed, args.park_time_limit))
    hazardous = sum(1 for x in plan.loads if x.hazardous)
    print(f"\nsynthetic park (seed {args.seed}, time limit {args.park_time_limit:g} s): "
          f"{len(problem.exchanges)} exchanges, "
          f"{sum(e.pickups_per_month for e in problem.exchanges)} pickups, "
          f"{len(plan.loads)} loads ({hazardous} hazardous), "
          f"{plan.solver.routing_vehicles} shifts on offer")  # fmt: skip
    show("synthetic park", plan, wall, cpu)
    with tempfile.TemporaryDirectory() as folder:
        data = demo_problem(Path(folder), args.park_time_limit)
    plan, wall, cpu, problem = run(data)
    print(f"\ndemo park (Sihwa-Banwol, `flask seed-demo`): {len(problem.exchanges)} running "
          f"exchanges, {sum(e.pickups_per_month for e in problem.exchanges)} pickups, "
          f"{len(plan.loads)} loads")  # fmt: skip
    show("demo park", plan, wall, cpu)
    # the streams the issue is about: pickups under one truckload, the bulk flows left out
    small = [e for e in data["exchanges"] if e["monthly_tonnes"] / PICKUPS[e["frequency"]] < 20]
    plan, wall, cpu, problem = run({**data, "exchanges": small})
    print(f"\ndemo park, pickups under 20 t only: {len(small)} exchanges, {len(plan.loads)} loads")
    show("demo park, small streams", plan, wall, cpu)


if __name__ == "__main__":
    main()
