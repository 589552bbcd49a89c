"""Strict, boring tooling as part of the suite: ruff and mypy --strict stay clean."""

from __future__ import annotations

import subprocess
import sys

from tests.support import ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff() -> None:
    result = run("ruff", "check", "app", "jobs", "agent", "sql", "tests", "--exclude", "tests/perf")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = run("mypy", "app", "jobs", "agent")
    assert result.returncode == 0, result.stdout + result.stderr
