"""A revision's attempt (issue 26): read what the person's words change, write the changed weeks with
the built-in engine, keep the weeks before `from_week` exactly, validate the whole new program, and
store it with what changed as the job's durable `revision` step (fenced by the attempt, announced
as the `revision` event). A retried attempt completes from the stored step without writing again.

The domain logic is app/coaching/revision.py; this module only reads and writes the database
around it. Revisions run the built-in writer whatever engine the worker runs (the model's
block-by-block revision is not built yet: docs/api.md, "Changing a program").
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

import asyncpg

from app import queries as q
from app import step_queries as steps_q
from app.coaching import validator
from app.coaching.profile import Profile, Unplaced
from app.coaching.reading.reader import Reading, read
from app.coaching.revision import (
    asked,
    changed_profile,
    changed_request,
    compare,
    lighten,
    splice,
    without_swap_targets,
)
from app.models import GenerateRequest, ProgramContent
from jobs.engines.base import EngineError, Generated, ProgressReporter
from jobs.engines.builtin import BuiltinEngine
from jobs.progress import Fenced

log = logging.getLogger(__name__)
STEP = "revision"


class RevisionFailed(EngineError):
    """The revision cannot be written (its program is gone, or the new version breaks a rule)."""


async def revise(pool: asyncpg.Pool, job_id: UUID, attempt: int, request: GenerateRequest,
                 revision: dict[str, Any], report: ProgressReporter) -> tuple[GenerateRequest, Generated]:
    """The changed request and the new version of the program."""
    for step in await steps_q.load_steps(pool, job_id):
        if step.kind == STEP and step.status == "done" and step.content is not None:
            log.info("job %s: the revision is written already; completing it", job_id)
            return (GenerateRequest.model_validate(step.content["request"]),
                    Generated(program=ProgramContent.model_validate(step.content["program"]), engine="builtin"))
    program_id = UUID(revision["program_id"])
    row = await q.get_program(pool, program_id)
    if row is None:
        raise RevisionFailed("The program to change no longer exists.")
    old = ProgramContent(name=row["name"], description=row["description"], summary=row["summary"],
                         weeks=row["content"]["weeks"])
    from_week: int = revision["from_week"]
    instruction: str = revision["instruction"]
    explicit = None if revision["profile"] is None else Profile.model_validate(revision["profile"])

    wants = asked(instruction)
    try:
        reading = read(without_swap_targets(instruction))
    except Exception:  # a bug in reading must not cost the person their change: go on with the fields sent
        log.exception("job %s: reading the instruction failed; going on with the request's profile", job_id)
        reading = Reading(Profile())
    base = request.profile or Profile()
    profile = changed_profile(base, reading, explicit, wants.swap_out)
    new_request = changed_request(request, profile, wants.days_per_week)
    if not await steps_q.save_understood(pool, job_id, attempt, profile.model_dump(mode="json"),
                                         [u.model_dump(mode="json") for u in reading.unplaced]):
        log.info("job %s: what the change says was stored by an earlier attempt", job_id)

    fresh = (await BuiltinEngine().generate(new_request, report, None, list(reading.unplaced))).program
    new = splice(old, fresh, from_week)
    if wants.lighter is not None:
        new = lighten(new, (max(from_week, wants.lighter[0]), wants.lighter[1]))
    new = _checked(new, fresh, old, new_request, from_week)

    fields = [n for n in Profile.model_fields if n != "said" and getattr(profile, n) != getattr(base, n)]
    rewritten = new_request.days_per_week != request.days_per_week
    if rewritten:
        fields.append("days_per_week")
    changes = compare(old, new, from_week, fields, rewritten, wants.lighter)
    content = {"program": new.model_dump(mode="json"), "changes": changes.model_dump(mode="json"),
               "request": new_request.model_dump(mode="json"), "unplaced": [_dump(u) for u in reading.unplaced]}
    if not await steps_q.save_step(pool, job_id, attempt, STEP, 0, content, changes.model_dump(mode="json"), 95,
                                   None):
        raise Fenced()
    log.info("job %s revised program %s: %s", job_id, program_id, changes.said)
    return new_request, Generated(program=new, engine="builtin")


def _dump(u: Unplaced) -> dict[str, Any]:
    return u.model_dump(mode="json")


def _checked(new: ProgramContent, fresh: ProgramContent, old: ProgramContent, request: GenerateRequest,
             from_week: int) -> ProgramContent:
    """The new version in the fresh program's words, or, when those claim what the kept weeks do not
    do ("knee-friendly" over weeks written before the knee was mentioned), in the old version's."""
    try:
        _check(new, fresh, old, request, from_week)
        return new
    except RevisionFailed:
        if from_week == 1:
            raise
        worded = new.model_copy(update={"name": old.name, "description": old.description, "summary": old.summary})
        _check(worded, fresh, old, request, from_week)
        return worded


def _check(new: ProgramContent, fresh: ProgramContent, old: ProgramContent, request: GenerateRequest,
           from_week: int) -> None:
    """The whole new version, by the same rules as any program, for the changed request. A kept week
    may break a rule the change brought (squats in a week done before "no more squats"): such a
    violation is let through when the old program has it for this request too and the freshly written
    one does not, which is to say it comes from the weeks kept, not from the weeks written."""
    found = validator.check_program(new, request)
    if not found:
        return
    kept = set(validator.check_program(old, request)) - set(validator.check_program(fresh, request)) \
        if from_week > 1 else set()
    broken = [v for v in found if v not in kept]
    if broken:
        raise RevisionFailed(f"The changed program breaks the coaching rules: {validator.summarize(broken, 3)}")
    log.info("revision: %d rules broken only by the weeks kept before week %d: %s", len(found), from_week,
             validator.summarize(found, 3))
