"""Rules about the person's health, read from the profile itself (issue 25): a current or recovering
injury keeps out what loads its area and caps effort, and the program says the pain rule; a past
injury gets a note; each condition changes the weeks (post-viral fatigue, high blood pressure,
pregnancy and after birth, osteoporosis) and the words (a cue for each, and a clinician). The words
are found by these patterns, not by the writer's sentences, so a model's own wording passes when
it says the thing and fails when it does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.coaching.health import AREA_WORDS
from app.coaching.kinds import BodyArea, Impact, Load, Pattern
from app.coaching.policy import (
    HYPERTENSION_MIN_REPS,
    INJURED_AREA_MAX_RPE,
    INJURED_AREA_MAX_SETS,
    INJURED_AREA_MIN_REPS,
    INJURY_MAX_RPE,
    PAIN_CEILING,
    POST_VIRAL_MAX_DAYS,
    POST_VIRAL_VOLUME_SHARE,
    WEEKLY_SETS,
)
from app.coaching.profile import Profile
from app.coaching.rules.registry import Rule, Subject, rule
from app.coaching.rules.walk import is_test, muscle_sets

I = re.IGNORECASE  # noqa: E741 - the flag, as re names it
AREA = {
    BodyArea.neck: re.compile(r"\bneck\b", I), BodyArea.shoulder: re.compile(r"\bshoulders?\b", I),
    BodyArea.elbow: re.compile(r"\belbows?\b", I), BodyArea.wrist_hand: re.compile(r"\b(wrists?|hands?)\b", I),
    BodyArea.upper_back: re.compile(r"\b(upper back|upper-back)\b", I),
    BodyArea.lower_back: re.compile(r"\b(lower back|low back|back)\b", I),
    BodyArea.hip: re.compile(r"\bhips?\b", I), BodyArea.knee: re.compile(r"\bknees?\b", I),
    BodyArea.ankle_foot: re.compile(r"\b(ankles?|foot|feet)\b", I),
}
PAIN = re.compile(rf"\bpain\b[^.]{{0,60}}\b({PAIN_CEILING}|three)\b|\b({PAIN_CEILING}|three) (out )?of (10|ten)\b", I)
CLINICIAN = re.compile(r"\b(physio\w*|doctor|clinician|GP|physician|cardiologist|midwife|obstetrician)\b", I)
CUES = {
    "post_viral_fatigue": (re.compile(r"\b(flare\w*|crash\w*|step(ping)? back|symptoms?)\b", I),
                           "how to step back after a flare of symptoms"),
    "hypertension": (re.compile(r"\b(breath\w*|exhale)\b", I), "a breathing cue (never hold your breath)"),
    "diabetes": (re.compile(r"\b(glucose|blood sugar)\b", I), "checking blood glucose around sessions"),
}


def _profile(s: Subject) -> Profile | None:
    return s.request.profile


def _words(s: Subject) -> str:
    return f"{s.program.description} {s.program.summary}"


@rule(Rule.injury_area)
def injury_area(s: Subject) -> Iterator[str]:
    spared = s.spared
    if not spared:
        return
    for it in s.walk.known():
        loads = sorted(it.entry.stresses & spared)
        gentle = set(loads) <= it.entry.gentle and it.rpe is not None and it.rpe <= INJURED_AREA_MAX_RPE and (
            it.reps is None or it.reps.unit != "reps" or it.reps.low >= INJURED_AREA_MIN_REPS)
        if loads and not gentle:
            areas = ", ".join(AREA_WORDS[a] for a in loads)
            yield (f"{it.where}: loads the {areas}, which a current or recovering injury spares; only work the "
                   f"catalogue calls gentle for it fits, light (RPE {INJURED_AREA_MAX_RPE:g} or less, "
                   f"{INJURED_AREA_MIN_REPS}+ reps) in a pain-free range")
        elif loads and it.ex.sets > INJURED_AREA_MAX_SETS:
            areas = ", ".join(AREA_WORDS[a] for a in loads)
            yield (f"{it.where}: {it.ex.sets} sets of work that loads the injured {areas}; light work around an "
                   f"injury is at most {INJURED_AREA_MAX_SETS} sets of an exercise")
        if it.rpe is not None and it.rpe > INJURY_MAX_RPE:
            yield f"{it.where}: {it.ex.intensity!r} is above RPE {INJURY_MAX_RPE:g}, the ceiling with an injury"


@rule(Rule.injury_words)
def injury_words(s: Subject) -> Iterator[str]:
    p = _profile(s)
    if p is None:
        return
    words = _words(s)
    if s.spared and not PAIN.search(words):
        yield f"the program must give the pain rule: stop a set if pain goes above {PAIN_CEILING} out of 10"
    for injury in p.injuries:
        area = BodyArea(injury.area)
        if not AREA[area].search(words):
            yield (f"the program never names the {area.value.replace('_', ' ')} the person told us about "
                   f"({injury.status}): say what it means for the program")


@rule(Rule.clinician)
def clinician(s: Subject) -> Iterator[str]:
    p = _profile(s)
    if p is None or not (s.spared or p.conditions):
        return
    if not CLINICIAN.search(_words(s)):
        items = [*(f"{i.area.replace('_', ' ')} injury" for i in p.injuries if i.status != "past"),
                 *(c.kind.replace("_", " ") for c in p.conditions)]
        yield f"the program must say to check with a physiotherapist or doctor ({', '.join(items)})"


@rule(Rule.condition_words)
def condition_words(s: Subject) -> Iterator[str]:
    words = _words(s)
    for kind in sorted(s.conditions):
        cue = CUES.get(kind)
        if cue is not None and not cue[0].search(words):
            yield f"for {kind.replace('_', ' ')} the program must say {cue[1]}"


@rule(Rule.post_viral)
def post_viral(s: Subject) -> Iterator[str]:
    if "post_viral_fatigue" not in s.conditions:
        return
    level = s.request.fitness_level
    cap = POST_VIRAL_VOLUME_SHARE * WEEKLY_SETS[level][1]
    for week in s.program.weeks:
        if len(week.days) > POST_VIRAL_MAX_DAYS:
            yield (f"week {week.week} has {len(week.days)} sessions; with post-viral fatigue at most "
                   f"{POST_VIRAL_MAX_DAYS}")
        for muscle, sets in sorted(muscle_sets(s.walk.week(week)).items()):
            if sets > cap:
                yield (f"week {week.week} gives the {muscle.value} {sets:g} hard sets; with post-viral fatigue at "
                       f"most {cap:g} (a third below a {level.value}'s most)")


@rule(Rule.blood_pressure)
def blood_pressure(s: Subject) -> Iterator[str]:
    if "hypertension" not in s.conditions:
        return
    for it in s.walk.known():
        if is_test(it):
            yield f"{it.where}: a maximal single, not for someone with high blood pressure"
        elif (it.reps is not None and it.reps.unit == "reps" and it.reps.low < HYPERTENSION_MIN_REPS
              and not it.entry.pattern.explosive and it.entry.load not in (Load.cardio,)):
            yield (f"{it.where}: {it.ex.reps} reps; with high blood pressure every loaded set is "
                   f"{HYPERTENSION_MIN_REPS} reps or more")


@rule(Rule.condition_movements)
def condition_movements(s: Subject) -> Iterator[str]:
    kinds = s.conditions
    landings = kinds & {"pregnancy", "postpartum"}
    bones = "osteoporosis" in kinds
    if not (landings or bones):
        return
    for it in s.walk.known():
        if landings and (it.entry.impact >= Impact.moderate or it.entry.pattern is Pattern.jump):
            yield f"{it.where}: a jump or landing, not for {' or '.join(sorted(landings))}"
        elif bones and it.entry.impact >= Impact.high:
            yield f"{it.where}: a high-impact landing, not with osteoporosis"
        if bones and it.entry.flexion and it.entry.load is not Load.bodyweight:
            yield f"{it.where}: loaded spinal flexion, not with osteoporosis"
