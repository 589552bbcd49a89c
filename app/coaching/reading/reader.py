"""The person's words (`goal_raw`) read into a Profile, and the profile a caller sent merged with it.

`read` runs the pipeline (app/coaching/reading/pipeline: spaCy's tokenizer, medspaCy's target
rules and ConText) and turns what it found into the profile contract (app/coaching/profile), each
item with the words it came from; `unplaced` holds what named something the vocabulary has no
place for. `merge` lets the caller's explicit fields win and the reading fill the rest, except that
an injury or a condition either one names is kept: the cautious side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.coaching.profile import Profile, Unplaced
from app.coaching.reading import health, training
from app.coaching.reading.mentions import found
from app.coaching.reading.pipeline import nlp

MAX_CHARS = 2000  # the request allows 500; a guard for any other caller
# "fifty-two", "forty-five": spaCy splits them at the hyphen; said as two words they are one number
# to app/coaching/reading/numbers ("fifty two"), where "30-45 minutes" stays a range of digits.
TENS_HYPHEN = re.compile(r"\b(twenty|thirty|forty|fourty|fifty|sixty|seventy|eighty|ninety)-(?=[a-z])", re.I)


@dataclass(frozen=True)
class Reading:
    profile: Profile
    unplaced: list[Unplaced] = field(default_factory=list)


def read(text: str) -> Reading:
    text = " ".join(TENS_HYPHEN.sub(r"\1 ", text.replace("’", "'").replace("‘", "'")[:MAX_CHARS]).split())
    if not text:
        return Reading(Profile())
    f = found(nlp()(text))
    said: dict[str, str] = {}
    age = training.age(f)
    if age is not None:
        said["age"] = age[1]
    minutes = training.minutes(f)
    if minutes is not None:
        said["minutes_per_session"] = minutes[1]
    equipment, equipment_said = training.equipment(f)
    said.update(equipment_said)
    more, less = training.emphasis(f)
    event = training.event(f)
    profile = Profile(
        age=age[0] if age else None,
        minutes_per_session=minutes[0] if minutes else None,
        equipment=equipment,
        injuries=health.injuries(f),
        conditions=health.conditions(f),
        sport=training.sport(f, event),
        event=event,
        emphasis=more,
        de_emphasis=less,
        avoid=training.avoid(f),
        cleared_by_clinician=health.cleared(f),
        said={k: v[:200] for k, v in said.items()},
    )
    placed = {m.clause for m in f.mentions if m.label in ("BODY", "INJURY", "CONDITION", "EXERCISE", "EQUIPMENT")}
    return Reading(profile, health.unplaced(f, placed))


def merge(explicit: Profile | None, reading: Profile) -> Profile:
    """Explicit fields win; the reading fills the fields the caller left empty. Injuries and
    conditions are the union (the caller's item wins for the same area or kind)."""
    if explicit is None:
        return reading
    fields = explicit.model_fields_set
    merged = {name: getattr(explicit, name) if name in fields and getattr(explicit, name) not in (None, [], {})
              else getattr(reading, name) for name in Profile.model_fields}
    areas = {i.area for i in explicit.injuries}
    merged["injuries"] = [*explicit.injuries, *(i for i in reading.injuries if i.area not in areas)]
    kinds = {c.kind for c in explicit.conditions}
    merged["conditions"] = [*explicit.conditions, *(c for c in reading.conditions if c.kind not in kinds)]
    from_reading = {k: v for k, v in reading.said.items()
                    if merged[k.split(".")[0]] == getattr(reading, k.split(".")[0])}
    merged["said"] = {**from_reading, **explicit.said}
    return Profile.model_validate(merged)


CAUTION: dict[str, int] = {"past": 0, "recovering": 1, "current": 2}
MAX_ITEMS = 20  # the profile's own bound on injuries and conditions


def merge_heard(understood: Profile, heard: Profile) -> Profile:
    """What was understood, with a second reading of the same words (the model's, in the plan call)
    added on the cautious side: an injury or a condition either one finds is kept, and for the same
    injury the more cautious status (current, then recovering, then past) and the wider side (both
    over one side; one where the other said none). Plain fields (age, minutes) stay as understood
    (the caller's and the reader's win) and are filled from the second reading only where empty.
    The same profile back when it adds nothing."""
    injuries = list(understood.injuries)
    for h in heard.injuries:
        same = next((k for k, i in enumerate(injuries) if i.area == h.area
                     and (i.side == h.side or None in (i.side, h.side) or "both" in (i.side, h.side))), None)
        if same is None:
            injuries.append(h)
            continue
        i = injuries[same]
        status = h.status if CAUTION[h.status] > CAUTION[i.status] else i.status
        side = "both" if "both" in (i.side, h.side) else i.side or h.side  # "both knees" covers the left
        words = h.words if status != i.status and h.words else i.words
        injuries[same] = i.model_copy(update={"status": status, "side": side, "words": words})
    kinds = {_condition_key(c.kind, c.words) for c in understood.conditions}
    conditions = [*understood.conditions,
                  *(c for c in heard.conditions if _condition_key(c.kind, c.words) not in kinds)]
    update: dict[str, object] = {"injuries": injuries[:MAX_ITEMS], "conditions": conditions[:MAX_ITEMS]}
    if understood.age is None and heard.age is not None:
        update["age"] = heard.age
    if understood.minutes_per_session is None and heard.minutes_per_session is not None:
        update["minutes_per_session"] = heard.minutes_per_session
    merged = understood.model_copy(update=update)
    return understood if merged == understood else Profile.model_validate(merged.model_dump())


def _condition_key(kind: str, words: str | None) -> str:
    # Two conditions of kind "other" are one only when they are the same words.
    return kind if kind != "other" else f"other:{(words or '').lower().strip()}"
