"""Age, minutes, equipment, sport and season, event, emphasis and what to avoid, from the mentions."""

from __future__ import annotations

from app.coaching.profile import EquipmentName, Event, MuscleGroup, Season, Sport
from app.coaching.reading import context
from app.coaching.reading.mentions import Found, Mention
from app.coaching.reading.numbers import number

# A number followed by one of these is not an age ("I'm 20 weeks pregnant", "I'm 80 kg").
NOT_AGE_UNITS = frozenset({"weeks", "week", "months", "month", "days", "kg", "kgs", "kilos", "lbs", "pounds", "%",
                           "minutes", "mins", "min", "reps", "sets", "times", "x", "cm", "k", "km", "miles", "hours"})
RACE_WORDS = frozenset({"k", "km", "mile", "miles", "5k", "10k", "marathon", "run", "race", "ran", "swim"})
DETERMINERS = frozenset({"a", "an", "my", "the", "our", "first", "next", "upcoming", "big"})


def _alive(m: Mention) -> bool:
    return not m.dropped


def age(f: Found) -> tuple[int, str] | None:
    for m in f.mentions:
        if m.label == "AGE" and context.FAMILY not in m.cats and m.after not in NOT_AGE_UNITS:
            n = number(m.numbers)
            if n is not None and 10 <= n <= 100:
                return int(n), m.text
    # "17, play basketball": a number said alone between commas, at the start or among other facts
    for c, text in enumerate(f.clauses):
        words = text.lower().split()
        if len(words) == 1 and words[0].isdigit() and 10 <= int(words[0]) <= 100 and not any(
                m.clause == c for m in f.mentions):
            return int(words[0]), text
    return None


def minutes(f: Found) -> tuple[int, str] | None:
    for m in f.mentions:
        if m.label != "MINUTES" or context.FAMILY in m.cats:
            continue
        before = set(f.tokens[max(0, m.start - 5):m.start])
        if before & RACE_WORDS:
            continue  # "I run 5k in 25 minutes": a time, not a session
        if "minutes" in m.meta:
            value = float(m.meta["minutes"])
            if m.meta.get("plus"):
                value += number(m.numbers) or 0  # "an hour and fifteen minutes"
        else:
            n = number(m.numbers)
            if n is None:
                continue
            value = n * float(m.meta["unit"])
        if 10 <= value <= 240:
            return round(value), m.text
    return None


def equipment(f: Found) -> tuple[list[EquipmentName], dict[str, str]]:
    alive = [m for m in f.mentions if _alive(m)]
    if any(m.label == "FULL_GYM" for m in alive):
        return [], {}  # a full gym: the contract's empty list
    names: list[EquipmentName] = []
    said: dict[str, str] = {}
    for m in alive:
        if m.label == "EQUIPMENT" and m.meta["name"] not in names:
            names.append(m.meta["name"])
            said[f"equipment.{m.meta['name']}"] = m.text
    if not names and any(m.label == "NO_EQUIPMENT" and context.HYPOTHETICAL not in m.cats for m in f.mentions):
        names, said = ["bodyweight"], {"equipment.bodyweight": "no equipment"}
    return names, said


def _when(f: Found, event: Mention) -> int | None:
    """Weeks until the event: the nearest time said in its sentence."""
    times = [m for m in f.mentions if m.label == "WHEN" and m.sentence == event.sentence]
    if not times:
        return None
    nearest = min(times, key=lambda t: abs(t.start - event.start))
    if "weeks" in nearest.meta:
        weeks = nearest.meta["weeks"]
        return None if weeks is None else int(weeks)
    n = number(nearest.numbers)
    return None if n is None else min(104, round(n * float(nearest.meta["unit"])))


def event(f: Found) -> Event | None:
    for m in f.mentions:
        # someone else's event is still the person's date ("my sister's wedding in 10 weeks")
        if m.label != "EVENT" or m.cats & {context.NEGATED, context.HYPOTHETICAL, context.HISTORICAL}:
            continue
        if m.meta.get("weak"):  # "meet", "show", "race": only with a time or "a/my/the" before it
            has_time = any(t.label == "WHEN" and t.sentence == m.sentence for t in f.mentions)
            if not has_time and (m.meta.get("timed") or m.start == 0 or f.tokens[m.start - 1] not in DETERMINERS):
                continue
        return Event(kind=m.meta["kind"], in_weeks=_when(f, m), words=f.clauses[m.clause][:200])
    return None


def sport(f: Found, ev: Event | None) -> Sport | None:
    season: Season | None = None
    for m in f.mentions:
        if m.label == "SEASON" and not m.negated and context.HYPOTHETICAL not in m.cats:
            season = m.meta["season"]
            break
    if season is None and ev is not None and ev.kind == "season":
        season = "pre"  # "preseason starts in 6 weeks", "hockey season starts in 8 weeks"
    for m in f.mentions:
        if m.label == "SPORT" and not m.dropped and context.HISTORICAL not in m.cats:
            name = m.text.lower() if m.meta["name"] == "_as_said" else str(m.meta["name"])
            return Sport(name=name, season=season, words=f.clauses[m.clause][:200])
    for m in f.mentions:  # "a 10k race in 5 weeks": a runner
        if m.label == "EVENT" and "sport" in m.meta and ev is not None and not m.dropped:
            return Sport(name=str(m.meta["sport"]), season=season, words=f.clauses[m.clause][:200])
    return None


def emphasis(f: Found) -> tuple[list[MuscleGroup], list[MuscleGroup]]:
    more: list[MuscleGroup] = []
    less: list[MuscleGroup] = []
    for m in f.mentions:
        if m.label != "BODY" or "muscles" not in m.meta or context.FAMILY in m.cats:
            continue
        if f.in_clause(m.clause, "PROBLEM"):
            continue  # "bad shoulders": a complaint, not a wish
        cues = [c for c in f.in_clause(m.clause, "EMPH", "DEEMPH", "DISLIKE")
                if c.label != "DISLIKE" or c.text.lower() == "please"]  # "lats and traps please"
        if not cues:
            continue
        wanted = any(c.label != "DEEMPH" and not c.negated for c in cues) and not m.negated
        target = less if any(c.label == "DEEMPH" for c in cues) or not wanted else more
        for group in m.meta["muscles"]:
            if group not in more and group not in less:
                target.append(group)
    return more, less


def avoid(f: Found) -> list[str]:
    """Exercises ruled out ("no deep squats"), and equipment ruled out as a dislike rather than as
    something missing: "no machines please, I hate them", not "garage gym: ..., no machines"."""
    out: list[str] = []
    for m in f.mentions:
        if context.HYPOTHETICAL in m.cats or context.FAMILY in m.cats or m.text.lower() in out:
            continue
        if m.label == "EXERCISE" and (m.negated or f.in_clause(m.clause, "DEEMPH")):
            out.append(m.text.lower())
        elif m.label == "EQUIPMENT" and m.negated and (f.in_clause(m.clause, "DISLIKE")
                                                        or f.in_clause(m.clause + 1, "DISLIKE")):
            out.append(m.text.lower())
    return out
