"""The exercise catalogue: every exercise either engine may prescribe, and what it is.

The exercises are data (data/exercises.toml, one record per exercise, editable by a coach); this
module loads them once and checks them with pydantic: unique names and aliases, known patterns,
equipment, muscles and flags. Code refers to exercises by attributes and tags, never by name.

Each entry has its movement pattern, the equipment it needs, its main muscles, its load type, how
hard it is to learn (tier), its landing impact, and the flags the person's words can rule out.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.coaching.kinds import (
    DEFAULT_MUSCLES,
    NON_VOLUME_PATTERNS,
    BodyArea,
    Equipment,
    Impact,
    Load,
    Movement,
    Muscle,
    Pattern,
    Unit,
    load_of,
)

DATA = Path(__file__).parent / "data"
# The reviewed catalogue first (its order is the writer's preference), then what was derived from
# open data (scripts/catalogue_from_open_data.py), known to the validator but never chosen by the writer.
CATALOGUE_FILES = (DATA / "exercises.toml", DATA / "exercises_open.toml")
Tag = Literal["swing", "deadlift", "bench_press", "pull_up", "for_bench_emphasis", "for_squat_emphasis",
              "for_deadlift_emphasis", "for_glute_emphasis", "for_tall_lifters", "for_older_adults", "balance",
              "low_reps",
              # a sport's work (app/coaching/sport.py): field and court sports, and weightlifting
              "sprint_drill", "change_of_direction", "landing", "sport_conditioning", "snatch", "clean_and_jerk"]


@dataclass(frozen=True, slots=True)
class LibraryExercise:
    name: str
    pattern: Pattern
    equipment: frozenset[Equipment]  # any one of these is enough
    tier: int  # 1 beginner, 2 intermediate, 3 advanced: the lowest level that gets it by default
    muscles: tuple[Muscle, ...]  # main muscles, the prime mover first
    load: Load
    heavy: bool  # can be loaded for sets of 1-6 (a barbell can; a goblet squat or a push-up cannot)
    compound: bool = True
    impact: Impact = Impact.none
    knee_friendly: bool = True
    spine_friendly: bool = True  # little axial load or shear: a sane default for a sore back
    shoulder_friendly: bool = True
    needs: frozenset[Equipment] = frozenset()  # also required, all of them (a bench, a bar)
    deep: bool = False  # a deep knee bend under load: what "no deep squats" rules out
    flexion: bool = False  # loaded or repeated spinal flexion: never for a disc
    lying: bool = False  # on the back or front: not in later pregnancy
    overhead: bool = False
    testable: bool = False  # a main lift whose 1RM may be tested
    stock: bool = True  # the built-in engine may choose it; False: known only so it can be judged
    unit: Unit = Unit.reps
    cue: str = ""
    aliases: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()
    test_rank: int | None = None  # which tested lifts get a test-week slot first
    stresses: frozenset[BodyArea] = frozenset()  # the body areas it loads
    source: str = "reviewed"
    # Areas it loads that it may still train around an injury, light and in a pain-free range (a
    # physiotherapist's usual advice: a chest-supported row for a sore shoulder, a leg press for a knee).
    gentle: frozenset[BodyArea] = frozenset()


class ExerciseRecord(BaseModel):
    """One [[exercise]] table of the data file, as a coach writes it (member names, not values)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=2)
    pattern: str
    equipment: list[str] = Field(min_length=1)
    tier: int = Field(ge=1, le=3)
    needs: list[str] = []
    muscles: list[str] | None = None
    heavy: bool | None = None
    compound: bool = True
    impact: Literal["none", "low", "moderate", "high"] = "none"
    knee_friendly: bool = True
    spine_friendly: bool = True
    shoulder_friendly: bool = True
    deep: bool = False
    flexion: bool = False
    lying: bool = False
    overhead: bool = False
    testable: bool = False
    test_rank: int | None = None
    stock: bool = True
    unit: Literal["reps", "per_side", "hold"] = "reps"
    tags: list[Tag] = []
    stresses: list[BodyArea] = []
    gentle: list[BodyArea] = []
    source: Literal["reviewed", "free-exercise-db"] = "reviewed"
    cue: str = ""
    aliases: list[str] = []

    @model_validator(mode="after")
    def _known_terms(self) -> ExerciseRecord:
        for value, kind in ((self.pattern, Pattern), *((e, Equipment) for e in (*self.equipment, *self.needs)),
                            *((m, Muscle) for m in self.muscles or ())):
            if value not in kind.__members__:
                raise ValueError(f"{self.name}: {value!r} is not a known {kind.__name__.lower()}")
        if not set(self.gentle) <= set(self.stresses):
            raise ValueError(f"{self.name}: gentle for {self.gentle}, but it stresses only {self.stresses}")
        return self

    def entry(self) -> LibraryExercise:
        pattern, equipment = Pattern[self.pattern], frozenset(Equipment[e] for e in self.equipment)
        load = load_of(pattern, equipment)
        muscles = DEFAULT_MUSCLES[pattern] if self.muscles is None else tuple(Muscle[m] for m in self.muscles)
        return LibraryExercise(
            self.name, pattern, equipment, self.tier, tuple(muscles), load,
            load in (Load.barbell, Load.machine) if self.heavy is None else self.heavy, self.compound,
            Impact[self.impact], self.knee_friendly, self.spine_friendly, self.shoulder_friendly,
            frozenset(Equipment[e] for e in self.needs), self.deep, self.flexion, self.lying, self.overhead,
            self.testable, self.stock, Unit[self.unit], self.cue, tuple(self.aliases), frozenset(self.tags),
            self.test_rank, frozenset(self.stresses), self.source, frozenset(self.gentle))


class Catalogue(BaseModel):
    exercise: list[ExerciseRecord]

    @model_validator(mode="after")
    def _unique(self) -> Catalogue:
        seen: dict[str, str] = {}
        for record in self.exercise:
            for key in (record.name, *record.aliases):
                other = seen.setdefault(key.lower(), record.name)
                if other != record.name or (key == record.name and key in record.aliases):
                    raise ValueError(f"{key!r} names both {other!r} and {record.name!r}")
        return self


def load_catalogue(paths: tuple[Path, ...] = CATALOGUE_FILES) -> tuple[LibraryExercise, ...]:
    records: list[dict[str, object]] = []
    for path in paths:
        with path.open("rb") as f:
            records += tomllib.load(f).get("exercise", [])
    return tuple(record.entry() for record in Catalogue.model_validate({"exercise": records}).exercise)


# Order matters: within a tier, earlier entries are preferred (the data file says which come first).
EXERCISES: tuple[LibraryExercise, ...] = load_catalogue()
_BY_NAME: dict[str, LibraryExercise] = {ex.name: ex for ex in EXERCISES}
_BY_PATTERN: dict[Pattern, tuple[LibraryExercise, ...]] = {
    p: tuple(ex for ex in EXERCISES if ex.pattern is p) for p in Pattern}


def by_name(name: str) -> LibraryExercise:
    return _BY_NAME[name]


def of_pattern(pattern: Pattern) -> tuple[LibraryExercise, ...]:
    return _BY_PATTERN[pattern]


@functools.cache
def tagged(tag: Tag) -> frozenset[str]:
    """The names of the exercises with a tag: how code refers to particular exercises."""
    return frozenset(ex.name for ex in EXERCISES if tag in ex.tags)


TEST_ORDER: tuple[str, ...] = tuple(ex.name for ex in sorted(
    (ex for ex in EXERCISES if ex.test_rank is not None), key=lambda ex: ex.test_rank or 0))


def contributions(ex: LibraryExercise) -> tuple[tuple[Muscle, float], ...]:
    """Hard sets per set of this exercise, per muscle: the prime mover whole, other main muscles half.

    Trunk work, carries, easy days and power work count for nothing: they are not hard sets.
    """
    if ex.pattern in NON_VOLUME_PATTERNS:
        return ()
    return tuple((m, 1.0 if i == 0 else 0.5) for i, m in enumerate(ex.muscles))


def rules_out(ex: LibraryExercise, movement: Movement) -> bool:
    match movement:
        case Movement.squat:
            return ex.pattern is Pattern.squat
        case Movement.deep_squat:
            return ex.deep
        case Movement.lunge:
            return ex.pattern is Pattern.lunge
        case Movement.deadlift:
            return "deadlift" in ex.tags
        case Movement.jump:
            return ex.pattern is Pattern.jump
        case Movement.sprint:
            return ex.pattern is Pattern.sprint
        case Movement.olympic:
            return ex.pattern is Pattern.olympic and "swing" not in ex.tags
        case Movement.overhead:
            return ex.overhead
        case Movement.bench_press:
            return "bench_press" in ex.tags
        case Movement.pull_up:
            return "pull_up" in ex.tags
        case Movement.spinal_flexion:
            return ex.flexion
        case Movement.axial_loading:
            return not ex.spine_friendly
        case Movement.knee_stress:
            return not ex.knee_friendly or ex.deep
        case Movement.shoulder_stress:
            return not ex.shoulder_friendly or ex.overhead
        case Movement.impact:
            return ex.impact >= Impact.moderate
        case Movement.high_impact:
            return ex.impact >= Impact.high
        case Movement.lying:
            return ex.lying
        case Movement.cardio:
            return ex.pattern is Pattern.conditioning
    return False  # pragma: no cover - every member is matched above


def heavy_with(ex: LibraryExercise, equipment: Collection[Equipment]) -> bool:
    """Can it be loaded for 1-6 reps with this equipment? A split squat can with dumbbells, not without."""
    if not ex.heavy:
        return False
    loads = ex.equipment - {Equipment.bodyweight}
    return not loads or bool(loads & set(equipment))


def usable(ex: LibraryExercise, equipment: Collection[Equipment]) -> bool:
    """Can this be done with that equipment? Any one of its kinds, plus everything it needs."""
    return bool(ex.equipment & set(equipment)) and ex.needs <= set(equipment)


@functools.lru_cache(maxsize=1024)
def trainable(muscle: Muscle, equipment: frozenset[Equipment], banned: frozenset[Movement],
              spared: frozenset[BodyArea] = frozenset()) -> bool:
    """Is any allowed exercise left for this muscle? If the person ruled them all out (or an injury
    spares every area its exercises load), nothing is owed."""
    return any(muscle in ex.muscles and ex.pattern not in NON_VOLUME_PATTERNS and usable(ex, equipment)
               and not any(rules_out(ex, m) for m in banned) and _spares(ex, muscle, spared) for ex in EXERCISES)


def _spares(ex: LibraryExercise, muscle: Muscle, spared: frozenset[BodyArea]) -> bool:
    """Around an injury a muscle is owed only if a reviewed exercise that works it first (not as a
    helper) leaves the injured areas alone: quads are not owed with a sore knee."""
    if not spared:
        return True
    prime = contributions(ex)
    return ex.stock and bool(prime) and prime[0][0] is muscle and not ex.stresses & spared
