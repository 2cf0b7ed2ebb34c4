"""Child processes on loopback, shared by the browser tests, the fault tests, the screenshots
and the app benchmarks: a free port, a `flask` command, and a stop that always stops."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port(first: int, last: int) -> int:
    """The first port in the range that nothing listens on (ranges are handed out per person)."""
    for port in range(first, last + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last}")


def flask_command(*args: str, env: dict[str, str]) -> None:
    """`flask --app exchange ARGS` in a child process, as an operator would run it."""
    subprocess.run([sys.executable, "-m", "flask", "--app", "exchange", *args], env=env, cwd=REPO,
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip


def stop_process(process: subprocess.Popen, timeout: float = 10) -> None:
    """Terminate, and kill what does not end within `timeout` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
