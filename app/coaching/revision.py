"""A program changed by voice (issue 26): what the person's words change, the new weeks spliced onto
the kept ones, and what changed, said as a sentence and given as data.

Pure, like the rest of app/coaching: the worker (jobs/revising.py) reads the instruction with the
same reader as a generation (app/coaching/reading), asks the writer for the changed request's weeks
and hands them here. The reader knows a person's profile (injuries, equipment, minutes, what to
avoid); the few things only a change says ("swap the squats", "three days a week now", "weeks 5 to
8 lighter") are read here, narrowly, by patterns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel

from app.coaching.changes import Changes, DayRef, ExerciseChange
from app.coaching.profile import Profile
from app.coaching.reading.reader import Reading, merge
from app.models import Exercise, GenerateRequest, ProgramContent, TrainingWeek

NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "eleven": 11, "twelve": 12}
_N = r"(\d{1,2}|" + "|".join(NUMBERS) + ")"
DAYS = re.compile(_N + r"\s+(?:days?|sessions?|times)\s+(?:a|per|each|every)\s+week|" + _N + r"\s+days\b", re.I)
# "swap the squats for leg presses", "replace lunges with step-ups", "drop the deadlifts"
SWAP = re.compile(r"\b(?:swap|replace|change|drop|remove|ditch|skip|lose|get rid of)\s+(?:out\s+)?"
                  r"(?:the\s+|my\s+|all\s+(?:the\s+)?)?([a-z][a-z' -]{1,40}?)"
                  r"(?:\s+(?:for|with|to)\s+([a-z][a-z' -]{1,40}?))?"
                  r"(?=[,.;!?]|$|\s+(?:because|since|as|my|i|it|they|please)\b)", re.I)
LIGHTER = re.compile(r"weeks?\s+" + _N + r"(?:\s*(?:-|to|through|and|until)\s*" + _N + r")?[^,.;]*?\b(?:lighter|easier|"
                     r"light|easy|less)\b|\b(?:lighter|easier|lighten|ease off)\b[^,.;]*?weeks?\s+" + _N
                     + r"(?:\s*(?:-|to|through|and|until)\s*" + _N + r")?", re.I)


def _n(word: str | None) -> int | None:
    if word is None:
        return None
    return int(word) if word.isdigit() else NUMBERS.get(word.lower())


@dataclass(frozen=True)
class Asked:
    """What the instruction asks beyond a profile: each None or empty when it does not say."""

    days_per_week: int | None = None
    swap_out: tuple[str, ...] = ()
    swap_in: tuple[str, ...] = ()
    lighter: tuple[int, int] | None = None


def asked(instruction: str) -> Asked:
    text = " ".join(instruction.replace("’", "'").split())
    days = None
    m = DAYS.search(text)
    if m is not None:
        n = _n(m.group(1) or m.group(2))
        days = n if n is not None and 1 <= n <= 7 else None
    out, into = [], []
    for s in SWAP.finditer(text):
        out.append(s.group(1).strip().lower())
        if s.group(2):
            into.append(s.group(2).strip().lower())
    lighter = None
    m = LIGHTER.search(text)
    if m is not None:
        groups = [g for g in m.groups() if g is not None]
        first, last = _n(groups[0]), _n(groups[-1])
        if first is not None and last is not None:
            lighter = (min(first, last), max(first, last))
    return Asked(days, tuple(out), tuple(into), lighter)


def without_swap_targets(instruction: str) -> str:
    """The instruction without what a swap asks for ("for leg presses"): the reader would take a
    leg press for the machines the person has."""
    return SWAP.sub(lambda s: s.group(0)[: s.end(1) - s.start(0)] if s.group(2) else s.group(0), instruction)


def changed_profile(base: Profile | None, reading: Reading, explicit: Profile | None) -> Profile:
    """The program's profile with the change on top: the caller's fields win over the words (as in a
    generation), and the change wins over what the program was made with, except that injuries,
    conditions and what to avoid are added to (the cautious side: nothing said before is forgotten)."""
    change = merge(explicit, reading.profile)
    old = base or Profile()
    merged = old.model_dump()
    for name in Profile.model_fields:
        value = getattr(change, name)
        if value not in (None, [], {}):
            merged[name] = value if not isinstance(value, BaseModel) else value.model_dump()
    areas = {i.area for i in change.injuries}
    merged["injuries"] = [*(i.model_dump() for i in change.injuries),
                          *(i.model_dump() for i in old.injuries if i.area not in areas)][:20]
    kinds = {c.kind for c in change.conditions}
    merged["conditions"] = [*(c.model_dump() for c in change.conditions),
                            *(c.model_dump() for c in old.conditions if c.kind not in kinds)][:20]
    # What to swap is not added: those are exercises, swapped by name (app/coaching/swaps.py), and "the
    # squats" in `avoid` would ban every squat-pattern lift, the leg press a sore knee keeps too.
    avoid = [*old.avoid, *change.avoid]
    merged["avoid"] = list(dict.fromkeys(a[:100] for a in avoid))[:20]
    merged["said"] = dict(list({**old.said, **change.said}.items())[:40])
    return Profile.model_validate(merged)


def changed_request(parent: GenerateRequest, profile: Profile, days_per_week: int | None) -> GenerateRequest:
    update: dict[str, object] = {"profile": profile}
    if days_per_week is not None:
        update["days_per_week"] = days_per_week
    return parent.model_copy(update=update)


# ---------------------------------------------------------------- splicing


def splice(old: ProgramContent, fresh: ProgramContent, from_week: int) -> ProgramContent:
    """The old program's weeks before `from_week`, exactly as they were, then the fresh ones."""
    weeks = [w for w in old.weeks if w.week < from_week] + [w for w in fresh.weeks if w.week >= from_week]
    return fresh.model_copy(update={"weeks": weeks})


def lighten(program: ProgramContent, weeks: tuple[int, int]) -> ProgramContent:
    """Weeks made lighter on request: the same exercises and sets (the weekly volume the rules ask of
    the goal stays), at an effort a step lower (RPE 8 -> 7, 75% -> 70%), the focus saying why. Not
    deloads: the rules space and count those, and the person's reason is not recovery."""
    out = []
    for w in program.weeks:
        if weeks[0] <= w.week <= weeks[1]:
            days = [d.model_copy(update={"exercises": [_lighter(e) for e in d.exercises]}) for d in w.days]
            w = w.model_copy(update={"days": days, "focus": f"Lighter week: {w.focus}"[:200]})
        out.append(w)
    return program.model_copy(update={"weeks": out})


RPE = re.compile(r"\bRPE\s*(\d+(?:\.\d)?)(?:\s*-\s*(\d+(?:\.\d)?))?", re.I)
PERCENT = re.compile(r"(\d{2,3})(?:\s*-\s*(\d{2,3}))?\s*%")


def _lighter(e: Exercise) -> Exercise:
    def rpe(m: re.Match[str]) -> str:
        return "RPE " + "-".join(f"{max(5.0, float(g) - 1):g}" for g in m.groups() if g)

    def pct(m: re.Match[str]) -> str:
        return "-".join(str(max(40, int(g) - 5)) for g in m.groups() if g) + "%"

    return e.model_copy(update={"intensity": PERCENT.sub(pct, RPE.sub(rpe, e.intensity))})


# ---------------------------------------------------------------- what changed


def _by_week(weeks: list[TrainingWeek]) -> dict[int, TrainingWeek]:
    return {w.week: w for w in weeks}


def _spans(weeks: list[int]) -> str:
    """[5, 6, 7, 9] -> "weeks 5-7 and 9"."""
    runs: list[list[int]] = []
    for w in sorted(set(weeks)):
        if runs and w == runs[-1][-1] + 1:
            runs[-1].append(w)
        else:
            runs.append([w])
    parts = [f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs]
    word = "weeks" if len(weeks) > 1 else "week"
    return f"{word} {', '.join(parts[:-1])} and {parts[-1]}" if len(parts) > 1 else f"{word} {parts[0]}"


def _names(names: list[str]) -> str:
    low = [n.lower() for n in names]
    return low[0] if len(low) == 1 else ", ".join(low[:-1]) + " and " + low[-1]


def compare(old: ProgramContent, new: ProgramContent, from_week: int, profile_changed: list[str],
            rewritten: bool, lighter: tuple[int, int] | None = None) -> Changes:
    before, after = _by_week(old.weeks), _by_week(new.weeks)
    weeks_changed = sorted(w for w in set(before) | set(after) if before.get(w) != after.get(w))
    days_added, days_removed = [], []
    added: dict[str, list[int]] = {}
    removed: dict[str, list[int]] = {}
    changed: dict[str, list[int]] = {}
    for w in weeks_changed:
        a = {d.day: d for d in before[w].days} if w in before else {}
        b = {d.day: d for d in after[w].days} if w in after else {}
        days_added += [DayRef(week=w, day=d) for d in sorted(set(b) - set(a))]
        days_removed += [DayRef(week=w, day=d) for d in sorted(set(a) - set(b))]
        was = {e.name: e for d in a.values() for e in d.exercises}
        now = {e.name: e for d in b.values() for e in d.exercises}
        for name in now.keys() - was.keys():
            added.setdefault(name, []).append(w)
        for name in was.keys() - now.keys():
            removed.setdefault(name, []).append(w)
        for name in now.keys() & was.keys():
            if now[name] != was[name]:
                changed.setdefault(name, []).append(w)
    changes = Changes(
        said="", from_week=from_week, rewritten=rewritten, weeks_changed=weeks_changed,
        days_added=days_added, days_removed=days_removed,
        exercises_added=[ExerciseChange(name=n, weeks=ws) for n, ws in sorted(added.items())],
        exercises_removed=[ExerciseChange(name=n, weeks=ws) for n, ws in sorted(removed.items())],
        exercises_changed=[ExerciseChange(name=n, weeks=ws) for n, ws in sorted(changed.items())],
        profile_changed=profile_changed)
    # What the voice names: the exercises gone from every changed week, and those new to all of them
    # (an exercise that only moved between weeks or days is not news).
    had = {e.name for w in weeks_changed if w in before for d in before[w].days for e in d.exercises}
    has = {e.name for w in weeks_changed if w in after for d in after[w].days for e in d.exercises}
    gone = sorted(had - has)
    # And what took a gone exercise's place on its day, though the program has it on other days (a
    # lat pulldown for the pull-ups): news on that day.
    took = {n for w in weeks_changed if w in before and w in after
            for a, b in zip(before[w].days, after[w].days, strict=False) if a.day == b.day
            if {e.name for e in a.exercises} & set(gone)
            for n in {e.name for e in b.exercises} - {e.name for e in a.exercises}}
    new_names = sorted((has - had) | took)
    return changes.model_copy(update={"said": _say(changes, len(new.weeks), new, lighter, gone, new_names)})


def _say(c: Changes, total: int, new: ProgramContent, lighter: tuple[int, int] | None, gone: list[str],
         added: list[str]) -> str:
    if not c.weeks_changed:
        return "Nothing needed to change: the program already fits."
    span = _spans(c.weeks_changed)
    if c.rewritten:
        days = len(new.weeks[-1].days)
        head = f"now {days} days a week: {span} rewritten"
    elif lighter is not None and not gone and not added:
        head = f"{_spans(list(range(lighter[0], lighter[1] + 1)))} made lighter"
    elif gone and added:
        head = f"{_names(gone[:3])} swapped for {_names(added[:3])} in {span}"
    elif gone:
        head = f"{_names(gone[:3])} taken out of {span}"
    elif added:
        head = f"{_names(added[:3])} added in {span}"
    elif lighter is not None:
        head = f"{_spans(list(range(lighter[0], lighter[1] + 1)))} made lighter"
    else:
        head = f"sets, reps or loads adjusted in {span}"
    kept = total - len(c.weeks_changed)
    tail = "; the rest is as it was" if kept > 0 else "; every week is new"
    return (head[0].upper() + head[1:] + tail + ".")[:300]
