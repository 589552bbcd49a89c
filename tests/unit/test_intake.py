"""The reader of the person's words (issue 24): the bench's targets, its speed, the merge with an
explicit profile, and the profile contract's validation."""

from __future__ import annotations

import statistics

import pytest
from pydantic import ValidationError

from app.coaching.profile import Injury, Profile
from app.coaching.reading.reader import merge, read
from tests.intake_bench import score
from tests.intake_cases import CASES, FRESH, HELD_OUT, NEXT, UNSEEN


def test_the_bench_has_two_hundred_phrasings() -> None:
    assert len(CASES) >= 200
    every = CASES + HELD_OUT + UNSEEN + FRESH + NEXT
    assert len({c.text for c in every}) == len(every)


def test_the_reader_meets_the_targets_on_the_bench() -> None:
    result = score(cases=CASES + HELD_OUT)
    assert result.meets_targets() == [], "\n".join(
        [*result.meets_targets(), *(f"{t!r} {n}: want {w} got {h}" for t, n, w, h in result.failures)])
    assert not result.unplaced_missed


def test_reading_costs_well_under_fifty_ms_warm() -> None:
    result = score(cases=CASES)
    assert statistics.median(result.times_ms) < 10
    assert sorted(result.times_ms)[int(len(result.times_ms) * 0.95)] < 50


def test_the_issues_examples() -> None:
    p = read("had ACL surgery two years ago, fully cleared").profile
    assert [(i.area, i.status) for i in p.injuries] == [("knee", "past")] and p.cleared_by_clinician is True
    assert read("in case my back acts up").profile.injuries == []
    assert read("no knee problems").profile.injuries == []
    assert [(i.area, i.side) for i in read("bad left shoulder").profile.injuries] == [("shoulder", "left")]
    reading = read("a weird thing with my spleen")
    assert reading.profile.is_empty() and [u.words for u in reading.unplaced] == ["a weird thing with my spleen"]
    assert read("uh, so, I just wanna get jacked").unplaced == []  # filler is not unplaced


def _injuries(text: str) -> list[tuple[str, str | None, str]]:
    return [(i.area, i.side, i.status) for i in read(text).profile.injuries]


def test_the_mechanisms_behind_the_unseen_sets_misses() -> None:
    # every denial ends at a comma or a "but", however short its window
    assert _injuries("won't do lunges, my hip hurts") == [("hip", None, "current")]
    assert _injuries("I never had problems, but now my elbow aches a lot") == [("elbow", None, "current")]
    # the areas of a coordination share what is wrong, and a side said once
    assert _injuries("my hips and lower back are stiff") == [
        ("hip", "both", "current"), ("lower_back", None, "current")]
    assert _injuries("right wrist and elbow hurt") == [
        ("wrist_hand", "right", "current"), ("elbow", "right", "current")]
    assert _injuries("no hip or knee issues") == []
    # a muscle wished for is not a complaint
    assert _injuries("I want bigger shoulders and my knee aches") == [("knee", None, "current")]
    # a history said of another area stays with it
    assert _injuries("my ankle is sore, broke my wrist years ago") == [
        ("ankle_foot", None, "current"), ("wrist_hand", None, "past")]
    assert _injuries("had my shoulder operated on in 2016") == [("shoulder", None, "past")]


def test_each_item_carries_its_words() -> None:
    p = read("I'm 34, I have dumbbells and a bench, 45 minutes, bad left shoulder").profile
    assert p.injuries[0].words == "bad left shoulder"
    assert p.said == {"age": "I'm 34", "minutes_per_session": "45 minutes", "equipment.dumbbells": "dumbbells",
                      "equipment.bench": "bench"}


def test_explicit_fields_win_and_injuries_are_the_union() -> None:
    explicit = Profile(age=40, injuries=[Injury(area="knee", side="right", status="recovering")])
    merged = merge(explicit, read("I'm 30, sore left knee and a bad back, 45 minutes").profile)
    assert merged.age == 40 and merged.minutes_per_session == 45
    assert [(i.area, i.side, i.status) for i in merged.injuries] == [
        ("knee", "right", "recovering"), ("lower_back", None, "current")]
    assert "age" not in merged.said and merged.said["minutes_per_session"] == "45 minutes"
    assert merge(None, read("").profile) == Profile()


@pytest.mark.parametrize(("body", "loc"), [
    ({"age": 9}, ["age"]), ({"minutes_per_session": 300}, ["minutes_per_session"]),
    ({"equipment": ["rowing_boat"]}, ["equipment", 0]), ({"injuries": [{"area": "spleen"}]}, ["injuries", 0, "area"]),
    ({"injuries": [{"area": "knee", "side": "middle"}]}, ["injuries", 0, "side"]),
    ({"emphasis": ["neck"]}, ["emphasis", 0]), ({"colour": "blue"}, ["colour"]),
])
def test_the_profile_refuses_bad_values_naming_the_field(body: dict[str, object], loc: list[object]) -> None:
    with pytest.raises(ValidationError) as info:
        Profile.model_validate(body)
    assert list(info.value.errors()[0]["loc"]) == loc


def test_what_was_understood_is_told_back_in_plain_words() -> None:
    from app.coaching.telling import render

    reading = read("I'm 16, 45 minutes, bad left shoulder, only a kettlebell, rugby in season, "
                   "a weird thing with my spleen")
    assert render(reading.profile, reading.unplaced) == (
        "Understood: age 16 · 45 minutes a session · has: kettlebell · left shoulder (current) · rugby, in-season\n"
        "Not placed: \"a weird thing with my spleen\" (a part of the body or a health matter we have no rules for)")
    assert render(Profile(), []) == "Understood: a full gym"
