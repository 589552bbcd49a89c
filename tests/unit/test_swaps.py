"""Swapping what the person named, and only that (app/coaching/swaps.py, issue 26)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from app.coaching import swaps, validator
from app.coaching.person import read_person
from app.coaching.reading.reader import merge, read
from app.coaching.revision import asked
from app.coaching.writer.profile import Profile, read_profile
from app.coaching.writer.program import build_program
from app.models import GenerateRequest, ProgramContent


def _request(words: str = "muscle gain", **changes: Any) -> GenerateRequest:
    body: dict[str, Any] = {"user_id": uuid.uuid4(), "height_cm": 180, "weight_kg": 80, "goal_category": "hypertrophy",
                            "goal_raw": words, "duration_weeks": 12, "days_per_week": 4,
                            "fitness_level": "intermediate", **changes}
    r = GenerateRequest(**body)
    return r.model_copy(update={"profile": merge(None, read(r.goal_raw).profile)})


def _writer(request: GenerateRequest) -> Profile:
    return read_profile(request, read_person(request).constraints)


def _rows(program: ProgramContent, weeks: range) -> list[tuple[int, int, str]]:
    return [(w.week, d.day, e.name) for w in program.weeks if w.week in weeks for d in w.days for e in d.exercises]


@pytest.mark.parametrize(("words", "name", "names"), [
    ("the squats", "Back squat", True), ("squats", "Goblet box squat", True), ("the squats", "Leg press", False),
    ("lateral raises", "Dumbbell lateral raise", True), ("the bench", "Barbell bench press", True),
    ("pull-ups", "Pull-up", True), ("my lunges", "Walking lunge", True), ("lunges", "Leg press", False),
    ("the deadlifts", "Romanian deadlift", True), ("the", "Back squat", False),
])
def test_the_words_name_exercises_not_a_movement(words: str, name: str, names: bool) -> None:
    assert swaps.names_it(words, name) is names


def test_only_the_named_exercises_change_and_the_leg_press_stays() -> None:
    request = _request()
    old = build_program(request)
    writer = _writer(request)
    named = swaps.targets(old, ("squats",), 5)
    assert "Back squat" in named and all("squat" in n.lower() for n in named)
    new = swaps.apply(old, {n: swaps.options(n, [], writer, ("squats",)) for n in named}, writer, 5)
    assert new.weeks[:4] == old.weeks[:4]
    assert not [r for r in _rows(new, range(5, 13)) if "squat" in r[2].lower()]
    assert any(r[2] == "Leg press" for r in _rows(new, range(5, 13)))
    # Every other row is as it was, in its place.
    kept = [(a, b) for a, b in zip(old.weeks[4:], new.weeks[4:], strict=True)]
    for was, now in kept:
        for d_was, d_now in zip(was.days, now.days, strict=True):
            for e_was, e_now in zip(d_was.exercises, d_now.exercises, strict=True):
                assert e_now == e_was or (e_was.name in named and (e_now.sets, e_now.reps, e_now.intensity) ==
                                          (e_was.sets, e_was.reps, e_was.intensity))
    assert validator.check_program(new, request) == []


def test_what_the_person_asks_for_comes_first_when_they_may_have_it() -> None:
    request = _request()
    writer = _writer(request)
    assert swaps.options("Back squat", [], writer, ("squats",), ["leg presses"])[0].name == "Leg press"
    assert swaps.options("Back squat", [], writer, ("squats",), ["hack squats"])[0].name != "Hack squat"
    home = _writer(_request("only dumbbells and a bench at home"))
    assert "Leg press" not in [e.name for e in swaps.options("Goblet squat", [], home, ("squats",), ["leg press"])]


def test_a_swap_around_a_sore_knee_is_gentle_work_dosed_light() -> None:
    request = _request("muscle gain, my left knee hurts")
    writer = _writer(request)
    assert writer.filters.spared
    choices = swaps.options("Back squat", [], writer, ("squats",))
    assert choices and all(not (e.stresses - e.gentle) & writer.filters.spared for e in choices)
    old = build_program(_request())
    new = swaps.apply(old, {"Back squat": choices}, writer, 5)
    swapped = [e for w in new.weeks[4:] if not w.deload for d in w.days for e in d.exercises
               if e.name == choices[0].name and e.notes.startswith("Gentle for your knee")]
    assert swapped and all(e.intensity.startswith("RPE 7") and int(str(e.reps).split("-")[0]) >= 10 for e in swapped)


def test_a_day_with_every_option_already_leaves_the_exercise_out() -> None:
    request = _request()
    old = build_program(request)
    new = swaps.apply(old, {"Back squat": []}, _writer(request), 5)
    assert _rows(new, range(1, 13)) == [r for r in _rows(old, range(1, 13)) if r[2] != "Back squat" or r[0] < 5]
    assert [r for r in _rows(new, range(1, 5)) if r[2] == "Back squat"]


def test_what_they_ask_for_says_which_kind_they_mean() -> None:
    program = build_program(_request(goal_category="strength"))
    curls = swaps.targets(program, ("curls",), 5)
    assert curls and all("leg curl" in n.lower() for n in curls)  # a strength plan's curls are leg curls
    assert swaps.targets(program, ("curls",), 5, ["hammer curls"]) == []  # they meant biceps curls
    deadlifts = swaps.targets(program, ("deadlifts",), 5, ["hip thrusts"])
    assert deadlifts and all("deadlift" in n.lower() for n in deadlifts)  # the same muscles: those are meant


@pytest.mark.parametrize(("words", "term"), [
    ("I can't do pull-ups, swap them", "pull ups"),
    ("the deadlifts hurt my back, swap them out", "the deadlifts"),  # not "my back": the back squat
    ("my knee hates lunges so drop them", "lunges"),
    ("swap the squats", "squats"),
])
def test_them_is_what_the_words_named_before(words: str, term: str) -> None:
    program = build_program(_request(goal_category="strength"))
    assert swaps.resolved(asked(words).swap_out, words, program) == (term,)


def test_them_with_nothing_named_before_is_nothing() -> None:
    assert swaps.resolved(("them",), "swap them", build_program(_request())) == ()
