"""Real processes on loopback for the fault tests and the load benchmark.

`AppServer` is gunicorn serving the app (the project's gunicorn.conf.py, its own port and
database); `PostgresCluster` is a throw-away PostgreSQL of our own, never the shared server;
`Browser` is one person's cookies against the server, with forms filled as a browser would.
Everything here stops what it started, also when a test fails half-way.
"""

from __future__ import annotations

import glob
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import gunicorn.config

from tests.processes import REPO, flask_command, stop_process


class AppServer:
    """gunicorn serving `exchange:create_app()` on 127.0.0.1:`port` against `database_url`."""

    def __init__(self, *, database_url: str, port: int, log: Path, workers: int = 2,
                 env: dict[str, str] | None = None):  # fmt: skip
        self.port, self.workers, self.log = port, workers, log
        self.env = {**os.environ, "DATABASE_URL": database_url, "EXCHANGE_SECRET_KEY": "loopback",
                    **(env or {})}  # fmt: skip
        self.process: subprocess.Popen | None = None

    def prepare(self) -> None:
        """Migrate the database and load the demo park (both idempotent)."""
        flask_command("db-upgrade", env=self.env)
        flask_command("seed-demo", env=self.env)

    def start(self, *, limit_s: float = 60) -> AppServer:
        command = [sys.executable, "-m", "gunicorn", "-w", str(self.workers),
                   "-b", f"127.0.0.1:{self.port}", "exchange:create_app()"]  # fmt: skip
        if hasattr(gunicorn.config, "ControlSocketDisable"):
            command.insert(3, "--no-control-socket")  # one shared path for all servers otherwise
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(command, env=self.env, cwd=REPO, stdout=out,
                                            stderr=subprocess.STDOUT)  # fmt: skip
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start:\n{self.log_tail()}")
            if len(self.worker_pids()) == self.workers and self.answers():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {limit_s} s:\n{self.log_tail()}")

    def answers(self) -> bool:
        try:
            return Browser(self.port, timeout=2).get("/healthz").status == 200
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        """The master's children: its workers, as the kernel lists them."""
        if self.process is None or self.process.poll() is not None:
            return []
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, timeout=15)

    def __enter__(self) -> AppServer:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL server binaries (Debian's layout), if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


class PostgresCluster:
    """A PostgreSQL cluster in `folder`, on `port`, trusted on loopback, for one test run."""

    def __init__(self, folder: Path, port: int):
        self.bin, self.folder, self.port = postgres_bin(), folder, port
        self.data, self.logfile = folder / "data", folder / "postgres.log"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        # initdb refuses root: as root, the `postgres` user owns and runs the cluster
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, *args], capture_output=True, text=True)
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: {done.stdout}{done.stderr}")
        return done

    def create(self) -> PostgresCluster:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8", "--locale", "C")  # fmt: skip
        return self.start()

    def start(self) -> PostgresCluster:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.logfile), "-w",
                  "-o", options, "start")  # fmt: skip
        return self

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop",
                      check=False)  # fmt: skip

    def server_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            return None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str
    seconds: float


class _FormReader(HTMLParser):
    """The fields of the first form that posts to `action` (or to its own page, with no
    action), as a browser sends them."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields = action, False, []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.fields:
            target = (a.get("action") or "").split("?")[0]
            self.inside = not target or target.endswith(self.action)
        elif not self.inside or a.get("disabled") is not None:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "file"):
            if a.get("type") not in ("checkbox", "radio"):
                self.fields.append((a["name"], a.get("value") or ""))
            elif "checked" in a:
                self.fields.append((a["name"], a.get("value") or "on"))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value") or ""))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.fields.append((self._textarea, ""))

    def handle_data(self, data):
        if self._textarea:
            self.fields[-1] = (self._textarea, self.fields[-1][1] + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            name, value = self.fields[-1]  # a browser drops the newline after <textarea>
            self.fields[-1] = (name, value[2:] if value.startswith("\r\n") else value.removeprefix("\n"))
            self._textarea = None


def form_fields(html: str, action: str) -> list[tuple[str, str]]:
    reader = _FormReader(action)
    reader.feed(html)
    return reader.fields


class Browser:
    """One person on 127.0.0.1:`port`: keeps cookies, never follows redirects (a 302 shows)."""

    def __init__(self, port: int, *, timeout: float = 10):
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method: str, path: str, body: bytes = b"",
                headers: dict[str, str] | None = None) -> Reply:  # fmt: skip
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        started = time.monotonic()
        try:
            sent = {"Cookie": self.cookie_header(), **(headers or {})} if self.cookies else headers
            conn.request(method, path, body=body or None, headers=sent or {})
            response = conn.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            self.cookies.update({k: m.value for k, m in SimpleCookie(value).items()})
        return Reply(response.status, dict(response.headers), text, time.monotonic() - started)

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, fields: list[tuple[str, str]] | dict[str, str]) -> Reply:
        body = urlencode(fields).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def upload(self, path: str, fields: dict[str, str], name: str, filename: str,
               content: bytes) -> Reply:  # fmt: skip
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in fields.items()]  # fmt: skip
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode())  # fmt: skip
        body = b"".join(parts) + content + f"\r\n--{boundary}--\r\n".encode()
        return self.request("POST", path, body,
                            {"Content-Type": f"multipart/form-data; boundary={boundary}"})  # fmt: skip

    def csrf_token(self, path: str) -> str:
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(path).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def factory_pages(self) -> list[str]:
        """A signed-in manager's factories: one is redirected to, several are listed."""
        home = self.get("/factories/")
        if home.status == 302:
            return [home.headers["Location"]]
        return sorted(set(re.findall(r'href="(/factories/\d+)"', home.text)))

    def sign_in(self, email: str, password: str) -> None:
        token = self.csrf_token("/auth/login")
        reply = self.post("/auth/login", {"csrf_token": token, "email": email, "password": password})
        assert reply.status == 302, f"sign-in as {email} gave {reply.status}"


def kill(pid: int) -> None:
    """SIGKILL, the one signal a process cannot catch: nothing of its own cleans up."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
