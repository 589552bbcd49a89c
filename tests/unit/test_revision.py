"""What a change says, the new weeks spliced onto the kept ones, and what changed (app/coaching/revision.py)."""

from __future__ import annotations

import uuid

import pytest

from app.coaching import swaps, validator
from app.coaching.person import read_person
from app.coaching.profile import Injury, Profile
from app.coaching.reading.reader import merge, read
from app.coaching.revision import (
    asked,
    changed_profile,
    changed_request,
    compare,
    lighten,
    splice,
    without_swap_targets,
)
from app.coaching.writer.profile import read_profile
from app.coaching.writer.program import build_program
from app.models import GenerateRequest, ProgramContent


@pytest.mark.parametrize(("words", "days", "out", "lighter"), [
    ("swap the squats, my knee's been hurting", None, ("squats",), None),
    ("replace lunges with step-ups please", None, ("lunges",), None),
    ("I can only train three days now", 3, (), None),
    ("train 5 days a week", 5, (), None),
    ("make weeks 5 to 8 lighter, I'm travelling", None, (), (5, 8)),
    ("I got a pair of dumbbells at home", None, (), None),
])
def test_what_a_change_asks(words: str, days: int | None, out: tuple[str, ...],
                            lighter: tuple[int, int] | None) -> None:
    a = asked(words)
    assert (a.days_per_week, a.swap_out, a.lighter) == (days, out, lighter)


def test_what_a_swap_asks_for_is_not_read_as_equipment() -> None:
    assert without_swap_targets("swap the squats for leg presses") == "swap the squats"
    assert read(without_swap_targets("swap the squats for leg presses")).profile.equipment == []


def test_the_change_is_laid_over_the_profile_and_adds_to_what_to_avoid_and_injuries() -> None:
    base = Profile(minutes_per_session=60, avoid=["burpees"],
                   injuries=[Injury(area="shoulder", side="left", words="bad left shoulder")])
    p = changed_profile(base, read("swap the squats, my knee's been hurting, no burpees or box jumps, I have 30 "
                                   "minutes"), None)
    assert p.minutes_per_session == 30
    # What to avoid is added to; what to swap is not (the squats are swapped by name: app/coaching/swaps.py).
    assert "burpees" in p.avoid and any("box jump" in a for a in p.avoid) and not any("squat" in a for a in p.avoid)
    assert {i.area for i in p.injuries} == {"knee", "shoulder"}
    # The caller's explicit fields win over the words.
    p = changed_profile(base, read("I have 30 minutes"), Profile(minutes_per_session=45))
    assert p.minutes_per_session == 45


def _request(days: int = 4) -> GenerateRequest:
    r = GenerateRequest(user_id=uuid.uuid4(), height_cm=180, weight_kg=80, goal_category="hypertrophy",  # type: ignore[arg-type]
                        goal_raw="muscle gain", duration_weeks=12, days_per_week=days,
                        fitness_level="intermediate")  # type: ignore[arg-type]
    return r.model_copy(update={"profile": merge(None, read(r.goal_raw).profile)})


def _revise(old: ProgramContent, request: GenerateRequest, words: str, from_week: int) -> tuple[ProgramContent, str]:
    a = asked(words)
    profile = changed_profile(request.profile, read(without_swap_targets(words)), None)
    changed = changed_request(request, profile, a.days_per_week)
    new = splice(old, build_program(changed), from_week)
    if a.lighter:
        new = lighten(new, a.lighter)
    assert validator.check_program(build_program(changed), changed) == []
    return new, compare(old, new, from_week, [], changed.days_per_week != request.days_per_week, a.lighter).said


def test_a_swap_keeps_the_weeks_before_from_week_and_says_what_changed() -> None:
    request = _request()
    old = build_program(request)
    person = read_person(request)
    writer = read_profile(request, person.constraints)
    named = swaps.targets(old, ("squats",), 5)
    choices = {n: swaps.options(n, [], writer, ("squats",)) for n in named}
    new = splice(old, swaps.apply(old, choices, writer, 5), 5)
    said = compare(old, new, 5, [], False).said
    assert new.weeks[:4] == old.weeks[:4]
    assert "swapped for leg press in weeks 5-12" in said and said.endswith("the rest is as it was.")
    assert not any(e.name == "Back squat" for w in new.weeks[4:] for d in w.days for e in d.exercises)
    assert validator.check_program(new, request) == []


def test_days_per_week_rewrites_and_lighter_weeks_keep_their_exercises() -> None:
    request = _request()
    old = build_program(request)
    new, said = _revise(old, request, "three days a week now", 9)
    assert said == "Now 3 days a week: weeks 9-12 rewritten; the rest is as it was."
    assert [len(w.days) for w in new.weeks] == [4] * 8 + [3] * 4
    new, said = _revise(old, request, "make weeks 5 to 8 lighter, I'm travelling", 1)
    assert said == "Weeks 5-8 made lighter; the rest is as it was."
    assert [[e.name for d in w.days for e in d.exercises] for w in new.weeks] == \
        [[e.name for d in w.days for e in d.exercises] for w in old.weeks]
    assert validator.check_program(new, request) == []


def test_nothing_to_change_is_said_so() -> None:
    request = _request()
    old = build_program(request)
    assert compare(old, old, 1, [], False).said == "Nothing needed to change: the program already fits."
