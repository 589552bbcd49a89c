"""The built-in engine: the coaching domain's writer (app/coaching/writer) behind the engine protocol.

It adds only what a job needs around the pure writer: progress reports a few times per program and
a yield to the event loop between weeks, so a long program never holds the worker's loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from pydantic import ValidationError

from app.coaching.profile import Unplaced
from app.coaching.writer.periodization import plan_weeks
from app.coaching.writer.profile import read_profile
from app.coaching.writer.program import assemble
from app.coaching.writer.sessions import build_week
from app.coaching.writer.splits import SPLITS
from app.models import GenerateRequest, TrainingWeek
from jobs.engines.base import EngineError, Generated, ProgressReporter, StepStore

# Long programs report every few weeks: each report is a database event and a NOTIFY.
MAX_PROGRESS_REPORTS = 10


class BuiltinEngine:
    name = "builtin"

    def __init__(self, week_delay: float = 0.0) -> None:
        self._week_delay = week_delay

    async def generate(self, request: GenerateRequest, report: ProgressReporter,
                       steps: StepStore | None = None, unplaced: Sequence[Unplaced] = ()) -> Generated:
        profile = read_profile(request)
        plans = plan_weeks(profile)
        n = len(plans)
        await report(5, "planning", f"Planning {n} weeks with {SPLITS[request.days_per_week][1]}")
        step = -(-n // MAX_PROGRESS_REPORTS)
        weeks: list[TrainingWeek] = []
        try:  # a bug here must fail the job clearly, not store junk
            for plan in plans:
                weeks.append(build_week(profile, plan))
                done = plan.number
                if done % step == 0 or done == n:
                    await report(10 + round(85 * done / n), "drafting", f"Drafted week {done} of {n}")
                # Always yield, so a long program never holds the event loop for its whole build.
                await asyncio.sleep(self._week_delay if done < n else 0)
            program = assemble(profile, plans, weeks, unplaced)
        except ValidationError as exc:
            raise EngineError(f"The built-in engine produced an invalid program: {exc}") from exc
        await report(98, "finalizing", "Program ready")
        return Generated(program=program, engine=self.name, model=None, usage={})
