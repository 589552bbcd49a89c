"""The protocol every program engine follows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.coaching.profile import Unplaced
from app.models import GenerateRequest, ProgramContent


class ProgressReporter(Protocol):
    """Called a few times per job (stages, each week drafted): each call is one DB event."""

    async def __call__(self, progress: int, stage: str, message: str) -> None: ...


@dataclass(frozen=True)
class StoredStep:
    kind: str  # "plan" or "block"
    index: int
    content: dict[str, Any]  # empty while the step's call is still running
    attempt: int
    status: str = "done"  # or "running": a call in flight, to re-attach to by its response id
    response_id: str | None = None
    # For a call in flight: the last sequence number of its stream that was stored, and the text
    # read up to it (0 and "": nothing stored; read it from the start).
    sequence: int = 0
    text: str = ""
    traceparent: str | None = None  # the model-call span that started the response (app/tracing.py)


class Reading(Protocol):
    """A response's stream as read so far: the last event's sequence number and the text up to it."""

    @property
    def sequence(self) -> int: ...

    @property
    def text(self) -> str: ...


class StepStore(Protocol):
    """A job's durable steps (DESIGN §5b), fenced by the attempt that runs the engine.

    `save` stores a finished step and announces it as an event (`plan` or `block`); `update`
    replaces a stored step's content quietly. Both raise jobs.progress.Fenced when the attempt no
    longer owns the job; `attach` records the response id of a step's call in flight, so a retry
    can re-attach to it (issue 16). `spent` adds one call's usage to the job as soon as the call ends, so the
    job's usage counts every call of every attempt.
    """

    async def load(self) -> list[StoredStep]: ...

    async def save(self, kind: str, index: int, content: dict[str, Any], event: dict[str, Any],
                   progress: int) -> None: ...

    async def update(self, kind: str, index: int, content: dict[str, Any]) -> None: ...

    async def heard(self, profile: dict[str, Any], unplaced: list[dict[str, Any]]) -> None:
        """Store the job's profile as the model's reading revised it (merged on the cautious side), and
        the unplaced words it did not place, and announce them as a second `understood` event;
        nothing when the profile is the stored one already."""

    async def attach(self, kind: str, index: int, response_id: str) -> None:
        """Remember the background response now writing this step (Responses API)."""

    def watch(self, kind: str, index: int, response_id: str, reading: Reading) -> None:
        """Keep storing how far this step's response has been read (every NOWVA_CHECKPOINT_S), so
        a retry resumes its stream from there; `unwatch` when the call ends."""

    def unwatch(self, kind: str, index: int, reading: Reading) -> None: ...

    async def abandoned(self) -> bool:
        """Whether the job's calls in flight should be cancelled at OpenAI: the job was cancelled or
        its deadline passed. Not when this attempt merely lost the job (a successor re-attaches to
        them) or hands it back at shutdown."""

    @property
    def spent_usd(self) -> float:
        """What the job's calls cost before this attempt (its earlier attempts), in US dollars."""

    async def spent(self, usage: dict[str, float], step: tuple[str, int] | None = None,
                    response_id: str | None = None) -> None:
        """With a step and a response id: counted once per response, whichever attempt reads it;
        the `reattached` and `remade` counters always."""


@dataclass
class Generated:
    program: ProgramContent
    engine: str
    model: str | None = None
    usage: dict[str, float] = field(default_factory=dict)
    # The usage was already added to the job call by call (StepStore.spent): don't store it again.
    usage_recorded: bool = False
    # What code fixed in the model's program before judging it (app/coaching/repairs.py), as
    # {rule, where, change}: stored with the job and counted in /metrics.
    fixes: list[dict[str, str]] = field(default_factory=list)


class EngineError(Exception):
    """The engine could not produce a valid program; the message is shown to the user."""


class Engine(Protocol):
    name: str

    async def generate(self, request: GenerateRequest, report: ProgressReporter,
                       steps: StepStore | None = None, unplaced: Sequence[Unplaced] = ()) -> Generated:
        """`request.profile` is what was understood of the person; `unplaced`, what their words named
        that could not be placed (jobs/understanding.py): the program's summary tells both."""
        ...
