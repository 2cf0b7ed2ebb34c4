"""A run's proposals as a picture: factories as dots, exchanges as lines, drawn as inline SVG.

Pure: nodes and edges in, an SVG string out. networkx lays the factories out (a spring
layout with a fixed seed, so the same run always gives the same picture); the page needs no
script and no outside library. Every text is escaped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import networkx as nx

__all__ = ["Edge", "Node", "network_svg", "GROUP_COLOURS"]

GROUP_COLOURS = {
    "minerals": "#8d6e63",
    "metals": "#546e7a",
    "acids-alkalis": "#c62828",
    "solvents-oils": "#6a1b9a",
    "sludges": "#795548",
    "plastics": "#1565c0",
    "paper-wood": "#ef6c00",
    "organics": "#2e7d32",
    "textiles": "#ad1457",
    "glass": "#00838f",
    "other": "#757575",
}


@dataclass(frozen=True)
class Node:
    id: str
    label: str


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    tonnes: float
    group: str
    title: str = ""


def _layout(nodes: list[Node], edges: list[Edge], seed: int) -> dict[str, tuple[float, float]]:
    graph = nx.Graph()
    graph.add_nodes_from(n.id for n in nodes)
    for e in edges:
        if e.source != e.target:
            weight = graph.get_edge_data(e.source, e.target, {}).get("weight", 0.0)
            graph.add_edge(e.source, e.target, weight=weight + e.tonnes)
    if len(graph) == 1:
        return {nodes[0].id: (0.0, 0.0)}
    k = 2.2 / math.sqrt(len(graph))  # looser than the default: labels need room
    pos = nx.spring_layout(graph, k=k, seed=seed, weight=None, iterations=200)
    return {n: (float(x), float(y)) for n, (x, y) in pos.items()}


def _scale(pos, width: float, height: float, margin: float) -> dict[str, tuple[float, float]]:
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    return {
        n: (margin + (x - min(xs)) / span_x * (width - 2 * margin) if len(pos) > 1 else width / 2,
            margin + (y - min(ys)) / span_y * (height - 2 * margin) if len(pos) > 1 else height / 2)
        for n, (x, y) in pos.items()
    }  # fmt: skip


def _edge_path(a: tuple[float, float], b: tuple[float, float], bend: float) -> str:
    if a == b:  # an offer and a want of the same factory: a small loop
        x, y = a
        return f"M{x:.1f},{y:.1f} c-30,-40 30,-40 0,0"
    (x1, y1), (x2, y2) = a, b
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    dx, dy = x2 - x1, y2 - y1
    cx, cy = mx - dy * bend, my + dx * bend
    # stop short of the target's dot, so the arrow head shows
    ex, ey = x2 - cx, y2 - cy
    length = math.hypot(ex, ey) or 1.0
    x2, y2 = x2 - ex / length * 10, y2 - ey / length * 10
    return f"M{x1:.1f},{y1:.1f} Q{cx:.1f},{cy:.1f} {x2:.1f},{y2:.1f}"


def network_svg(
    nodes: list[Node],
    edges: list[Edge],
    *,
    legend: dict[str, str] | None = None,
    title: str = "",
    width: int = 860,
    height: int = 460,
    seed: int = 7,
) -> str:
    """The exchanges between factories as an SVG element; line width grows with tonnes.

    >>> svg = network_svg([Node("a", "A <1>"), Node("b", "B")], [Edge("a", "b", 10, "metals")])
    >>> svg.startswith("<svg") and "A &lt;1&gt;" in svg and "#546e7a" in svg
    True
    """
    if not nodes:
        return ""
    legend = legend or {}
    used = sorted({e.group for e in edges})
    legend_h = 22 * len(used)
    pos = _scale(_layout(nodes, edges, seed), width, height, margin=70)
    top = max((e.tonnes for e in edges), default=1.0) or 1.0
    parts = [f'<svg class="network" xmlns="http://www.w3.org/2000/svg" role="img" '
             f'viewBox="0 0 {width} {height + legend_h + 10}" width="100%">',
             f"<title>{escape(title)}</title>",
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="12" '
             'markerHeight="12" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
             'fill="#5b6b70"/></marker></defs>']  # fmt: skip
    seen: dict[tuple[str, str], int] = {}
    for e in sorted(edges, key=lambda e: -e.tonnes):
        key = (min(e.source, e.target), max(e.source, e.target))
        count = seen[key] = seen.get(key, -1) + 1
        bend = 0.12 * (count + 1) * (1 if count % 2 == 0 else -1)
        stroke = 1.5 + 9 * math.sqrt(e.tonnes / top)
        colour = GROUP_COLOURS.get(e.group, GROUP_COLOURS["other"])
        parts.append(f'<path d="{_edge_path(pos[e.source], pos[e.target], bend)}" fill="none" '
                     f'stroke="{colour}" stroke-opacity="0.75" stroke-width="{stroke:.1f}" '
                     f'stroke-linecap="round" marker-end="url(#arrow)">'
                     f"<title>{escape(e.title)}</title></path>")  # fmt: skip
    for n in nodes:
        x, y = pos[n.id]
        parts.append(f'<g class="node"><circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="#0b5536" '
                     f'stroke="#fff" stroke-width="2"/><text x="{x:.1f}" y="{y + 22:.1f}" '
                     f'text-anchor="middle" font-size="13" fill="#1d2a2f">{escape(n.label)}</text>'
                     "</g>")  # fmt: skip
    for i, group in enumerate(used):
        y = height + 10 + 22 * i
        colour = GROUP_COLOURS.get(group, GROUP_COLOURS["other"])
        parts.append(f'<rect x="12" y="{y}" width="26" height="6" rx="3" fill="{colour}"/>'
                     f'<text x="46" y="{y + 7}" font-size="13" fill="#5b6b70">'
                     f"{escape(legend.get(group, group))}</text>")  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)
