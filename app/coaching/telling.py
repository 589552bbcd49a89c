"""What was understood about the person, told back in plain words (the CLI, the debug page's twin).

One short line per kind of thing, so a person can check it at a glance:
"age 16 · 40 minutes a session · has: kettlebell · left shoulder (current) · ...".
And, for the program's summary, one or two sentences a voice can read: what the program was adapted
for and what the words named that nothing accounts for (`for_summary`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.coaching.policy import TOLD_WORDS
from app.coaching.profile import SAFETY_AGE_OVER, SAFETY_AGE_UNDER, Injury, Profile, Unplaced
from app.coaching.sport import SEASON_WORDS, planned
from app.models import ProgramContent


def _words(name: str) -> str:
    return name.replace("_", " ")


def told_back(profile: Profile) -> list[str]:
    p = profile
    parts: list[str] = []
    if p.age is not None:
        parts.append(f"age {p.age}")
    if p.minutes_per_session is not None:
        parts.append(f"{p.minutes_per_session} minutes a session")
    parts.append("has: " + ", ".join(map(_words, p.equipment)) if p.equipment else "a full gym")
    parts += [" ".join(filter(None, [i.side if i.side != "both" else "both", _words(i.area)])) + f" ({i.status})"
              for i in p.injuries]
    parts += [_words(c.kind) + (f" ({c.words})" if c.kind == "other" and c.words else "") for c in p.conditions]
    if p.sport is not None:
        parts.append(p.sport.name + (f", {p.sport.season}-season" if p.sport.season else ""))
    if p.event is not None:
        parts.append(_words(p.event.kind) + (f" in {p.event.in_weeks} weeks" if p.event.in_weeks is not None else ""))
    if p.emphasis:
        parts.append("more: " + ", ".join(p.emphasis))
    if p.de_emphasis:
        parts.append("less: " + ", ".join(p.de_emphasis))
    if p.avoid:
        parts.append("avoid: " + ", ".join(p.avoid))
    if p.cleared_by_clinician is not None:
        parts.append("cleared by a clinician" if p.cleared_by_clinician else "not cleared by a clinician yet")
    return parts


def render(profile: Profile, unplaced: list[Unplaced]) -> str:
    lines = ["Understood: " + " · ".join(told_back(profile))]
    lines += [f"Not placed: \"{u.words}\" ({u.why})" for u in unplaced]
    return "\n".join(lines)


# ---------------------------------------------------------------- in the program's summary (issue 24, item 3)

AREA_WORDS = {"wrist_hand": "wrist", "ankle_foot": "ankle", "lower_back": "lower back", "upper_back": "upper back"}
PLURAL = {"neck": "neck", "lower back": "lower back", "upper back": "upper back"}
CONDITION_WORDS = {"pregnancy": "your pregnancy", "postpartum": "your recovery after birth",
                   "hypertension": "your blood pressure", "heart_condition": "your heart condition",
                   "post_viral_fatigue": "your post-viral fatigue", "other": "the condition you mentioned"}
GEAR_WHY = "equipment we don't plan with"
# The person's words, said back to them: "my spleen" is "your spleen" in the coach's mouth.
PRONOUNS = {"i": "you", "i'm": "you're", "im": "you're", "i've": "you've", "ive": "you've", "i'd": "you'd",
            "i'll": "you'll", "me": "you", "my": "your", "mine": "yours", "myself": "yourself"}
FILLER = frozenset({"and", "but", "also", "so", "plus", "oh", "uh", "um", "like", "then"})
QUOTE_WORDS = 10  # of one unplaced phrase, in the summary
QUOTES = 2  # unplaced phrases quoted at most; the rest are counted
UNSPEAKABLE = re.compile(r"[*_#`\[\]<>|~{}\"“”\n]")  # markup the summary may not hold (rules/wording.py)


def _injury(i: Injury) -> str:
    area = AREA_WORDS.get(i.area, i.area)
    if i.side == "both":
        where = f"your {area}" if area in PLURAL else f"both {area}s"
    else:
        where = " ".join(filter(None, ["your", "recovering" if i.status == "recovering" else None, i.side, area]))
    return where


def adapted(profile: Profile | None) -> list[str]:
    """What the program was written for, a few words each, safety first. Past injuries, an age that
    changes nothing and the words behind the fields are not said: nothing was adapted for them."""
    if profile is None:
        return []
    p = profile
    out = [_injury(i) for i in p.injuries if i.status != "past"]
    out += [CONDITION_WORDS.get(c.kind, f"your {_words(c.kind)}") for c in p.conditions]
    if p.age is not None and (p.age < SAFETY_AGE_UNDER or p.age > SAFETY_AGE_OVER):
        out.append("your age")
    if p.minutes_per_session is not None:
        out.append(f"{p.minutes_per_session}-minute sessions")
    if p.equipment == ["bodyweight"]:
        out.append("training without equipment")
    elif len(p.equipment) == 1:
        out.append(f"only {_kit(p.equipment[0])}")
    elif p.equipment:
        out.append("the equipment you have")
    if p.avoid:
        out.append("leaving out what you ruled out")
    # Only the sports the program plans around (field and court sports, weightlifting: rule sport-work
    # and rule weightlifting hold every program to it); the summary says the others are not (`for_summary`).
    if p.sport is not None and planned(p):
        season = SEASON_WORDS.get(p.sport.season or "", "")
        out.append(f"your {_clean(p.sport.name)}{season}")
    # "Preseason starts in 6 weeks" is the sport's season, said with the sport above: not twice.
    if p.event is not None and not (p.event.kind == "season" and p.sport is not None and planned(p)):
        out.append(f"your {_words(p.event.kind)}")
    # An emphasis an injury rules out (shoulders around a sore shoulder) is not claimed: the injury
    # sentence says what is spared instead.
    hurt = {group for i in p.injuries if i.status != "past" for group in INJURED_GROUPS.get(i.area, ())}
    grown: list[str] = [g for g in p.emphasis if g not in hurt]
    if grown:
        out.append("more " + _join(grown))
    if p.de_emphasis:
        out.append("less " + _join(list(p.de_emphasis)))
    return out


INJURED_GROUPS = {"shoulder": ("shoulders",), "elbow": ("arms",), "knee": ("quads",)}


def _kit(name: str) -> str:
    words = _words(name)
    return words if words.endswith("s") else f"{'an' if words[0] in 'aeiou' else 'a'} {words}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _clean(text: str) -> str:
    return " ".join(UNSPEAKABLE.sub(" ", text).split())


def yours(words: str) -> str:
    """The person's phrase as the coach says it back: pronouns turned, markup dropped, a few words."""
    said: list[str] = []
    for w in _clean(words).split():  # "I am" is "you are"; "5 am" stays
        said.append("are" if w.lower() == "am" and said and said[-1] == "you" else PRONOUNS.get(w.lower(), w))
    while said and said[0].lower().strip(",") in FILLER:  # "and a weird thing...": the clause's joint
        said = said[1:]
    return " ".join(said[:QUOTE_WORDS]) + ("..." if len(said) > QUOTE_WORDS else "")


def for_summary(profile: Profile | None, unplaced: Sequence[Unplaced], limit: int = TOLD_WORDS) -> str:
    """What the program's summary says last, in plain words a voice can read: what it was adapted
    for, and what the words named that nothing accounts for (quoted, with a clinician to ask when it
    is about health). At most `limit` words: at least the first adaptation (safety first) and the
    unplaced words, as many of each as fit; empty when there is nothing to tell."""
    items = adapted(profile)
    sport = _sport_not_planned(profile)
    for quotes in range(min(QUOTES, len(unplaced)), -1, -1):
        last = " ".join(filter(None, [_not_accounted(unplaced, quotes), sport]))
        room = limit - len(last.split())
        for n in range(len(items), 0 if items else -1, -1):
            first = _adapted_sentence(items, n)
            if len(first.split()) <= room:
                return " ".join(filter(None, [first, last]))
    return " ".join(filter(None, [_not_accounted(unplaced, 0), sport]))


def _sport_not_planned(profile: Profile | None) -> str:
    if profile is None or profile.sport is None or planned(profile):
        return ""
    season = SEASON_WORDS.get(profile.sport.season or "", "")
    return f"Not yet planned around: your {_clean(profile.sport.name)}{season}."


def _adapted_sentence(items: list[str], n: int) -> str:
    if not items or n == 0:
        return ""
    shown = items[:n] + ([f"{len(items) - n} more things you told us"] if n < len(items) else [])
    return "Adapted for " + _join(shown) + "."


def _not_accounted(unplaced: Sequence[Unplaced], quotes: int) -> str:
    if not unplaced:
        return ""
    quoted = [f'"{yours(u.words)}"' for u in unplaced[:quotes]]
    more = len(unplaced) - len(quoted)
    rest = [f"{more} more" if quoted else f"{more} thing{'s' if more > 1 else ''} you said"] if more else []
    health = any(u.why != GEAR_WHY for u in unplaced)
    return "Not accounted for: " + _join(quoted + rest) + ("; ask a clinician about it." if health else ".")


def with_summary(summary: str, told: str) -> str:
    """The writer's summary with what was told appended, as its last sentences."""
    return f"{summary.rstrip()} {told}" if told else summary


def told_program(program: ProgramContent, profile: Profile | None, unplaced: Sequence[Unplaced]) -> ProgramContent:
    """A model's program with code's sentences after its summary: never trusted to the model."""
    told = for_summary(profile, unplaced)
    return program.model_copy(update={"summary": with_summary(program.summary, told)}) if told else program
