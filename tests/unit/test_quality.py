"""Strict, boring tooling as part of the suite: ruff and mypy --strict stay clean, and the
layout's import rules hold."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff() -> None:
    result = run("ruff", "check", "app", "jobs", "agent", "sql", "tests", "--exclude", "tests/perf")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = run("mypy", "app", "jobs", "agent")
    assert result.returncode == 0, result.stdout + result.stderr


# The layout's rules (docs/architecture.md, section 8). A check over every module's imports, lazy ones included, so a
# module added anywhere is covered without being listed (import-linter's contracts name their
# modules, and a new core module would go unchecked).
RULES: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    # (what, its folders, the packages it must not import)
    ("the core", ("app",), ("app.web", "app.cli", "jobs")),
    ("jobs", ("jobs",), ("app.web", "app.cli")),
    ("the API", ("app/web",), ("jobs", "app.cli")),
    ("the agent", ("agent",), ("app", "jobs")),
    # The coaching domain is pure: no I/O of any kind, no event loop (docs/architecture.md).
    ("the coaching domain", ("app/coaching",),
     ("app.web", "app.cli", "app.db", "app.queries", "jobs", "agent", "asyncio", "asyncpg", "psycopg", "httpx",
      "httpx2", "aiohttp", "openai", "procrastinate", "starlette", "socket", "subprocess")),
]


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def modules_of(folder: str) -> list[Path]:
    base = ROOT / folder
    if folder == "app":  # the core: app's own modules, not its web and cli packages
        return sorted(base.glob("*.py"))
    return sorted(base.rglob("*.py"))


def breaches(path: Path, forbidden: tuple[str, ...]) -> list[str]:
    return [name for name in sorted(imported_modules(path))
            if any(name == f or name.startswith(f + ".") for f in forbidden)]


def test_the_layout_rules_hold() -> None:
    broken = [f"{what}: {path.relative_to(ROOT)} imports {name}"
              for what, folders, forbidden in RULES
              for folder in folders
              for path in modules_of(folder)
              for name in breaches(path, forbidden)]
    assert not broken, "\n".join(broken)


def test_the_check_sees_lazy_and_from_imports(tmp_path: Path) -> None:
    module = tmp_path / "core_module.py"
    module.write_text("import app.settings\n\ndef f() -> None:\n    from app.web import hub\n    import jobs.worker\n")
    assert breaches(module, RULES[0][2]) == ["app.web", "app.web.hub", "jobs.worker"]


def test_the_writer_does_not_import_the_validator() -> None:
    # The writer and the rules both take their numbers from policy.py; a writer that asked the
    # validator would share its blind spots (docs/architecture.md, section 7).
    forbidden = ("app.coaching.validator", "app.coaching.rules")
    broken = [f"{path.relative_to(ROOT)} imports {name}"
              for path in sorted((ROOT / "app" / "coaching" / "writer").rglob("*.py"))
              for name in breaches(path, forbidden)]
    assert not broken, "\n".join(broken)


MAX_MODULE_LINES = 400


def test_no_module_is_over_400_lines() -> None:
    long = [f"{path.relative_to(ROOT)}: {n} lines"
            for folder in ("app", "jobs", "agent")
            for path in sorted((ROOT / folder).rglob("*.py"))
            if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES]
    assert not long, "split these by concept:\n" + "\n".join(long)


def test_every_data_file_is_packaged() -> None:
    """A data file the package reads at run time must be in the wheel: the container installs the
    wheel, not the checkout (a catalogue left out once failed every job in the image)."""
    import fnmatch
    import tomllib

    globs: dict[str, list[str]] = tomllib.loads((ROOT / "pyproject.toml").read_text())[
        "tool"]["setuptools"]["package-data"]
    missing = []
    for top in ("app", "jobs", "agent", "sql"):
        for path in (ROOT / top).rglob("*"):
            if path.is_dir() or path.suffix in {".py", ".pyc"} or "__pycache__" in path.parts:
                continue
            rel = path.relative_to(ROOT)
            packaged = any(
                fnmatch.fnmatch(str(rel.relative_to(package.replace(".", "/"))), pattern)
                for package, patterns in globs.items() for pattern in patterns
                if rel.is_relative_to(package.replace(".", "/")))
            if not packaged:
                missing.append(str(rel))
    assert not missing, f"not in [tool.setuptools.package-data]: {missing}"
