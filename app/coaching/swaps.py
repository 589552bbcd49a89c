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
  and rest. Work that loads an injured area is dosed as the writer doses it (light, 10+ reps, a
  pain-free range). Code repairs and the validator then judge the new version whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from app.coaching.catalogue import EXERCISES, LibraryExercise
from app.coaching.names import lookup
from app.coaching.writer.profile import Profile
from app.coaching.writer.sessions import gentle_dose
from app.models import Exercise, ProgramContent, TrainingDay

MAX_OPTIONS = 5
_WORD = re.compile(r"[a-z0-9]+")
_FILLER = frozenset({"the", "my", "all", "a", "an", "those", "these", "them", "out", "some", "any", "exercise",
                     "exercises", "one", "ones", "movement", "movements", "lift", "lifts"})


def _stem(word: str) -> str:
    for end, keep in (("ies", "y"), ("sses", "ss"), ("shes", "sh"), ("ches", "ch"), ("xes", "x")):
        if word.endswith(end) and len(word) > len(end) + 2:
            return word[: -len(end)] + keep
    return word[:-1] if word.endswith("s") and not word.endswith(("ss", "us")) and len(word) > 2 else word


def _stems(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower().replace("-", " "))}


def names_it(term: str, name: str) -> bool:
    """Whether the person's words ("the squats", "lateral raises") name this exercise."""
    wanted = _stems(term) - _FILLER
    return bool(wanted) and wanted <= _stems(name)


def targets(program: ProgramContent, terms: Sequence[str], from_week: int) -> list[str]:
    """The exercises from `from_week` on that the words name, in the order they first appear."""
    found = (e.name for w in program.weeks if w.week >= from_week for d in w.days for e in d.exercises)
    return list(dict.fromkeys(n for n in found if any(names_it(t, n) for t in terms)))


def options(out: str, day_names: Iterable[str], profile: Profile, terms: Sequence[str],
            wanted: Sequence[str] = ()) -> list[LibraryExercise]:
    """What may replace `out` on a day that already has `day_names`, best first."""
    was = lookup(out)
    taken = {n.lower() for n in day_names}

    def fits(ex: LibraryExercise) -> bool:
        return (profile.filters.allows(ex) and ex.name.lower() not in taken
                and not any(names_it(t, ex.name) for t in terms))

    asked = [ex for w in wanted if (ex := lookup(w)) is not None and fits(ex)]
    if was is None:
        return asked[:MAX_OPTIONS]
    same = [ex for ex in EXERCISES if ex.stock and ex.pattern is was.pattern and fits(ex)]
    muscle = [ex for ex in EXERCISES if ex.stock and ex.pattern is not was.pattern and ex.muscles[:1] == was.muscles[:1]
              and ex.compound == was.compound and fits(ex)]
    # Within the movement, one that trains the same muscle first (a leg press for a back squat).
    same.sort(key=lambda ex: ex.muscles[:1] != was.muscles[:1])
    return list(dict.fromkeys([*asked, *same, *muscle]))[:MAX_OPTIONS]


def _swapped(ex: Exercise, new: LibraryExercise, profile: Profile, deload: bool) -> Exercise:
    gentle = gentle_dose(new, profile.filters.spared)
    if gentle is None:
        return ex.model_copy(update={"name": new.name, "notes": new.cue[:300]})
    reps, intensity, lead = gentle
    return ex.model_copy(update={"name": new.name, "reps": reps, "intensity": ex.intensity if deload else intensity,
                                 "notes": f"{lead} {new.cue}".strip()[:300]})


def apply(program: ProgramContent, choices: dict[str, Sequence[LibraryExercise]], profile: Profile,
          from_week: int) -> ProgramContent | None:
    """The program with each chosen swap in every week from `from_week`: on each day the first
    choice that day does not already have. None when a day has none left."""
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
                    return None
                names.append(new.name)
                out.append(_swapped(ex, new, profile, week.deload))
            days.append(day.model_copy(update={"exercises": out}))
        weeks.append(week.model_copy(update={"days": days}))
    return program.model_copy(update={"weeks": weeks})
