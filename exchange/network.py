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

CELL = 90.0  # room for one factory and its label, in SVG units

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


def _graph(nodes: list[Node], edges: list[Edge]) -> nx.Graph:
    graph = nx.Graph()
    graph.add_nodes_from(n.id for n in nodes)
    for e in edges:
        if e.source != e.target:
            weight = graph.get_edge_data(e.source, e.target, {}).get("weight", 0.0)
            graph.add_edge(e.source, e.target, weight=weight + e.tonnes)
    return graph


def _ordered(graph: nx.Graph, group: list[str]) -> nx.Graph:
    """The group's subgraph with its nodes in sorted order: a subgraph view lists them in set
    order, which changes with the hash seed, so each process would draw another picture."""
    sub = nx.Graph()
    sub.add_nodes_from(group)
    sub.add_edges_from(graph.subgraph(group).edges(data=True))
    return sub


def _component(graph: nx.Graph, seed: int, w: float, h: float) -> dict[str, tuple[float, float]]:
    """One connected group of factories in a `w` x `h` box, spread by a spring layout."""
    if len(graph) == 1:
        return {next(iter(graph)): (w / 2, h / 2)}
    pos = nx.spring_layout(graph, k=3.0 / math.sqrt(len(graph)), seed=seed, iterations=300)
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    pad_x, pad_y = 0.8 * CELL, 0.35 * CELL
    return {n: (pad_x + (x - min(xs)) / span_x * (w - 2 * pad_x),
                pad_y + (y - min(ys)) / span_y * (h - 2 * pad_y)) for n, (x, y) in pos.items()}  # fmt: skip


def _layout(
    nodes: list[Node], edges: list[Edge], seed: int, width: float
) -> tuple[dict[str, tuple[float, float]], float]:
    """Each connected group laid out on its own, then the groups packed in rows (largest
    first): one spring layout over all of them pushes the small groups to the corners."""
    graph = _graph(nodes, edges)
    groups = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c))
    pos: dict[str, tuple[float, float]] = {}
    x = y = row_h = 0.0
    for group in groups:
        root = math.sqrt(len(group))
        w, h = min(width, CELL * (1.2 + root * 2.2)), CELL * (0.6 + root * 1.3)
        if x + w > width:
            x, y, row_h = 0.0, y + row_h, 0.0
        for n, (px, py) in _component(_ordered(graph, group), seed, w, h).items():
            pos[n] = (x + px, y + py)
        x, row_h = x + w, max(row_h, h)
    return pos, y + row_h


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


def _text_width(text: str) -> float:
    """About how wide a label is at 12 px: Hangul and other wide letters take twice the room."""
    return sum(12.0 if ord(ch) > 0x1100 else 6.6 for ch in text)


def _labels(nodes: list[Node], pos, width: float) -> dict[Node, tuple[float, float, str]]:
    """Where each name goes: below its dot, else above, right or left, wherever it overlaps
    no name placed before; kept inside the picture."""
    placed: list[tuple[float, float, float, float]] = []
    out = {}
    for n in sorted(nodes, key=lambda n: (pos[n.id][1], pos[n.id][0])):
        x, y = pos[n.id]
        w = _text_width(n.label)
        options = [(x, y + 19, "middle"), (x, y - 11, "middle"), (x + 10, y + 4, "start"),
                   (x - 10, y + 4, "end")]  # fmt: skip
        choice = options[0]
        for lx, ly, anchor in options:
            left = {"middle": lx - w / 2, "start": lx, "end": lx - w}[anchor]
            left = min(max(left, 2.0), width - w - 2)
            box = (left, ly - 11, left + w, ly + 3)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                       for b in placed):  # fmt: skip
                choice = (left, ly, "start")
                break
        else:
            left = min(max(x - w / 2, 2.0), width - w - 2)
            choice = (left, y + 19, "start")
        placed.append((choice[0], choice[1] - 11, choice[0] + w, choice[1] + 3))
        out[n] = choice
    return out


def network_svg(
    nodes: list[Node],
    edges: list[Edge],
    *,
    legend: dict[str, str] | None = None,
    title: str = "",
    width: int = 1100,
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
    pos, height = _layout(nodes, edges, seed, width)
    used = sorted({e.group for e in edges})
    per_row = 4
    legend_h = 24 * math.ceil(len(used) / per_row)
    top = max((e.tonnes for e in edges), default=1.0) or 1.0
    parts = [f'<svg class="network" xmlns="http://www.w3.org/2000/svg" role="img" '
             f'viewBox="0 0 {width} {height + legend_h + 16:.0f}">',
             f"<title>{escape(title)}</title>",
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="12" '
             'markerHeight="12" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
             '<path d="M0,0 L10,5 L0,10 z" fill="#5b6b70"/></marker></defs>']  # fmt: skip
    seen: dict[tuple[str, str], int] = {}
    for e in sorted(edges, key=lambda e: -e.tonnes):
        key = (min(e.source, e.target), max(e.source, e.target))
        count = seen[key] = seen.get(key, -1) + 1
        bend = 0.12 * (count + 1) * (1 if count % 2 == 0 else -1)
        stroke = 1.5 + 9 * math.sqrt(e.tonnes / top)
        colour = GROUP_COLOURS.get(e.group, GROUP_COLOURS["other"])
        parts.append(f'<path d="{_edge_path(pos[e.source], pos[e.target], bend)}" fill="none" '
                     f'stroke="{colour}" stroke-opacity="0.8" stroke-width="{stroke:.1f}" '
                     f'stroke-linecap="round" marker-end="url(#arrow)">'
                     f"<title>{escape(e.title)}</title></path>")  # fmt: skip
    for n, (lx, ly, anchor) in _labels(nodes, pos, width).items():
        x, y = pos[n.id]
        parts.append(f'<g class="node"><circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="#0b5536" '
                     f'stroke="#fff" stroke-width="2"><title>{escape(n.label)}</title></circle>'
                     f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" font-size="12" '
                     f'fill="#1d2a2f" stroke="#fff" stroke-width="3" paint-order="stroke">'
                     f"{escape(n.label)}</text></g>")  # fmt: skip
    for i, group in enumerate(used):
        x, y = 12 + (width // per_row) * (i % per_row), height + 16 + 24 * (i // per_row)
        colour = GROUP_COLOURS.get(group, GROUP_COLOURS["other"])
        parts.append(f'<rect x="{x}" y="{y}" width="26" height="6" rx="3" fill="{colour}"/>'
                     f'<text x="{x + 34}" y="{y + 7}" font-size="13" fill="#5b6b70">'
                     f"{escape(legend.get(group, group))}</text>")  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)
