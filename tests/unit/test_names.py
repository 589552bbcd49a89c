"""Names read with their equipment (app/coaching/names.py), measured on names as people and apps
write them. The asserts below are the measure; the README ("Whatever model writes the program") quotes the figures."""

from __future__ import annotations

import pytest

from app.coaching.catalogue import EXERCISES
from app.coaching.kinds import Equipment
from app.coaching.names import canonical, lookup, read

# As a common logging app lists its most-logged exercises: "Name (Equipment)".
APP_NAMES = (
    "Bench Press (Barbell)|Bench Press (Dumbbell)|Incline Bench Press (Barbell)|Incline Bench Press (Dumbbell)|"
    "Decline Bench Press (Barbell)|Squat (Barbell)|Front Squat (Barbell)|Goblet Squat (Kettlebell)|"
    "Hack Squat (Machine)|Leg Press (Machine)|Deadlift (Barbell)|Romanian Deadlift (Barbell)|"
    "Romanian Deadlift (Dumbbell)|Sumo Deadlift (Barbell)|Deadlift (Trap bar)|Rack Pull (Barbell)|"
    "Overhead Press (Barbell)|Overhead Press (Dumbbell)|Seated Overhead Press (Dumbbell)|Arnold Press (Dumbbell)|"
    "Lateral Raise (Dumbbell)|Lateral Raise (Cable)|Front Raise (Dumbbell)|Upright Row (Barbell)|Shrug (Barbell)|"
    "Shrug (Dumbbell)|Face Pull (Cable)|Reverse Fly (Dumbbell)|Pull Up|Chin Up|Pull Up (Assisted)|"
    "Lat Pulldown (Cable)|Seated Row (Cable)|Bent Over Row (Barbell)|Bent Over One Arm Row (Dumbbell)|T Bar Row|"
    "Chest Fly (Dumbbell)|Cable Crossover|Chest Press (Machine)|Push Up|Dips|Triceps Pushdown (Cable - Straight Bar)|"
    "Triceps Extension (Dumbbell)|Skullcrusher (Barbell)|Triceps Dip|Bicep Curl (Barbell)|Bicep Curl (Dumbbell)|"
    "Hammer Curl (Dumbbell)|Preacher Curl (Barbell)|Preacher Curl (Machine)|Concentration Curl|Bicep Curl (Cable)|"
    "Leg Extension (Machine)|Lying Leg Curl (Machine)|Seated Leg Curl (Machine)|Hip Thrust (Barbell)|Glute Bridge|"
    "Bulgarian Split Squat|Lunge (Dumbbell)|Walking Lunge (Dumbbell)|Step Up|Calf Raise (Machine)|"
    "Standing Calf Raise (Dumbbell)|Seated Calf Raise|Plank|Crunch|Hanging Leg Raise|Lying Leg Raise|Russian Twist|"
    "Mountain Climber|Ab Wheel|Cable Crunch|Farmers Walk|Kettlebell Swing|Box Jump|Jump Squat|Power Clean|"
    "Hang Clean|Good Morning (Barbell)|Back Extension|Hip Abduction (Machine)|Pec Deck (Machine)|Reverse Lunge|"
    "Side Plank|Wall Sit|Rowing (Machine)|Treadmill|Cycling"
).split("|")
# Names the catalogue does not have (a barbell thruster, a burpee): not counted against the rate.
NOT_IN_CATALOGUE = ("Thruster (Barbell)", "Burpee")

# The spellings models write, and what they mean.
SPELLINGS = {
    "Bench Press (Dumbbell)": "Dumbbell bench press", "DB bench press": "Dumbbell bench press",
    "dumbbell bench presses": "Dumbbell bench press", "Dumbbell Front Squat": "Dumbbell front squat",
    "Barbell Back Squat (high bar)": "Back squat", "Walking Lunges - each leg": "Walking lunge",
    "Walking lunge, each leg": "Walking lunge", "Bulgarian split squat per side": "Bulgarian split squat",
    "Romanian deadlift with dumbbells": "Dumbbell Romanian deadlift", "Standing dumbbell curl": "Dumbbell curl",
    "Pushups": "Push-up", "Push-ups": "Push-up", "Dumbbell Flyes": "Dumbbell fly", "Skullcrusher": "Skull crusher",
    "BB RDL": "Romanian deadlift", "KB swings": "Kettlebell swing", "SL RDL": "Single-leg Romanian deadlift",
    "OHP": "Standing overhead press", "Machine chest fly": "Machine fly",
}
TYPOS = {
    "romanain deadlift": "Romanian deadlift", "bulgarain split squat": "Bulgarian split squat",
    "lateral rasie": "Dumbbell lateral raise", "goblet sqaut": "Goblet squat", "hip thurst": "Barbell hip thrust",
    "lat pull down": "Lat pulldown", "hamer curl": "Hammer curl", "kettlebel swing": "Kettlebell swing",
    "leg presss": "Leg press", "split sqat": "Split squat",
}
# Close to a name, but another exercise or none: the fuzzy threshold must leave them alone. ("Tempo
# run" was one until the field-sport drills made "Tempo runs" an exercise of its own.)
NEAR_MISSES = ("quantum squat thruster", "sissy squat", "anderson squat", "cossack squat", "hip airplane",
               "copenhagen plank", "hot tub", "belt squat march", "tempo squat walk")


def stated_fits(name: str) -> bool:
    entry = lookup(name)
    return entry is None or read(name).equipment <= (entry.equipment | entry.needs)


def test_every_catalogue_name_and_alias_is_its_own_entry() -> None:
    wrong = [(key, ex.name, getattr(lookup(key), "name", None)) for ex in EXERCISES
             for key in (ex.name, *ex.aliases) if lookup(key) is not ex]
    assert not wrong, wrong[:10]


def test_app_names_resolve_and_never_across_equipment() -> None:
    resolved = [n for n in APP_NAMES if lookup(n) is not None]
    assert len(resolved) / len(APP_NAMES) >= 0.95, sorted(set(APP_NAMES) - set(resolved))
    assert all(stated_fits(n) for n in APP_NAMES)
    assert all(lookup(n) is None for n in NOT_IN_CATALOGUE)


@pytest.mark.parametrize(("written", "meant"), SPELLINGS.items())
def test_spellings_models_write(written: str, meant: str | None) -> None:
    entry = lookup(written)
    assert (entry.name if entry else None) == meant
    assert stated_fits(written)


def test_a_name_never_lands_on_another_equipment() -> None:
    # The misreads of the old lexicon: each of these named the barbell (or dumbbell) entry.
    for name in ("Bench Press (Dumbbell)", "Dumbbell Front Squat", "Machine chest fly", "Dumbbell deadlift",
                 "Kettlebell bench press", "Cable front squat"):
        entry = lookup(name)
        assert entry is None or read(name).equipment <= (entry.equipment | entry.needs), (name, entry)
    assert Equipment.dumbbell in lookup("Bench Press (Dumbbell)").equipment  # type: ignore[union-attr]


def test_close_misspellings_above_the_threshold_and_nothing_else() -> None:
    assert {t: getattr(lookup(t), "name", None) for t in TYPOS} == TYPOS
    assert {n: getattr(lookup(n), "name", None) for n in NEAR_MISSES} == dict.fromkeys(NEAR_MISSES)


def test_the_program_stores_the_catalogues_name() -> None:
    assert canonical("BB RDL") == "Romanian deadlift"
    assert canonical("Quantum squat thruster") == "Quantum squat thruster"


def test_the_catalogue_knows_about_800_exercises_with_the_areas_they_stress() -> None:
    assert len(EXERCISES) >= 800
    assert sum(1 for ex in EXERCISES if ex.stresses) / len(EXERCISES) > 0.8
    assert {"knee", "hip"} <= {a.value for a in lookup("Back squat").stresses}  # type: ignore[union-attr]
