"""The stepwise strategy (NOWVA_OPENAI_STRATEGY=blocks, the default; DESIGN §5b): a small plan,
then one call per block, all of a job's blocks at once; code expands the blocks into the full
program, and the validator (app/coaching/validator.py) checks it.

Flow of one attempt:
1. The plan: reused from the job's durable steps, or one call ("planning", 5%), checked by code
   (plan.plan_problems) and repaired at most once. Stored, and announced as a `plan` event (15%).
2. Every block the steps don't hold yet, in parallel. Each answer is checked against the plan's
   structure (blocks.block_problems); a block that does not follow it gets one repair call of its
   own. Each finished block is stored and announced as a `block` event; progress moves with the
   blocks done (15-90%).
3. The expanded program is validated (92%). Violations are traced to the blocks whose weeks they
   name, and only those blocks are repaired, each with one call at most over the whole attempt
   ("repairing", 94%). Violations of the words (summary, description: checks.WORDS_RULES) come
   from the plan, which no block can change: the plan's words get one repair call of their own,
   and its structure is kept. What still fails ends the attempt with an EngineError naming it.

A retried attempt (after a crash, stall or shutdown) starts from the stored steps and generates
only the blocks that are missing. The calls of a job at most, per attempt: (1 plan + 1 repair) +
blocks x (1 + 1 repair), each with the SDK's retries of its opening.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from openai.types.shared_params import ResponseFormatJSONSchema
from pydantic import ValidationError

from app import tracing
from app.coaching import validator as checks
from app.coaching.person import Person
from app.coaching.repairs import Fix, repair
from app.events import BlockStep
from app.models import GenerateRequest, ProgramContent
from jobs.engines.base import EngineError, ProgressReporter, StepStore, StoredStep
from jobs.engines.llm import budget, prompt
from jobs.engines.llm.answers import Tally, fatal
from jobs.engines.llm.blocks import Block, block_problems, blocks_named, expand, parse_block, tidy_block
from jobs.engines.llm.calls import BLOCK_PRIORITY, PLAN_PRIORITY, REPAIR_PRIORITY, Caller, response_format
from jobs.engines.llm.hearing import hear, told
from jobs.engines.llm.plan import HeadWatcher, Plan, parse_plan, plan_problems

log = logging.getLogger(__name__)

PLAN_FORMAT = response_format(Plan, "training_plan")
BLOCK_FORMAT = response_format(Block, "training_block")
PLAN_DONE, BLOCKS_DONE = 15, 90
MAX_SHOWN = 30
T = TypeVar("T")


@dataclass
class _Job:
    person: Person
    report: ProgressReporter
    tally: Tally
    store: StepStore | None
    plan: Plan | None = None
    blocks: dict[int, Block] = field(default_factory=dict)
    answers: dict[int, str] = field(default_factory=dict)  # each block's last raw answer, for a repair
    repaired: set[int] = field(default_factory=set)
    reused: int = 0
    fixes: list[Fix] = field(default_factory=list)  # code's fixes of the blocks' rows, every call
    # Responses an earlier attempt left in flight, by step: re-attached to, not asked again.
    inflight: dict[tuple[str, int], StoredStep] = field(default_factory=dict)
    # A plan an earlier attempt stored from its head while its response still wrote the description.
    unread_plan: StoredStep | None = None

    @property
    def request(self) -> GenerateRequest:
        return self.person.request

    @property
    def progress(self) -> int:
        n = len(self.plan.blocks) if self.plan else 1
        return PLAN_DONE + (BLOCKS_DONE - PLAN_DONE) * len(self.blocks) // n


def _shown(problems: list[str]) -> list[str]:
    shown = problems[:MAX_SHOWN]
    if len(problems) > len(shown):
        shown.append(f"and {len(problems) - len(shown)} more problems of the same kinds")
    return shown


async def generate_stepwise(caller: Caller, person: Person, report: ProgressReporter, tally: Tally,
                            store: StepStore | None) -> tuple[ProgramContent, list[Fix]]:
    job = _Job(person, report, tally, store)
    if store is not None:
        _reuse(job, await _stored(store, job))
    describing = await _plan(caller, job) if job.plan is None else _reread(caller, job)
    plan = job.plan
    assert plan is not None
    # A stored plan's hearing is stored already (nothing new), unless the attempt died between the two.
    job.person = await hear(plan.heard, job.person, job.store)
    person = job.person  # as the plan heard them: every block and check is for this person
    missing = [i for i in range(len(plan.blocks)) if i not in job.blocks]
    n = len(plan.blocks)
    if job.reused:
        log.info("reusing the stored plan and %d of %d blocks; writing %d", len(job.blocks), n, len(missing))
    await report(job.progress, "drafting", f"Writing {len(missing)} of {n} blocks at once"
                 if len(missing) > 1 else f"Writing block {missing[0] + 1} of {n}" if missing else "All blocks written")
    steps = [_make_block(caller, job, i) for i in missing]
    await _all([*steps, _finish_plan(job, describing)] if describing else steps)

    await report(92, "validating", "Checking the program")
    with tracing.span("expand and check"):
        program, fixes = repair(told(expand(plan, job.blocks), person), person)  # code repairs first
        found = checks.validate(program, person.request, person.constraints)
    if not found:
        return program, job.fixes + fixes
    violations = [str(v) for v in found]
    words = [str(v) for v in found if v.rule in checks.WORDS_RULES]
    named = blocks_named(plan, [str(v) for v in found if v.rule not in checks.WORDS_RULES])
    fixable = {i: v for i, v in named.items() if i not in job.repaired}
    if len(fixable) < len(named):  # a block already repaired once gets no second repair
        raise EngineError("The generated program did not pass validation: " + checks.summarize(violations))
    log.info("program failed validation (%d problems in %d blocks%s), repairing: %s", len(violations),
             len(fixable), " and the plan's words" if words else "", checks.summarize(violations, 3))
    what = f"{len(fixable)} block(s)" + (" and the summary" if words else "") if fixable else "the summary"
    await report(94, "repairing", f"Fixing {what}: {checks.summarize(violations, 1)}")
    repairs = [_repair_block(caller, job, i, problems) for i, problems in fixable.items()]
    await _all([*repairs, _repair_words(caller, job, words)] if words else repairs)
    await report(97, "validating", "Checking the repaired program")
    assert job.plan is not None  # the words' repair replaces it
    with tracing.span("expand and check"):
        program, fixes = repair(told(expand(job.plan, job.blocks), person), person)
        violations = checks.check_program(program, person.request, person.constraints)
    if violations:
        raise EngineError("The generated program did not pass validation: " + checks.summarize(violations))
    return program, job.fixes + fixes


async def _stored(store: StepStore, job: _Job) -> list[tuple[str, int, dict[str, object]]]:
    steps = await store.load()
    job.inflight = {(s.kind, s.index): s for s in steps if s.status == "running" and s.response_id}
    job.unread_plan = next((s for s in steps if s.kind == "plan" and s.status == "done" and s.response_id
                            and not s.content.get("description")), None)
    return [(s.kind, s.index, s.content) for s in steps if s.status == "done"]


def _reuse(job: _Job, stored: list[tuple[str, int, dict[str, object]]]) -> None:
    """Take over what an earlier attempt stored; anything that no longer reads or fits is redone."""
    for kind, _, content in stored:
        if kind == "plan":
            try:
                plan = Plan.model_validate(content)
            except ValidationError:
                continue
            if not plan_problems(plan, job.request):
                job.plan = plan
    if job.plan is None:
        return
    for kind, index, content in stored:
        if kind != "block" or index >= len(job.plan.blocks):
            continue
        try:
            block = Block.model_validate(content)
        except ValidationError:
            continue
        if not block_problems(job.plan, index, block):
            job.blocks[index] = block
            job.reused += 1


async def _all(coros: Sequence[Awaitable[None]]) -> None:
    """Run every step at once; the first failure cancels the rest (no more paying for a job that
    has failed) and is raised."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    if not tasks:
        return
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for t in tasks:
            t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for t in tasks:
        if t.done() and not t.cancelled() and t.exception() is not None:
            raise t.exception()  # type: ignore[misc]


async def _ask(caller: Caller, job: _Job, messages: list[dict[str, str]], fmt: ResponseFormatJSONSchema,
               max_tokens: int, priority: int, what: str, parse: Callable[[str], tuple[T | None, list[str]]],
               step: tuple[str, int]) -> tuple[T | None, list[str], str]:
    answer = await caller.call(messages, fmt, max_tokens, job.tally, priority=priority, what=what, step=step,
                               reattach=job.inflight.pop(step, None))
    fatal(answer, what)
    value, problems = parse(answer.text)
    return value, problems, answer.text


async def _plan(caller: Caller, job: _Job) -> asyncio.Task[Plan] | None:
    """Until the plan's blocks can start: the stored plan (None returned), or the plan call's
    answer up to its description (the task, still writing the description, is returned)."""
    head: asyncio.Future[Plan] = asyncio.get_running_loop().create_future()
    task = asyncio.ensure_future(_make_plan(caller, job, head))
    await asyncio.wait({task, head}, return_when=asyncio.FIRST_COMPLETED)
    if not head.done():
        head.cancel()
        job.plan = await task  # no usable head: the whole (possibly repaired) plan, or its error
        await _announce_plan(job)
        return None
    job.plan = head.result()
    await _announce_plan(job)
    return task


async def _announce_plan(job: _Job) -> None:
    assert job.plan is not None
    plan = job.plan
    job.person = await hear(plan.heard, job.person, job.store)  # what the plan heard goes out before the plan
    if job.store is not None:
        await job.store.save("plan", 0, plan.model_dump(mode="json"), plan.public().dump(), PLAN_DONE)
    else:
        await job.report(PLAN_DONE, "planned", f"Planned {len(plan.blocks)} blocks: {plan.name}")


def _reread(caller: Caller, job: _Job) -> asyncio.Task[Plan] | None:
    """For a stored plan that is only its head (an earlier attempt stopped while the response wrote
    the description): re-attach to that response, so its description is kept and its tokens are
    counted, once, like a block's. The blocks don't wait for it."""
    left = job.unread_plan
    if left is None or job.plan is None:
        return None
    return asyncio.ensure_future(_reread_plan(caller, job, left))


@tracing.traced("plan (re-attached)")
async def _reread_plan(caller: Caller, job: _Job, left: StoredStep) -> Plan:
    assert job.plan is not None
    # From the stream's start: storing the head ended the step's checkpoints (save_step), so the
    # text stored with its last one is gone.
    answer = await caller.call(prompt.plan_messages(job.person), PLAN_FORMAT, budget.plan_tokens(job.request),
                               job.tally, priority=PLAN_PRIORITY, what="plan (re-attached)", step=("plan", 0),
                               reattach=replace(left, sequence=0, text=""))
    plan, problems = parse_plan(answer.text) if answer.finish_reason == "stop" else (None, ["it did not finish"])
    if plan is None:
        log.warning("the plan's response could not give its description (%s); keeping the plan without it",
                    checks.summarize(problems, 1))
        return job.plan
    return plan


async def _finish_plan(job: _Job, task: asyncio.Task[Plan]) -> None:
    """The description, once the plan call has written it: into the plan and its stored step."""
    full = await task
    assert job.plan is not None
    job.plan.description = full.description
    if job.store is not None:
        await job.store.update("plan", 0, job.plan.model_dump(mode="json"))


@tracing.traced("plan")
async def _make_plan(caller: Caller, job: _Job, head: asyncio.Future[Plan]) -> Plan:
    request = job.request
    await job.report(5, "planning", f"Asking {caller.model} for the plan of a {request.duration_weeks}-week program")
    tokens = budget.plan_tokens(request)

    async def ask(messages: list[dict[str, str]], what: str) -> tuple[Plan | None, list[str], str]:
        watcher = HeadWatcher()

        async def on_text(delta: str) -> None:
            early = watcher.feed(delta)
            if early is not None and not head.done() and not plan_problems(early, request):
                head.set_result(early)  # the blocks can start while the description is written

        answer = await caller.call(messages, PLAN_FORMAT, tokens, job.tally, priority=PLAN_PRIORITY,
                                   on_text=on_text, what=what, step=("plan", 0),
                                   reattach=job.inflight.pop(("plan", 0), None))
        fatal(answer, what)
        plan, problems = parse_plan(answer.text)
        if plan is not None:
            problems = plan_problems(plan, request)
        return plan, problems, answer.text

    plan, problems, text = await ask(prompt.plan_messages(job.person), "plan")
    if problems and not head.done():
        log.info("the plan failed its checks (%d problems), repairing: %s", len(problems),
                 checks.summarize(problems, 3))
        await job.report(8, "planning", f"Fixing the plan: {checks.summarize(problems, 1)}")
        plan, problems, text = await ask(prompt.plan_repair_messages(job.person, text, _shown(problems)), "plan repair")
    if plan is None or problems:
        raise EngineError("The model's plan did not fit the request: " + checks.summarize(problems))
    return plan


@tracing.traced("block", **{"nowva.block": "index"})
async def _make_block(caller: Caller, job: _Job, index: int) -> None:
    assert job.plan is not None
    plan, request = job.plan, job.request
    spec = plan.blocks[index]
    tokens = budget.block_tokens(request, spec)
    what = f"block {index + 1} ({spec.span})"
    block, problems, text = await _ask(caller, job, prompt.block_messages(job.person, plan, index), BLOCK_FORMAT,
                                       tokens, _block_priority(index), what, parse_block, ("block", index))
    if block is not None:
        block = _tidy(job, block)
        problems = block_problems(plan, index, block)
    if problems:
        log.info("%s does not follow the plan (%d problems), repairing it: %s", what, len(problems),
                 checks.summarize(problems, 3))
        block, problems, text = await _ask_repair(caller, job, index, text, problems)
    if block is None or problems:
        raise EngineError(f"Block {index + 1} of the plan ({spec.span}) did not follow the plan's structure, "
                          f"even after a repair: {checks.summarize(problems)}")
    await _finish_block(job, index, block, text)


@tracing.traced("block repair", **{"nowva.block": "index"})
async def _ask_repair(caller: Caller, job: _Job, index: int, previous: str,
                      problems: list[str]) -> tuple[Block | None, list[str], str]:
    """The one repair call a block gets per attempt: its previous answer and its problems. Returns
    the new block (None: not a block) and what still breaks the plan's structure."""
    assert job.plan is not None
    plan, request = job.plan, job.request
    spec = plan.blocks[index]
    job.repaired.add(index)
    messages = prompt.block_repair_messages(job.person, plan, index, previous, _shown(problems))
    block, structural, text = await _ask(caller, job, messages, BLOCK_FORMAT, budget.block_tokens(request, spec),
                                         REPAIR_PRIORITY, f"block {index + 1} ({spec.span}) repair", parse_block,
                                         ("block", index))
    if block is not None:
        block = _tidy(job, block)
        structural = block_problems(plan, index, block)
    return block, structural, text


def _tidy(job: _Job, block: Block) -> Block:
    tidy, fixes = tidy_block(block)
    job.fixes += fixes
    return tidy


async def _repair_block(caller: Caller, job: _Job, index: int, problems: list[str]) -> None:
    assert job.plan is not None
    spec = job.plan.blocks[index]
    previous = job.answers.get(index) or job.blocks[index].model_dump_json()
    block, structural, text = await _ask_repair(caller, job, index, previous, problems)
    if block is None or structural:
        raise EngineError(f"The repair of block {index + 1} ({spec.span}) did not follow the plan's structure: "
                          f"{checks.summarize(structural)}")
    await _finish_block(job, index, block, text)


@tracing.traced("summary repair")
async def _repair_words(caller: Caller, job: _Job, problems: list[str]) -> None:
    """One call for the plan's words (name, description, summary). Only those are taken from the
    answer: the blocks were written for the plan's structure, which stays as it is."""
    assert job.plan is not None
    plan, request = job.plan, job.request
    messages = prompt.plan_repair_messages(job.person, plan.model_dump_json(), _shown(problems))
    answer = await caller.call(messages, PLAN_FORMAT, budget.plan_tokens(request), job.tally,
                               priority=REPAIR_PRIORITY, what="summary repair")
    fatal(answer, "summary repair")
    fixed, problems = parse_plan(answer.text)
    if fixed is None:
        raise EngineError("The repair of the program's summary was not a plan: " + checks.summarize(problems))
    job.plan = plan.model_copy(update={"name": fixed.name, "description": fixed.description,
                                       "summary": fixed.summary})


async def _finish_block(job: _Job, index: int, block: Block, text: str) -> None:
    assert job.plan is not None
    spec = job.plan.blocks[index]
    job.blocks[index], job.answers[index] = block, text
    n = len(job.plan.blocks)
    if job.store is not None:
        event = BlockStep(index=index, weeks=[spec.first_week, spec.last_week], done=len(job.blocks), of=n,
                          repaired=index in job.repaired)
        await job.store.save("block", index, block.model_dump(mode="json"), event.dump(), job.progress)
    else:
        await job.report(job.progress, "drafting", f"Block {index + 1} of {n} written ({spec.span})")


def _block_priority(index: int) -> int:
    # Earlier blocks first when calls must wait: the week-1 block is what the person starts with.
    return BLOCK_PRIORITY + index
