"""The session-length rule (issue 25, item 1): every session, estimated as timing.py does it (a
warm-up, then each exercise's sets times its work and rest), fits the minutes the person has, with
a little slack. Judged from the profile itself, not from anything the writer decided.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.coaching.policy import SESSION_SLACK, session_limit_min
from app.coaching.rules.registry import Rule, Subject, rule
from app.coaching.timing import session_minutes


@rule(Rule.session_length)
def session_length(s: Subject) -> Iterator[str]:
    profile = s.request.profile
    minutes = profile.minutes_per_session if profile is not None else None
    if minutes is None:
        return
    limit = session_limit_min(minutes)
    for week in s.program.weeks:
        for day in week.days:
            took = session_minutes(day.exercises)
            if took > limit:
                yield (f"week {week.week} day {day.day} takes about {took:.0f} minutes (a warm-up, then each "
                       f"exercise's sets of work and rest); the person has {minutes} minutes a session, so at most "
                       f"{limit:.0f} ({SESSION_SLACK:.0%} over): superset accessories, shorten rests where the goal "
                       "allows, or drop an exercise whose muscles another one that day trains")
