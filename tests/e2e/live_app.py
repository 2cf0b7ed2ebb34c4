"""The app served for a browser: a web server and a match-run worker on a throw-away database,
and Debian's Chromium to drive it with Playwright.

The browser tests (tests/e2e) and `scripts/screenshots.py` both use it, so what the
screenshots show is what the tests check.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Browser, Page, Playwright

from tests.processes import REPO as ROOT
from tests.processes import flask_command, stop_process

# Debian's package (`make test` installs it); Playwright's own browser download is not used.
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic"]  # fmt: skip


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


class LiveApp:
    """`flask run` and `flask worker` as child processes, with their output in `logs/`.

    Use as a context manager, after preparing the database with `flask()`:
    leaving it stops both processes, whatever happened."""

    def __init__(self, database_url: str, port: int, logs: Path):
        self.port, self.logs = port, logs
        self.base_url = f"http://127.0.0.1:{port}"
        self.env = {**os.environ, "DATABASE_URL": database_url,
                    "EXCHANGE_SECRET_KEY": os.environ.get("EXCHANGE_SECRET_KEY", "live-app")}  # fmt: skip
        self.processes: list[subprocess.Popen] = []
        logs.mkdir(parents=True, exist_ok=True)

    def flask(self, *args: str) -> None:
        """One `flask --app exchange` command against the database, e.g. `db-upgrade`."""
        flask_command(*args, env=self.env)

    def _spawn(self, name: str, *args: str) -> None:
        with open(self.logs / f"{name}.log", "wb") as log:
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "exchange", *args],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            ))  # fmt: skip

    def __enter__(self) -> LiveApp:
        # no reloader even under FLASK_DEBUG: its child would outlive terminate()
        self._spawn("server", "run", "--no-reload", "--host", "127.0.0.1", "--port", str(self.port))
        self._spawn("worker", "worker", "--poll", "0.3")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.base_url}/healthz", timeout=1)
                return self
            except OSError:
                if any(p.poll() is not None for p in self.processes):
                    break
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the app did not start on port {self.port}:\n{self.log_tail()}")

    def __exit__(self, *_exc) -> None:
        self.stop()

    def stop(self) -> None:
        for process in self.processes:
            stop_process(process)
        self.processes = []

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the server's and the worker's output, for a failure message."""
        out = []
        for path in sorted(self.logs.glob("*.log")):
            text = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            out.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(out)


def sign_in(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
