"""A revision's attempt (issue 26): read what the person's words change, write the changed weeks,
keep the weeks before `from_week` exactly, validate the whole new program, and store it with what
changed as the job's durable `revision` step (fenced by the attempt, announced as the `revision`
event). A retried attempt completes from the stored step without writing again.

The domain logic is app/coaching/revision.py; this module reads and writes the database around
it. An engine that can revise (the OpenAI engine: jobs/engines/llm/revising.py) asks the model for
only the blocks the change touches; otherwise, or when the model cannot, the built-in writer writes
the changed weeks (docs/api.md, "Changing a program").
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

import asyncpg

from app import queries as q
from app import step_queries as steps_q
from app.coaching import swaps, validator
from app.coaching.person import Person, read_person
from app.coaching.profile import Profile, Unplaced
from app.coaching.reading.reader import Reading, read
from app.coaching.repairs import repair
from app.coaching.revision import (
    Asked,
    asked,
    changed_profile,
    changed_request,
    compare,
    lighten,
    splice,
    without_swap_targets,
)
from app.coaching.writer.profile import read_profile
from app.models import GenerateRequest, ProgramContent
from jobs.engines.base import Engine, EngineError, Generated, ProgressReporter, StepStore
from jobs.engines.builtin import BuiltinEngine
from jobs.progress import Fenced

log = logging.getLogger(__name__)
STEP = "revision"
MAX_LINEAGE = 50  # versions walked back for the model's plan and blocks
WEEK = re.compile(r"\bweeks? (\d+)")  # the weeks a violation names (app/coaching/rules say "week 3 day 2 ...")


class RevisionFailed(EngineError):
    """The revision cannot be written (its program is gone, or the new version breaks a rule)."""


@runtime_checkable
class ModelReviser(Protocol):
    """An engine that can revise a program itself (the OpenAI engine: jobs/engines/llm/revising.py)."""

    async def revise_program(self, request: GenerateRequest, report: ProgressReporter, steps: StepStore | None,
                             parent_plan: dict[str, Any] | None, parent_blocks: dict[int, dict[str, Any]],
                             from_week: int, instruction: str, swap_out: tuple[str, ...], restructured: bool,
                             unplaced: Sequence[Unplaced] = ()) -> tuple[Generated, list[int]]: ...


async def revise(pool: asyncpg.Pool, job_id: UUID, attempt: int, request: GenerateRequest,
                 revision: dict[str, Any], report: ProgressReporter, engine: Engine | None = None,
                 steps: StepStore | None = None) -> tuple[GenerateRequest, Generated]:
    """The changed request and the new version of the program."""
    for step in await steps_q.load_steps(pool, job_id):
        if step.kind == STEP and step.status == "done" and step.content is not None:
            log.info("job %s: the revision is written already; completing it", job_id)
            c = step.content
            return (GenerateRequest.model_validate(c["request"]),
                    Generated(program=ProgramContent.model_validate(c["program"]), engine=c.get("engine", "builtin"),
                              model=c.get("model"), usage_recorded=True))
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
    wants = dataclasses.replace(wants, swap_out=swaps.resolved(wants.swap_out, instruction, old))
    try:
        reading = read(without_swap_targets(instruction))
    except Exception:  # a bug in reading must not cost the person their change: go on with the fields sent
        log.exception("job %s: reading the instruction failed; going on with the request's profile", job_id)
        reading = Reading(Profile())
    base = request.profile or Profile()
    profile = changed_profile(base, reading, explicit)
    new_request = changed_request(request, profile, wants.days_per_week)
    if not await steps_q.save_understood(pool, job_id, attempt, profile.model_dump(mode="json"),
                                         [u.model_dump(mode="json") for u in reading.unplaced]):
        log.info("job %s: what the change says was stored by an earlier attempt", job_id)

    rewritten = new_request.days_per_week != request.days_per_week
    person = read_person(new_request, reading.unplaced)
    # What earlier versions swapped out stays out of weeks written again (three days a week after
    # "swap the squats" must not bring back a squat): their words are swapped like this change's.
    before = await _swapped_before(pool, row["job_id"])
    held = dataclasses.replace(wants, swap_out=(*wants.swap_out, *before))
    by_model: Generated | None = None
    new = None if rewritten else _swapped(old, old, person, wants, from_week)
    if new is not None:
        log.info("job %s: the named exercises swapped by code; nothing else rewritten", job_id)
    elif isinstance(engine, ModelReviser):
        try:
            plan, blocks = await _model_steps(pool, row)
            by_model, asked_again = await engine.revise_program(
                new_request, report, steps, plan, blocks, from_week, instruction, wants.swap_out, rewritten,
                reading.unplaced)
            new = _written(old, by_model.program, from_week, held, person)
            log.info("job %s: the model rewrote %s", job_id,
                     "the whole program" if rewritten else f"blocks {[i + 1 for i in asked_again]}")
        except EngineError as exc:  # the built-in writer revises it instead, as a generation falls back
            log.warning("job %s: the model could not revise the program (%s); the built-in writer does", job_id, exc)
            by_model = None
    if new is None:
        fresh = (await BuiltinEngine().generate(new_request, report, None, list(reading.unplaced))).program
        new = _written(old, fresh, from_week, held, person)

    fields = [n for n in Profile.model_fields if n != "said" and getattr(profile, n) != getattr(base, n)]
    if rewritten:
        fields.append("days_per_week")
    changes = compare(old, new, from_week, fields, rewritten, wants.lighter)
    if not changes.weeks_changed and wants.swap_out:  # what they named to swap is not there, or not clear
        changes = changes.model_copy(update={"said": _nothing_swapped(wants.swap_out, from_week, len(old.weeks))})
    result = Generated(program=new, engine="builtin") if by_model is None else dataclasses.replace(by_model,
                                                                                                  program=new)
    # Whether this version's weeks are the model's blocks as stored (a later revision by the model may
    # build on them: _model_steps); not when code swapped or lightened them afterwards.
    model_blocks = by_model is not None and wants.lighter is None and \
        [w for w in new.weeks if w.week >= from_week] == [w for w in by_model.program.weeks if w.week >= from_week]
    swapped_out = sorted({*before, *(t for t in wants.swap_out if swaps.content(t))})
    content = {"engine": result.engine, "model": result.model, "model_blocks": model_blocks, "swapped_out": swapped_out,
               "program": new.model_dump(mode="json"), "changes": changes.model_dump(mode="json"),
               "request": new_request.model_dump(mode="json"), "unplaced": [_dump(u) for u in reading.unplaced]}
    if not await steps_q.save_step(pool, job_id, attempt, STEP, 0, content, changes.model_dump(mode="json"), 95,
                                   None):
        raise Fenced()
    log.info("job %s revised program %s: %s", job_id, program_id, changes.said)
    return new_request, result


async def _swapped_before(pool: asyncpg.Pool, job_id: UUID | None) -> list[str]:
    """What the versions before this one were asked to swap out, in the person's words ("squats"):
    each revision stores them all."""
    if job_id is None:
        return []
    for step in await steps_q.load_steps(pool, job_id):
        if step.kind == STEP and step.status == "done" and step.content is not None:
            return [str(n) for n in step.content.get("swapped_out") or []]
    return []


async def _model_steps(pool: asyncpg.Pool, program: asyncpg.Record) -> tuple[dict[str, Any] | None,
                                                                            dict[int, dict[str, Any]]]:
    """The plan and blocks the model's writing of this program is made of: its job's, or, for a
    version the model revised (whose job stores only the blocks it asked again), those over its
    parent's, up the lineage. Nothing when a version on the way was changed after the model wrote it
    (a swap or lighter weeks by code, the built-in writer): its weeks are no longer the blocks'."""
    blocks: dict[int, dict[str, Any]] = {}
    row: asyncpg.Record | None = program
    for _ in range(MAX_LINEAGE):
        if row is None or row["job_id"] is None:
            break
        done = [s for s in await steps_q.load_steps(pool, row["job_id"]) if s.status == "done" and s.content]
        for s in done:
            if s.kind == "block" and s.content is not None:
                blocks.setdefault(s.index, s.content)  # the nearer version's block wins
        plan = next((s.content for s in done if s.kind == "plan"), None)
        if plan is not None:
            return plan, blocks
        revision = next((s.content for s in done if s.kind == STEP), None)
        if revision is None or not revision.get("model_blocks") or row["parent_id"] is None:
            break
        row = await q.get_program(pool, row["parent_id"])
    return None, {}


def _nothing_swapped(terms: tuple[str, ...], from_week: int, last: int) -> str:
    """Said when a swap changed nothing: the voice asks again rather than claim a change."""
    weeks = f"weeks {from_week}-{last}" if last > from_week else f"week {from_week}"
    named = [t for t in terms if swaps.content(t)]
    if not named:
        return "Which exercises to swap was not clear, so nothing changed."
    return f"No exercise in {weeks} matches {' or '.join(named)}, so nothing changed."[:300]


def _swapped(old: ProgramContent, fresh: ProgramContent, person: Person, wants: Asked,
             from_week: int) -> ProgramContent | None:
    """Only the exercises the person named, swapped in the weeks from `from_week` of `fresh` (the old
    program itself, or freshly written weeks that chose one of them again), lighter where asked,
    repaired and checked whole; None when nothing is named, no swap fits or the result breaks a rule
    (a knee that now hurts asks more of those weeks than the squats: they are written again)."""
    terms = wants.swap_out
    named = swaps.targets(fresh, terms, from_week, wants.swap_in)
    if not named:
        return None
    writer = read_profile(person.request, person.constraints)
    choices = {}
    for name in named:
        days = [e.name for w in fresh.weeks for d in w.days if any(e.name == name for e in d.exercises)
                for e in d.exercises]
        choices[name] = swaps.options(name, days, writer, terms, wants.swap_in)
    new = swaps.apply(fresh, choices, writer, from_week)
    new = splice(old, repair(new, person)[0], from_week)  # a swapped-in lift's dose, as for any model's row
    try:
        return _written(old, new, from_week, dataclasses.replace(wants, swap_out=()), person)
    except RevisionFailed as exc:
        log.info("revision: swapping %s alone does not fit (%s)", ", ".join(named), exc)
        return None


def _written(old: ProgramContent, fresh: ProgramContent, from_week: int, wants: Asked,
             person: Person) -> ProgramContent:
    """The old weeks before from_week, the fresh ones from it (with what the person named to swap
    swapped, should the writer have chosen it again), lighter where asked, repaired, checked whole."""
    if wants.swap_out:
        swapped = _swapped(old, fresh, person, wants, from_week)
        if swapped is not None:
            return swapped
    new = splice(old, fresh, from_week)
    if wants.lighter is not None:
        new = lighten(new, (max(from_week, wants.lighter[0]), wants.lighter[1]))
    return _checked(new, fresh, old, person.request, from_week)


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
    may break a rule the change brought (squats in a week done before "no more squats"): a violation
    the old program has too for this request is let through when it names only weeks before
    `from_week`, or, naming no week, when the freshly written program does not have it: it comes
    from the weeks kept, not from the weeks written."""
    found = validator.check_program(new, request)
    if not found or from_week == 1:
        if found:
            raise RevisionFailed(f"The changed program breaks the coaching rules: {validator.summarize(found, 3)}")
        return
    had, fresh_found = set(validator.check_program(old, request)), set(validator.check_program(fresh, request))

    def kept(v: str) -> bool:
        weeks = [int(w) for w in WEEK.findall(v)]
        return v in had and (all(w < from_week for w in weeks) if weeks else v not in fresh_found)

    broken = [v for v in found if not kept(v)]
    if broken:
        raise RevisionFailed(f"The changed program breaks the coaching rules: {validator.summarize(broken, 3)}")
    log.info("revision: %d rules broken only by the weeks kept before week %d: %s", len(found), from_week,
             validator.summarize(found, 3))
