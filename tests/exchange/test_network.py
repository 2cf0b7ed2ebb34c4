"""The network picture is the same in every process: gunicorn workers must not disagree."""

from __future__ import annotations

import subprocess
import sys

DRAW = """
from exchange.network import Edge, Node, network_svg
names = ["kiln", "foundry", "paper mill", "brewery", "smelter", "dye works", "glass works"]
nodes = [Node(n, n.title()) for n in names]
edges = [Edge("kiln", "foundry", 10, "minerals"), Edge("foundry", "smelter", 4, "metals"),
         Edge("smelter", "kiln", 2, "metals"), Edge("paper mill", "brewery", 7, "organics"),
         Edge("dye works", "glass works", 1, "glass"), Edge("glass works", "paper mill", 3, "glass")]
print(network_svg(nodes, edges))
"""


def _draw(hash_seed: str) -> str:
    env = {"PYTHONHASHSEED": hash_seed, "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", DRAW], env=env, capture_output=True,
                          text=True, check=True).stdout  # fmt: skip


def test_the_picture_does_not_depend_on_the_hash_seed():
    pictures = {_draw(seed) for seed in ("0", "1", "2", "3")}
    assert len(pictures) == 1
    assert pictures.pop().count("<path") >= 6
