"""The built-in writer filling a plan someone else made: the OpenAI engine's plan, when the model
failed for good after the person had already heard that plan (a `plan` event). The weeks keep the
plan's blocks and deload weeks, so what the person heard stays true; every session inside them is
the built-in writer's own. The plan comes in as plain values: the coaching domain knows no engine.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from app.coaching.profile import Unplaced
from app.coaching.telling import for_summary, with_summary
from app.coaching.words import Constraints
from app.coaching.writer.periodization import PHASES, WeekKind, WeekPlan, plan_weeks, with_phases
from app.coaching.writer.profile import Profile, read_profile
from app.coaching.writer.program import assemble
from app.coaching.writer.sessions import build_week
from app.models import GenerateRequest, ProgramContent


@dataclass(frozen=True, slots=True)
class PlanWords:
    """What the person heard: the plan's name and summary (and its description, once written)."""

    name: str
    summary: str
    description: str = ""


def weeks_to_plan(profile: Profile, blocks: Sequence[tuple[int, int]], deload_weeks: Collection[int]) -> list[WeekPlan]:
    """The weeks laid out in the given blocks (first week, last week; in order, covering every
    week), with deloads exactly where given. The built-in layout's taper and test weeks stay where
    it puts them unless the plan made that week a deload."""
    own = {p.number: p.kind for p in plan_weeks(profile)}
    deloads = set(deload_weeks)
    plans: list[WeekPlan] = []
    for b, (first, last) in enumerate(blocks):
        kinds = {w: WeekKind.deload if w in deloads else
                 own.get(w, WeekKind.load) if own.get(w) in (WeekKind.taper, WeekKind.test) else WeekKind.load
                 for w in range(first, last + 1)}
        loading = [w for w in range(first, last + 1) if kinds[w] is WeekKind.load]
        length = max(1, len(loading))
        for w in range(first, last + 1):
            pos = loading.index(w) if w in loading else 0
            plans.append(WeekPlan(w, kinds[w], b, pos, length))
    # Phases as the built-in layout counts them: back from the end before a test or taper, so
    # the last block is the heaviest; otherwise from the lightest.
    n = len(blocks)
    if plans and plans[-1].kind in (WeekKind.test, WeekKind.taper):
        phases = [(2 - (n - 1 - b)) % len(PHASES) for b in range(n)]
        if n > 1 and phases[0] == 2:
            phases[0] = 0
    else:
        phases = [b % len(PHASES) for b in range(n)]
    return with_phases(plans, phases)


def build_program_to_plan(request: GenerateRequest, blocks: Sequence[tuple[int, int]],
                          deload_weeks: Collection[int], words: PlanWords | None,
                          constraints: Constraints | None = None, unplaced: Sequence[Unplaced] = ()
                          ) -> ProgramContent:
    """The built-in program in the plan's blocks and deloads. `words`: the plan's name, summary and
    description; None: the built-in writer's own words for these weeks."""
    profile = read_profile(request, constraints)
    plans = weeks_to_plan(profile, blocks, deload_weeks)
    program = assemble(profile, plans, [build_week(profile, plan) for plan in plans], unplaced)
    if words is None:
        return program
    # The plan's summary is the model's; what was adapted and not accounted for is code's, as in the
    # OpenAI engine's own programs.
    told = for_summary(request.profile, unplaced)
    return ProgramContent(name=words.name, summary=with_summary(words.summary, told),
                          description=words.description or program.description, weeks=program.weeks)
