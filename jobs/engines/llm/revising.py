"""A revision with the model (issue 26): only the blocks the change touches are asked for again,
each with its old block in the prompt; the plan is asked again only when the structure changes.

The parent program's plan and blocks are the durable steps its job stored (jobs/steps.py). The
blocks a change touches are those from `from_week` on that no longer fit the changed person: the
old program is checked by the validator for the changed request (a banned squat, a machine the
person no longer has, a session too long), and its violations are traced to the blocks whose weeks
they name, as a generation's repair traces them; a block that holds an exercise the person asked to
swap is touched too. Each is asked again as a repair of the old block: the old block is the
previous answer, the problems and the person's words say what to change. The rest is kept. Days
per week or the program's length change the plan's structure: then the whole program is written
again (the stepwise strategy), and the revision says so.

The re-asked blocks are steps of the revision's own job, so a retried attempt asks only for the
blocks still missing.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError

from app import tracing
from app.coaching import validator as checks
from app.coaching.person import Person
from app.coaching.repairs import Fix, repair
from app.models import ProgramContent
from jobs.engines.base import EngineError, ProgressReporter, StepStore
from jobs.engines.llm import budget, prompt
from jobs.engines.llm.answers import Tally
from jobs.engines.llm.blocks import Block, block_problems, blocks_named, expand, parse_block
from jobs.engines.llm.calls import REPAIR_PRIORITY, Caller
from jobs.engines.llm.hearing import told
from jobs.engines.llm.plan import Plan
from jobs.engines.llm.stepwise import BLOCK_FORMAT, _all, _ask, _finish_block, _Job, _tidy, generate_stepwise

log = logging.getLogger(__name__)


def parent_steps(plan: dict[str, Any] | None,
                 blocks: dict[int, dict[str, Any]]) -> tuple[Plan, dict[int, Block]] | None:
    """The parent's plan and every one of its blocks, or None when they are not all stored (a program
    the built-in writer wrote, or whose job was pruned)."""
    if plan is None:
        return None
    try:
        parsed = Plan.model_validate(plan)
        done = {i: Block.model_validate(b) for i, b in blocks.items()}
    except ValidationError:
        return None
    return (parsed, done) if set(done) >= set(range(len(parsed.blocks))) else None


def touched(plan: Plan, blocks: dict[int, Block], person: Person, from_week: int,
            swap_out: tuple[str, ...]) -> dict[int, list[str]]:
    """The blocks from `from_week` on that the change touches, each with why."""
    program, _ = repair(told(expand(plan, blocks), person), person)
    found = [str(v) for v in checks.validate(program, person.request, person.constraints)
             if v.rule not in checks.WORDS_RULES]
    named = blocks_named(plan, found)
    words = [w.rstrip("s") for w in swap_out if len(w) > 2]
    for i, block in blocks.items():
        hit = sorted({e.name for d in block.days for e in d.exercises if any(w in e.name.lower() for w in words)})
        if hit:
            named.setdefault(i, []).append(f"it has {', '.join(hit)}, which the person asked to swap for something "
                                           "else")
    return {i: v for i, v in sorted(named.items()) if plan.blocks[i].last_week >= from_week}


async def revise_stepwise(caller: Caller, person: Person, report: ProgressReporter, tally: Tally,
                          store: StepStore | None, parent: tuple[Plan, dict[int, Block]] | None, from_week: int,
                          instruction: str, swap_out: tuple[str, ...],
                          restructured: bool) -> tuple[ProgramContent, list[Fix], list[int]]:
    """The new program (whole, before the weeks before `from_week` are put back) and the blocks asked."""
    if restructured:
        program, fixes = await generate_stepwise(caller, person, report, tally, store)
        return program, fixes, []  # every block, and the plan, written again
    if parent is None:
        raise EngineError("The program's plan and blocks are not stored: the model cannot revise only its blocks.")
    plan, old = parent
    job = _Job(person, report, tally, store, plan=plan, blocks=dict(old))
    stored = await store.load() if store is not None else []
    mine = {s.index: s.content for s in stored if s.kind == "block" and s.status == "done"}
    change = touched(plan, old, person, from_week, swap_out)
    asked = []
    for i in change:
        if i in mine:
            job.blocks[i] = Block.model_validate(mine[i])  # written by an earlier attempt of this revision
        else:
            asked.append(i)
    await report(20, "revising", f"Rewriting {len(asked)} of {len(plan.blocks)} blocks" if asked
                 else "No block needs rewriting")
    await _all([_rewrite(caller, job, i, old[i], instruction, change[i]) for i in asked])
    with tracing.span("expand and check"):
        program, fixes = repair(told(expand(plan, job.blocks), person), person)
    return program, job.fixes + fixes, sorted(change)


@tracing.traced("block revision", **{"nowva.block": "index"})
async def _rewrite(caller: Caller, job: _Job, index: int, old: Block, instruction: str, problems: list[str]) -> None:
    assert job.plan is not None
    plan, spec = job.plan, job.plan.blocks[index]
    why = [f'the person asked for a change: "{instruction}"' if instruction else "the person's profile changed",
           *problems[:30]]
    messages = prompt.block_repair_messages(job.person, plan, index, old.model_dump_json(), why)
    what = f"block {index + 1} ({spec.span}) revision"
    block, structural, text = await _ask(caller, job, messages, BLOCK_FORMAT, budget.block_tokens(job.request, spec),
                                         REPAIR_PRIORITY, what, parse_block, ("block", index))
    if block is not None:
        block = _tidy(job, block)
        structural = block_problems(plan, index, block)
    if block is None or structural:
        raise EngineError(f"The revision of block {index + 1} ({spec.span}) did not follow the plan's structure: "
                          f"{checks.summarize(structural)}")
    await _finish_block(job, index, block, text)
