"""Groups of requests sent to the app on loopback at once: flat out by wrk, or as people.

A group (`Mix`) is a list of requests that its connections send in turn: path, method,
headers (a session cookie), and a body in which `__N__` becomes a running number, so every
write differs from the last.

- `run_wrk`: one wrk (Debian package `wrk`) a group, each connection sending its next
  request as soon as the last is answered. Each wrk prints its requests, errors and a
  thousand latency quantiles, through a Lua script made for its group.
- `run_people`: each connection is a person who pauses between clicks and opens a new
  connection for each request, as a browser after a pause does (asyncio, in this process).
  wrk cannot do this: with a pause it connects first and then waits, and a sync gunicorn
  worker would sit on that idle connection.

The figures of all groups together come from their quantiles merged, weighted by requests.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

QUANTILES = 1000  # per wrk: percentile 0.1, 0.2 ... 100 (the last is the maximum)

_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("figures %d %d %d %d\\n", summary.requests, summary.duration,
    e.status, e.connect + e.read + e.write + e.timeout))
  for i = 1, QUANTILES do io.write(string.format("q %f\\n", latency:percentile(i * 100 / QUANTILES))) end
end
""".replace("QUANTILES", str(QUANTILES))

_REQUEST = """
local n = 0
function request()
  n = n + 1
  local c = calls[(n - 1) % #calls + 1]
  local body = c[4]
  if body then body = body:gsub("__N__", tostring(n)) end
  return wrk.format(c[1], c[2], c[3], body)
end
"""


@dataclass(frozen=True)
class Call:
    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None


@dataclass(frozen=True)
class Mix:
    name: str
    connections: int
    calls: list[Call]


@dataclass
class Figures:
    requests: int
    seconds: float
    status_errors: int  # answers other than 2xx and 3xx
    socket_errors: int  # connect, read, write and time-outs
    quantiles_ms: list[float]

    @property
    def errors(self) -> int:
        return self.status_errors + self.socket_errors

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        return self.quantiles_ms[max(0, round(p * QUANTILES / 100) - 1)]

    @classmethod
    def together(cls, parts: list[Figures]) -> Figures:
        """The groups as one load: requests and errors add up, quantiles weighted by requests."""
        points = sorted((q, f.requests / QUANTILES) for f in parts for q in f.quantiles_ms)
        total, seen, merged = sum(w for _q, w in points), 0.0, []
        targets = iter([total * i / QUANTILES for i in range(1, QUANTILES + 1)])
        target = next(targets)
        for value, weight in points:
            seen += weight
            while target is not None and seen >= target - 1e-9:
                merged.append(value)
                target = next(targets, None)
        merged += [points[-1][0]] * (QUANTILES - len(merged))
        return cls(requests=sum(f.requests for f in parts), seconds=max(f.seconds for f in parts),
                   status_errors=sum(f.status_errors for f in parts),
                   socket_errors=sum(f.socket_errors for f in parts), quantiles_ms=merged)  # fmt: skip


def lua_script(calls: list[Call]) -> str:
    """`calls` as a Lua table (JSON string literals are Lua's too while they stay ASCII)."""
    rows = []
    for c in calls:
        text = json.dumps([c.method, c.path, c.headers or None, c.body], ensure_ascii=True)
        assert "\\u" not in text, f"not ASCII: {c}"
        method, path, headers, body = json.loads(text)
        lua_headers = "{" + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}"
                                      for k, v in (headers or {}).items()) + "}"  # fmt: skip
        lua_body = json.dumps(body) if body is not None else "nil"
        rows.append(f"  {{{json.dumps(method)}, {json.dumps(path)}, {lua_headers}, {lua_body}}},")
    return "calls = {\n" + "\n".join(rows) + "\n}\n" + _REQUEST + _DONE


def read_figures(stdout: str) -> Figures:
    lines = stdout.splitlines()
    head = next(line for line in lines if line.startswith("figures "))
    requests, duration_us, status, socket = (int(x) for x in head.split()[1:])
    quantiles = [float(line.split()[1]) / 1000 for line in lines if line.startswith("q ")]
    return Figures(requests, duration_us / 1e6, status, socket, quantiles)


def run_wrk(port: int, mixes: list[Mix], seconds: int, *, threads: int = 1,
            timeout_s: int = 5) -> dict[str, Figures]:  # fmt: skip
    """Every mix at once, each its own wrk, for `seconds`; figures by mix name."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as folder:
        running = {}
        for mix in mixes:
            script = Path(folder) / f"{mix.name}.lua"
            script.write_text(lua_script(mix.calls))
            running[mix.name] = subprocess.Popen(
                ["wrk", f"-t{threads}", f"-c{mix.connections}", f"-d{seconds}s", f"--timeout={timeout_s}s",
                 "-s", str(script), f"http://127.0.0.1:{port}"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
        results = {}
        for name, process in running.items():
            out, err = process.communicate(timeout=seconds + 60)
            if process.returncode != 0:
                raise SystemExit(f"wrk for {name} failed: {err}")
            results[name] = read_figures(out)
        return results


def run_people(port: int, mixes: list[Mix], seconds: int, think_ms: int,
               timeout_s: float = 5) -> dict[str, Figures]:  # fmt: skip
    """Every connection a person pausing `think_ms` (half to one and a half times) before
    each request; a request's time runs from its connect to the last byte of the answer."""
    return asyncio.run(_people(port, mixes, seconds, think_ms, timeout_s))


async def _people(port, mixes, seconds, think_ms, timeout_s) -> dict[str, Figures]:
    end = asyncio.get_running_loop().time() + seconds
    tallies = {m.name: {"ms": [], "status": 0, "socket": 0, "n": 0} for m in mixes}

    async def person(mix: Mix, offset: int) -> None:
        tally, n = tallies[mix.name], offset
        while True:
            await asyncio.sleep(random.uniform(think_ms / 2, think_ms * 1.5) / 1000)
            if asyncio.get_running_loop().time() >= end:
                return
            n += 1
            call = mix.calls[n % len(mix.calls)]
            tally["n"] += 1
            started = asyncio.get_running_loop().time()
            try:
                status = await asyncio.wait_for(_send(port, call, n), timeout_s)
            except (OSError, ValueError, IndexError):  # refused, cut, timed out, garbled
                tally["socket"] += 1
                continue
            tally["ms"].append((asyncio.get_running_loop().time() - started) * 1000)
            tally["status"] += not 200 <= status < 400

    await asyncio.gather(*(person(m, i) for m in mixes for i in range(m.connections)))
    return {name: Figures(t["n"], seconds, t["status"], t["socket"], _quantiles(t["ms"]))
            for name, t in tallies.items()}  # fmt: skip


async def _send(port: int, call: Call, n: int) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        body = (call.body or "").replace("__N__", str(n)).encode()
        head = [f"{call.method} {call.path} HTTP/1.1", f"Host: 127.0.0.1:{port}",
                "Connection: close", f"Content-Length: {len(body)}"]  # fmt: skip
        head += [f"{k}: {v}" for k, v in call.headers.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await writer.drain()
        answer = await reader.read()  # to the end: the server closes the connection
        return int(answer.split(b" ", 2)[1])
    finally:
        writer.close()


def _quantiles(ms: list[float]) -> list[float]:
    ordered = sorted(ms) or [0.0]
    return [ordered[min(len(ordered) - 1, int(len(ordered) * i / QUANTILES))]
            for i in range(1, QUANTILES + 1)]  # fmt: skip
