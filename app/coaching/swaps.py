"""Swapping named exercises in a program (issue 26): "swap the squats" changes the squats, and only
them. The person named exercises, not a movement: the leg press a sore knee still allows stays, and
nothing else in the weeks moves.

- `targets`: the program's exercises the person's words name. Every word they said is in the
  exercise's name, plurals read ("the squats" names "Back squat" and "Goblet box squat", not the
  leg press; "the lateral raises" names "Dumbbell lateral raise").
- `options`: what may take one's place on its day, best first: what the person asked for ("for leg
  presses") when they may do it, then the catalogue's exercises of the same movement, then of the
  same main muscle, each one the person may be given (their equipment, level, bans and injuries,
  as the writer's filters have it), none the words name and none already on that day.
- `apply`: each swap written into every week from `from_week`, in the row's own sets, reps, effort
  and rest (left out of a day that already has every option). Work that loads an injured area is
  dosed as the writer doses it (light, 10+ reps, a pain-free range). Code repairs and the validator
  then judge the new version whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from app.coaching.catalogue import EXERCISES, LibraryExercise, heavy_with
from app.coaching.kinds import Load
from app.coaching.names import lookup, words
from app.coaching.policy import HEAVY_REPS, LOAD_MIN_REPS, MIN_SETS, TEST_MIN_RPE
from app.coaching.prescription import parse_effort, parse_reps, rpe_of
from app.coaching.writer.gentle import gentle_dose
from app.coaching.writer.profile import Profile
from app.models import Exercise, ProgramContent, TrainingDay

MAX_OPTIONS = 5
_WORD = re.compile(r"[a-z0-9]+")
_FILLER = frozenset({"the", "my", "all", "a", "an", "those", "these", "them", "out", "some", "any", "exercise",
                     "everything", "thing", "stuff", "program", "workout", "plan",
                     "exercises", "one", "ones", "movement", "movements", "lift", "lifts"})


def _stems(text: str) -> set[str]:
    # Read as the catalogue reads names (names.words): "squats" is "squat", "pushups" "push up".
    return set(words(text).split())


def content(term: str) -> set[str]:
    """The words of a term that could name an exercise ("the squats": squat; "everything": none)."""
    return _stems(term) - _FILLER


def names_it(term: str, name: str) -> bool:
    """Whether the person's words ("the squats", "lateral raises") name this exercise."""
    wanted = content(term)
    return bool(wanted) and wanted <= _stems(name)


PRONOUNS = frozenset({"them", "it", "those", "these", "that", "this", "one", "ones"})
# Words of the body, not of an exercise: "the deadlifts hurt my back, swap them" means the deadlifts.
_BODY = frozenset({"back", "knee", "knees", "shoulder", "shoulders", "hip", "hips", "elbow", "elbows", "wrist",
                   "wrists", "ankle", "ankles", "neck", "leg", "legs", "arm", "arms", "chest", "core", "body"})


def resolved(terms: Sequence[str], instruction: str, program: ProgramContent) -> tuple[str, ...]:
    """The terms with "them" or "it" replaced by what the words named before it that the program has
    ("I can't do pull-ups, swap them": the pull-ups)."""
    names = {e.name for w in program.weeks for d in w.days for e in d.exercises}
    words = _WORD.findall(instruction.lower().replace("-", " "))
    out = []
    for term in terms:
        said_as = _WORD.findall(term.lower())
        if not said_as or not set(said_as) <= PRONOUNS | {"out", "all", "of"}:
            out.append(term)
            continue
        said = words[: words.index(said_as[0])] if said_as[0] in words else words
        # The nearest words before it that name an exercise, the longest reading first ("pull ups").
        spans = ((end - n, end) for end in range(len(said), 0, -1) for n in (3, 2, 1) if end - n >= 0)
        found = next((" ".join(said[a:b]) for a, b in spans if not set(said[a:b]) & _BODY
                      and any(names_it(" ".join(said[a:b]), x) for x in names)), None)
        if found is not None:
            out.append(found)
    return tuple(out)


def targets(program: ProgramContent, terms: Sequence[str], from_week: int, wanted: Sequence[str] = ()) -> list[str]:
    """The exercises from `from_week` on that the words name, in the order they first appear; not
    what the person asked for in their place ("swap the curls for hammer curls" keeps hammer curls)."""
    asked = [ex for w in wanted if (ex := lookup(w)) is not None]
    keep = {ex.name for ex in asked}
    found = (e.name for w in program.weeks if w.week >= from_week for d in w.days for e in d.exercises)
    named = [n for n in dict.fromkeys(found) if n not in keep and any(names_it(t, n) for t in terms)]
    # What they asked for says which kind they mean: hammer curls for the biceps curls, not leg curls;
    # hip thrusts for deadlifts (the glutes).
    return [n for n in named if not asked or ((e := lookup(n)) is not None and any(
        e.pattern is a.pattern or set(e.muscles) & set(a.muscles) for a in asked))]


def options(out: str, day_names: Iterable[str], profile: Profile, terms: Sequence[str],
            wanted: Sequence[str] = ()) -> list[LibraryExercise]:
    """What may replace `out` on a day that already has `day_names`, best first."""
    was = lookup(out)
    taken = {n.lower() for n in day_names}

    def may(ex: LibraryExercise) -> bool:
        return profile.filters.allows(ex) and ex.name.lower() not in taken

    def fits(ex: LibraryExercise) -> bool:  # and not what the words name
        return may(ex) and not any(names_it(t, ex.name) for t in terms)

    # What the person asked for may share the words of what they swap ("the curls for hammer curls").
    asked = [ex for w in wanted if (ex := lookup(w)) is not None and may(ex)]
    if was is None:
        return asked[:MAX_OPTIONS]
    same = [ex for ex in EXERCISES if ex.stock and ex.pattern is was.pattern and fits(ex)]
    muscle = [ex for ex in EXERCISES if ex.stock and ex.pattern is not was.pattern and ex.muscles[:1] == was.muscles[:1]
              and ex.compound == was.compound and fits(ex)]
    # Within the movement, one that trains the same muscle first (a leg press for a back squat), and
    # one that can be loaded as heavily (a dumbbell bench press, not a push-up, for a barbell bench).
    kit = profile.filters.equipment
    same.sort(key=lambda ex: (ex.muscles[:1] != was.muscles[:1], heavy_with(ex, kit) != heavy_with(was, kit)))
    return list(dict.fromkeys([*asked, *same, *muscle]))[:MAX_OPTIONS]


def _effort(ex: Exercise, new: LibraryExercise) -> str:
    """The row's effort for the new exercise: a percentage of a 1RM said as the RPE it means when the
    new one has no 1RM to take a percentage of (a push-up for a bench press)."""
    if parse_effort(ex.intensity).pct is None or new.load in (Load.barbell, Load.machine):
        return ex.intensity
    rpe = rpe_of(ex, lookup(ex.name))
    return f"RPE {round(rpe * 2) / 2:g}" if rpe is not None else "RPE 7"


def _test(ex: Exercise, new: LibraryExercise, profile: Profile) -> Exercise | None:
    """A test of a 1RM on a lift swapped for one that is not tested: a heavy set of a few reps instead."""
    reps, old = parse_reps(ex.reps), lookup(ex.name)
    rpe = rpe_of(ex, old)
    # "About 92 to 97% 1RM" for a single reads as RPE 9.4: a test all the same.
    if new.testable or reps is None or reps.high > 1 or rpe is None or rpe < TEST_MIN_RPE - 1:
        return None
    few = f"{HEAVY_REPS - 2}-{HEAVY_REPS}" if heavy_with(new, profile.filters.equipment) else f"{LOAD_MIN_REPS}-8"
    return ex.model_copy(update={"name": new.name, "sets": max(ex.sets, MIN_SETS), "reps": few, "intensity": "RPE 8",
                                 "notes": new.cue[:300]})


def _swapped(ex: Exercise, new: LibraryExercise, profile: Profile, deload: bool) -> Exercise:
    tested = _test(ex, new, profile)
    if tested is not None:
        return tested
    gentle = gentle_dose(new, profile.filters.spared)
    if gentle is None:
        return ex.model_copy(update={"name": new.name, "intensity": _effort(ex, new), "notes": new.cue[:300]})
    reps, intensity, lead = gentle
    return ex.model_copy(update={"name": new.name, "reps": reps, "intensity": _effort(ex, new) if deload else intensity,
                                 "notes": f"{lead} {new.cue}".strip()[:300]})


def apply(program: ProgramContent, choices: Mapping[str, Sequence[LibraryExercise]], profile: Profile,
          from_week: int) -> ProgramContent:
    """The program with each chosen swap in every week from `from_week`: on each day the first
    choice that day does not already have. A day that has them all (the leg press a sore knee keeps
    is the only thing that may replace its box squat) leaves the exercise out."""
    weeks = []
    for week in program.weeks:
        if week.week < from_week:
            weeks.append(week)
            continue
        days: list[TrainingDay] = []
        for day in week.days:
            names = [e.name for e in day.exercises]
            out: list[Exercise] = []
            for ex in day.exercises:
                if ex.name not in choices:
                    out.append(ex)
                    continue
                new = next((c for c in choices[ex.name] if c.name not in names), None)
                if new is None:
                    continue
                names.append(new.name)
                out.append(_swapped(ex, new, profile, week.deload))
            days.append(day.model_copy(update={"exercises": out}))
        weeks.append(week.model_copy(update={"days": days}))
    return program.model_copy(update={"weeks": weeks})
