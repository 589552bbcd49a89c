"""What the person's health means for a program (issue 25), as plain data and plain words: the body
areas a current or recovering injury spares, what each condition changes, and the lines the
program says about them. The writer uses these; the validator's health rules (rules/health.py)
check the program by their own patterns, so a line dropped or reworded by a model is caught.
"""

from __future__ import annotations

from app.coaching.catalogue import EXERCISES
from app.coaching.kinds import BodyArea
from app.coaching.policy import PAIN_CEILING, POST_VIRAL_MAX_DAYS
from app.coaching.profile import Injury, Profile

# Areas some prescribed work may still load, light: the writer's stock choices and the balance hold
# it adds from 65 (stock = false), gentle for an ankle. So "nothing loads your ankle" is never said
# beside that hold: the words say "nothing heavy" instead.
GENTLE_AREAS = frozenset(area for ex in EXERCISES if ex.stock or "balance" in ex.tags for area in ex.gentle)

AREA_WORDS: dict[BodyArea, str] = {
    BodyArea.neck: "neck", BodyArea.shoulder: "shoulder", BodyArea.elbow: "elbow",
    BodyArea.wrist_hand: "wrist", BodyArea.upper_back: "upper back", BodyArea.lower_back: "lower back",
    BodyArea.hip: "hip", BodyArea.knee: "knee", BodyArea.ankle_foot: "ankle",
}
PAIN_RULE = f"Stop a set if pain goes above {PAIN_CEILING} out of 10, and leave that exercise for the day."
# ACOG Committee Opinion 804 (2020) for pregnancy and after birth; the rest as exercise guidance
# for each condition says it. One or two sentences each: the description holds them.
CONDITION_LINES: dict[str, str] = {
    "post_viral_fatigue": (
        f"Pace yourself: about a third less work than usual and at most {POST_VIRAL_MAX_DAYS} sessions a week. "
        "Progress only when a week leaves you no worse, and if your symptoms flare in the day or two after a "
        "session, step back to the week before."),
    "hypertension": ("For your blood pressure: no heavy singles, every set six reps or more, and breathe out as "
                     "you push; never hold your breath."),
    "pregnancy": ("As ACOG advises in pregnancy: nothing lying flat on your back, no jumps or landings, no "
                  "crunches, and stop if you feel dizzy, short of breath or any pain."),
    "postpartum": ("After birth, as ACOG advises: build back gradually, no jumps or landings and no crunches "
                   "until your core and pelvic floor are ready."),
    "osteoporosis": "For your bones: no loaded spinal flexion such as crunches, and no high-impact landings.",
    "diabetes": ("Check your blood glucose before and after each session, and keep a fast-acting snack at "
                 "hand."),
    "heart_condition": "Stop and seek help if you feel chest pain, unusual breathlessness or dizziness.",
    "asthma": "Keep your inhaler at hand and warm up gradually.",
    "arthritis": "Move through a comfortable range; some ache is fine, sharp joint pain is not.",
}


def spared(profile: Profile | None) -> frozenset[BodyArea]:
    """The areas a current or recovering injury spares: nothing that loads them."""
    if profile is None:
        return frozenset()
    return frozenset(BodyArea(i.area) for i in profile.injuries if i.status != "past")


def past_injuries(profile: Profile | None) -> list[Injury]:
    if profile is None:
        return []
    return [i for i in profile.injuries if i.status == "past" and BodyArea(i.area) not in spared(profile)]


def condition_kinds(profile: Profile | None) -> frozenset[str]:
    return frozenset(c.kind for c in profile.conditions) if profile is not None else frozenset()


def where(injury: Injury) -> str:
    """'your left shoulder', 'your knees', 'your lower back'."""
    area = AREA_WORDS[BodyArea(injury.area)]
    if injury.side == "both":
        return f"both {area}s" if area != "lower back" else "your lower back"
    return f"your {injury.side} {area}" if injury.side else f"your {area}"


def gentle(injury: Injury) -> bool:
    """Can the area be trained around, light (the catalogue's `gentle` work: a sore shoulder's
    chest-supported row), rather than left out entirely?"""
    return BodyArea(injury.area) in GENTLE_AREAS


def injury_lines(profile: Profile | None) -> list[str]:
    """The program's lines about the injuries: what it spares, the pain rule, the clinician."""
    if profile is None:
        return []
    current = [i for i in profile.injuries if BodyArea(i.area) in spared(profile) and i.status != "past"]
    lines: list[str] = []
    if current:
        names = join(list(dict.fromkeys(where(i) for i in current)))
        light = " beyond light work in a pain-free range" if any(gentle(i) for i in current) else ""
        lines.append(f"Nothing here loads {names}{light}, and effort stays at 8 out of 10 or below. {PAIN_RULE}")
    past = past_injuries(profile)
    if past:
        lines.append(f"You mentioned an old injury to {join([where(i) for i in past])}: it is healed, so nothing "
                     "is left out, but ease in and tell your coach if it complains.")
    return lines


def clinician_line(profile: Profile | None) -> str | None:
    """Check with a clinician about the injuries and conditions; shorter when already cleared."""
    if profile is None or not (spared(profile) or profile.conditions):
        return None
    if profile.cleared_by_clinician:
        return "You are cleared to train; keep your doctor or physiotherapist posted on how it goes."
    return "Check with a physiotherapist or doctor before you start, and show them this program."


def condition_lines(profile: Profile | None) -> list[str]:
    kinds = condition_kinds(profile)
    return [line for kind, line in CONDITION_LINES.items() if kind in kinds]


def join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
