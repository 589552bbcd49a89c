"""The built-in writer: an offline, deterministic strength coach.

It reads the request into a profile (goal, level, body size, and the constraints the person's words
set: bans, equipment, injuries, populations, an event), picks a split from the days per week, lays
the weeks out in blocks with deloads, a taper and a test week, and doses every exercise from goal,
level, role, where the week sits in its block and the effort ceiling the person's situation sets.
The same request always gives the same program: there is no randomness anywhere. Its output passes
every rule of the validator for every goal, level, days per week and duration (tests prove it), but
the writer never imports the validator: the numbers both use come from policy.py.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.coaching.profile import Unplaced
from app.coaching.sport import taper_week
from app.coaching.words import (
    Constraints,
)
from app.coaching.writer.lighter import lighten
from app.coaching.writer.periodization import WeekPlan, plan_weeks
from app.coaching.writer.profile import Profile, read_profile
from app.coaching.writer.sessions import build_week
from app.coaching.writer.wording import description, program_name, summary
from app.models import GenerateRequest, ProgramContent, TrainingWeek

# ---------------------------------------------------------------- the engine


def build_program(request: GenerateRequest, constraints: Constraints | None = None,
                  unplaced: Sequence[Unplaced] = ()) -> ProgramContent:
    """The whole program at once, without progress reports: what tests and the review use."""
    profile = read_profile(request, constraints)
    plans = plan_weeks(profile)
    return assemble(profile, plans, [build_week(profile, plan) for plan in plans], unplaced)


def assemble(profile: Profile, plans: Sequence[WeekPlan], weeks: list[TrainingWeek],
             unplaced: Sequence[Unplaced] = ()) -> ProgramContent:
    """The drafted weeks made a program: lighter weeks made light enough (writer/lighter.py), and its
    words. The one way every caller (the engine week by week, tests at once) finishes a program, so
    what a person gets is what the tests validate."""
    r = profile.request
    weeks = lighten(weeks, list(plans), taper_week(r.profile, r.duration_weeks, profile.constraints.event is not None))
    return ProgramContent(name=program_name(profile), description=description(profile, list(plans)),
                          summary=summary(profile, list(plans), unplaced), weeks=weeks)
