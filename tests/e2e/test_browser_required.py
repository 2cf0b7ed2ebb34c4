"""Without Chromium the journeys are skipped on a developer's machine, and fail in CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

JOURNEYS = Path(__file__).with_name("test_journeys.py")


def _journeys_without_chromium(ci: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "DATABASE_URL")}
    env["CHROMIUM_PATH"] = "/nonexistent/chromium"
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(JOURNEYS)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_without_ci_the_journeys_are_skipped():
    result = _journeys_without_chromium(ci=None)
    assert result.returncode == 0, result.stdout
    assert "6 skipped" in result.stdout
    assert "no /nonexistent/chromium (apt-get install chromium); CI is unset" in result.stdout


def test_in_ci_a_missing_browser_fails_the_run():
    result = _journeys_without_chromium(ci="true")  # as CI sets it
    assert result.returncode == 1, result.stdout
    assert "6 errors" in result.stdout
    assert "CI is set but /nonexistent/chromium is missing" in result.stdout
