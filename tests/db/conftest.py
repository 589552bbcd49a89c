"""Fixtures the database tests share."""

from __future__ import annotations

import pytest

import jobs.worker
from app.settings import Settings
from jobs.engines.base import Engine
from jobs.engines.select import make_engine


@pytest.fixture
def worker_engines(monkeypatch: pytest.MonkeyPatch) -> list[Engine]:
    """The engines the worker makes. The worker does not close its engine (jobs/worker.py), so
    the tests do: an idle pooled connection would otherwise be collected as a ResourceWarning
    in some later test."""
    engines: list[Engine] = []

    def make(settings: Settings) -> Engine:
        engines.append(make_engine(settings))
        return engines[-1]

    monkeypatch.setattr(jobs.worker, "make_engine", make)
    return engines
