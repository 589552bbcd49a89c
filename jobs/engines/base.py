"""The protocol every program engine follows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from app.models import GenerateRequest, ProgramContent


class ProgressReporter(Protocol):
    """Called a few times per job (stages, each week drafted): each call is one DB event."""

    async def __call__(self, progress: int, stage: str, message: str) -> None: ...


@dataclass
class Generated:
    program: ProgramContent
    engine: str
    model: str | None = None
    usage: dict[str, int] = field(default_factory=dict)


class EngineError(Exception):
    """The engine could not produce a valid program; the message is shown to the user."""


class Engine(Protocol):
    name: str

    async def generate(self, request: GenerateRequest, report: ProgressReporter) -> Generated: ...
