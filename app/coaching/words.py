"""The person's words, read for what they mean: bans, equipment, injuries, populations, events.

Both engines read a request through `read_constraints` before choosing a single exercise, and the
validator checks the finished program against the same `Constraints`. Reading is clause by clause,
so scope is kept: in "sore knees, no deep squats please" the "no" bans deep squats, and nothing in
it asks for more squatting; in "only dumbbells and a bench" the "only" allows nothing else, and the
bench is equipment, not a bench-press focus.

The reasons stored with each constraint are our own words ("sore knees"), never the person's: a
summary built from them can never read the person's words back, nor any instruction hidden in them.
"""

from __future__ import annotations

import enum
import re

from pydantic import BaseModel, ConfigDict

from app.coaching.kinds import GYM, HOME, Equipment, Movement
from app.coaching.policy import CAUTION_AGE, CAUTION_BMI, CAUTION_MAX_RPE, GENTLE_WEEKS, INJURY_MAX_RPE
from app.models import GenerateRequest

E = Equipment


class Injury(enum.StrEnum):
    knee = "knee"
    back = "lower back"
    shoulder = "shoulder"


class Population(enum.StrEnum):
    """Situations that call for a check with a doctor first and a gentle start."""

    older = "aged 60 or over"
    pregnant = "pregnant"
    postpartum = "postpartum"
    bmi_40 = "a BMI of 40 or more"
    medical = "a medical condition"


class Emphasis(enum.StrEnum):
    arms = "arms"
    glutes = "glutes"
    bench = "bench press"
    squat = "squat"
    deadlift = "deadlift"
    jump = "jumping"
    sprint = "speed"


class EventKind(enum.StrEnum):
    meet = "a meet or competition"
    show = "a show"
    season = "a season"
    race = "a race"
    test = "a test at the end"


class Ban(BaseModel):
    model_config = ConfigDict(frozen=True)

    movement: Movement
    because: str  # our words: "sore knees", "you asked for none"


class Constraints(BaseModel):
    """What the program must respect. Plain data, so an LLM's plan can state it and code can check it."""

    model_config = ConfigDict(frozen=True)

    equipment: tuple[Equipment, ...] = tuple(GYM)  # what the person has; the default is a full gym
    bans: tuple[Ban, ...] = ()
    injuries: tuple[Injury, ...] = ()
    populations: tuple[Population, ...] = ()
    age: int | None = None
    bmi: float = 0.0
    weight_loss: bool = False
    event: EventKind | None = None
    emphasis: tuple[Emphasis, ...] = ()
    injection: bool = False  # the words tried to give instructions: they are ignored, never repeated

    @property
    def banned(self) -> frozenset[Movement]:
        return frozenset(b.movement for b in self.bans)

    @property
    def caution(self) -> bool:
        """A safety question was raised: check with a doctor first, start gently."""
        return bool(self.populations)

    @property
    def max_rpe(self) -> float | None:
        if self.caution:
            return CAUTION_MAX_RPE
        return INJURY_MAX_RPE if self.injuries else None

    @property
    def gentle_weeks(self) -> int:
        return GENTLE_WEEKS if self.caution else 0

    @property
    def full_gym(self) -> bool:
        return set(self.equipment) >= set(GYM)


# ---------------------------------------------------------------- reading

NEGATION = re.compile(r"\b(no|not|avoid|avoiding|without|skip|skipping|never|none|nothing|can'?t|cannot|"
                      r"don'?t|do not|won'?t|hate|stay away from|rather not|except|minus|exclude|excluding)\b")
# A clause ends at punctuation or a turn of thought; a negation's scope is the rest of its clause.
CLAUSES = re.compile(r"[.,;:!?()\n]+|\bbut\b|\bhowever\b|\bthough\b|\balthough\b")
ONLY = re.compile(r"\b(only|just|nothing but|limited to)\b")

# Movements a person can rule out by name. Checked in this order: "deep squats" before "squats".
MOVEMENT_WORDS: tuple[tuple[Movement, str], ...] = (
    (Movement.deep_squat, r"deep (squat|knee bend|lunge)s?|full depth|ass to grass|atg"),
    (Movement.squat, r"squat(s|ting)?\b"),
    (Movement.lunge, r"lunge?s?\b|split squats?"),
    (Movement.deadlift, r"deadlifts?|dead lifts?"),
    (Movement.jump, r"jump(s|ing)?\b|plyo(metric)?s?|box jumps?|hopping|bounding"),
    (Movement.sprint, r"sprint(s|ing)?|running|\brun(s)?\b"),
    (Movement.olympic, r"olympic lifts?|cleans?\b|snatch(es)?"),
    (Movement.overhead, r"overhead|above (my|the) head|shoulder press(es|ing)?"),
    (Movement.bench_press, r"bench press(es|ing)?"),
    (Movement.pull_up, r"pull ?-?ups?|chin ?-?ups?|hanging"),
    (Movement.spinal_flexion, r"crunch(es)?|sit ?-?ups?|(spinal|spine) flexion|rounding my back"),
    (Movement.impact, r"impact|pounding|landings?"),
    (Movement.lying, r"lying (down|on my back|flat)|floor work|on my back"),
    (Movement.cardio, r"cardio|aerobics?|treadmill"),
)

EQUIPMENT_WORDS: tuple[tuple[Equipment, str], ...] = (
    (E.trap_bar, r"trap ?-?bar|hex ?-?bar"),
    (E.barbell, r"barbells?|\bbar ?bells?|squat rack|power rack|\brack\b|olympic bar"),
    (E.dumbbell, r"dumb ?-?bells?|\bdbs?\b"),
    (E.kettlebell, r"kettle ?-?bells?|\bkbs?\b"),
    (E.band, r"\bbands?\b|resistance bands?|tubing"),
    (E.machine, r"machines?|leg press|treadmill|stationary bike|exercise bike|rower|elliptical"),
    (E.cable, r"cables?|cable (machine|station)|pulley"),
    (E.med_ball, r"medicine balls?|med ?-?balls?|slam balls?"),
    (E.box, r"plyo ?-?box|\bboxe?s?\b"),
    (E.sled, r"sleds?|prowler"),
    (E.bench, r"(?<!incline )(?<!flat )\bbench(es)?\b(?! ?press)|(flat|adjustable|weight|incline) bench(?! ?press)"),
    (E.bar, r"pull ?-?up bar|chin ?-?up bar|doorway bar|\bbar\b(?! ?bells?)|rings"),
)

KNEE = r"\bknees?\b(?! (raise|tuck|drive)s?)|\bacl\b|\bmcl\b|menisc|patell|jumper'?s knee"
BACK = (r"\b(lower|low|bad|sore|stiff|injured|hurt|tweaked|dodgy) back\b(?! (squat|day|workout|muscles?|"
        r"exercise|into|to|in shape))|(hurt|injured|tweaked|threw out|strained|pulled) my back|"
        r"\bback (pain|injur\w*|issues?|problems?|surgery|spasms?|hurts?|is sore)|sciatica|"
        r"\bdiscs?\b|herniat|spondyl|\bl[45]\b|lumbar")
SHOULDER = (r"\b(bad|sore|injured|hurt|frozen|dodgy|unstable) shoulders?\b(?! (day|workout|press))|"
            r"(hurt|injured|tweaked|dislocated|strained) my shoulder|"
            r"shoulders? (pain|injur\w*|issues?|problems?|surgery|hurts?|impinge\w*)|rotator cuff|impingement|"
            r"labrum|\bac joint|dislocat")
PREGNANT = r"pregnan|trimester|expecting (a )?(baby|twins|child)|weeks along"
POSTPARTUM = (r"post ?-?partum|post ?-?natal|gave birth|had (a|my|the) (baby|son|daughter|child)|c ?-?section|"
              r"caesarean|cesarean|since (the )?birth|after (the )?birth|diastasis|new (mum|mom)|breastfeeding")
MEDICAL = (r"heart (condition|disease|problem|issue|attack|failure|surgery)|cardiac|blood pressure|hypertension|"
           r"diabet|asthma|\bcopd\b|stroke|surgery|cancer|chemo|"
           r"osteopor|osteopen|arthritis|epilep|seizure|kidney|angina|pacemaker|stent|medication|chest pains?|"
           r"dizz|faint|\bhernia\b|\bms\b|multiple sclerosis|parkinson|fibromyalgia|recovering from|rehab|"
           r"my doctor|physio(therapist)?|clinician")
OLDER = r"\b(senior|elderly|older adult|retired|retiree|grand(ma|pa|mother|father|kids?|children))\b"
AGE = (r"\b(?:i am|i'?m|im|aged?|age of)\s+(\d{2,3})(?!\s*(?:kg|kgs|kilos?|lbs?|pounds|cm|%|percent|months?|"
       r"weeks?|days?|minutes?|mins?|reps?|sets?|x|times?))\b|\b(\d{2,3})\s*-?\s*(?:years?|yrs?|yo|y/o)\b"
       r"(?!\s*(?:of|ago|training|lifting|experience))")
DECADE = r"\bin my (sixties|seventies|eighties|nineties|60s|70s|80s|90s)\b"
DECADES = {"sixties": 60, "seventies": 70, "eighties": 80, "nineties": 90, "60s": 60, "70s": 70, "80s": 80,
           "90s": 90}
WEIGHT_LOSS = (r"lose (some |a lot of |the )?(weight|fat|belly|pounds|kilos|\d+)|weight ?-?loss|fat ?-?loss|"
               r"los(e|ing) (body ?)?fat|slim(mer| down)?|lean(er)? out|get lean|drop (some )?(weight|fat|\d+)|"
               r"burn (some )?fat|shed|cut(ting)? (weight|fat)|overweight|obes")
EVENTS: tuple[tuple[EventKind, str], ...] = (
    (EventKind.meet, r"\bmeet\b|competition|compete|\bcomp\b|powerlifting meet|tournament|weightlifting meet|"
                     r"strongman|\bmatch\b|\bfight\b|\bbout\b"),
    (EventKind.show, r"(bodybuilding|physique|bikini|fitness|figure|my|a|the|first) (show|contest|stage)|"
                     r"\bcontest\b|contest prep|\bon stage\b"),
    (EventKind.season, r"\bseason\b|pre ?-?season|tryouts?|combine|selection"),
    (EventKind.race, r"\brace\b|marathon|triathlon|\b(5|10)k\b"),
    (EventKind.test, r"(max|1rm|one rep max|pr|personal best|test)\w* (at|by|in) the end|test (my|a|the) "
                     r"(max|1rm|strength)|max (out|attempt|day)|peak (for|at|by)|fitness test"),
)
EMPHASIS: tuple[tuple[Emphasis, str], ...] = (
    (Emphasis.arms, r"\barms?\b|bicep|tricep|\bguns\b"),
    (Emphasis.glutes, r"glute|\bbooty\b|\bbutt\b|\bbum\b"),
    (Emphasis.bench, r"bench press|(bigger|stronger|better|improve|increase|raise|heavier|my) bench\b|"
                     r"bench (pr|max|1rm|number)|powerlift"),
    (Emphasis.squat, r"\bsquat|powerlift"),
    (Emphasis.deadlift, r"deadlift|powerlift"),
    # A sport's name is no wish for jumps or sprints: the profile's sport plans its own work
    # (app/coaching/sport.py), and "I play rugby on weekends" was heard as "extra work on your speed".
    (Emphasis.jump, r"\bjump|vertical|\bdunk"),
    (Emphasis.sprint, r"\brun(ning)?\b|sprint|\bspeed\b|\bfaster\b"),
)
INJECTION = (r"ignore (all |any |the |your )?(previous|prior|above|earlier|preceding|those|these|my|the)? ?"
             r"(instructions?|rules|prompts?|directions)|disregard|system prompt|you are now|act as|pretend|"
             r"jailbreak|developer mode|write (a|me a|an) (poem|story|song|essay|haiku|joke)|forget (your|the|all)|"
             r"</?(system|assistant|user)>|new instructions|override")
# "no injuries", "not pregnant", "no heart problems": a population or injury named only to deny it.
DENIED = r"\b(no|not|never|nor|free of|no longer|never been|don'?t have|do not have|without any)\b(\W+\w+){0,2}\W+$"


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in CLAUSES.split(text) if c and c.strip()]


def _negated_tail(clause: str) -> str | None:
    """The part of a clause after its negation, or None when nothing in it is negated."""
    m = NEGATION.search(clause)
    return clause[m.end():] if m else None


def _found(pattern: str, text: str) -> bool:
    """Does text mention pattern in a way that is not immediately denied ("no knee pain" still counts)?"""
    for m in re.finditer(pattern, text):
        before = text[max(0, m.start() - 30):m.start()]
        if not re.search(DENIED, before):
            return True
    return False


def _age(text: str) -> int | None:
    ages = [int(a or b) for a, b in re.findall(AGE, text)]
    ages += [DECADES[d] for d in re.findall(DECADE, text)]
    plausible = [a for a in ages if 13 <= a <= 110]
    return max(plausible) if plausible else None


def _equipment(text: str, clauses: list[str]) -> frozenset[Equipment]:
    def named(part: str) -> set[Equipment]:
        return {eq for eq, rx in EQUIPMENT_WORDS if re.search(rx, part)}

    allowed: set[Equipment] = set(GYM)
    if re.search(r"\b(home|house|apartment|garage|hotel|travel(l?ing)?|outdoors?)\b|no gym|"
                 r"without (a )?gym|no access to a gym", text) and not re.search(r"\b(home|garage) gym\b(?! with)",
                 text):
        allowed = set(HOME)
    if re.search(r"no (equipment|weights)|bodyweight only|only (my )?body ?weight|just (my )?body ?weight|"
                 r"without (any )?(equipment|weights)|nothing but (my )?body ?weight|calisthenics", text):
        allowed = {E.bodyweight}
    for clause in clauses:
        only = ONLY.search(clause)
        if only:
            listed = named(clause[only.end():])
            if listed:
                allowed = listed | {E.bodyweight}
                if E.barbell in listed:
                    allowed |= {E.bench}  # a barbell at home comes with a bench far more often than not
        elif re.search(r"\b(i have|i've got|i own|got|with|has|equipped with)\b", clause) and allowed != set(GYM):
            allowed |= named(clause)  # "at home, I have dumbbells and a pull-up bar"
    if E.barbell in allowed:
        allowed.add(E.rack)  # words rarely mention the rack a barbell stands in; a profile's list does
    for clause in clauses:
        tail = _negated_tail(clause)
        if tail is not None:
            allowed -= named(tail)  # "no barbell", "without a bench"
    allowed.add(E.bodyweight)
    return frozenset(allowed)


def read_constraints(request: GenerateRequest) -> Constraints:
    """What the request's words and numbers rule in and out."""
    text = " ".join(request.goal_raw.lower().replace("’", "'").split())
    clauses = _clauses(text)
    bmi = round(request.weight_kg / (request.height_cm / 100) ** 2, 1)

    bans: dict[Movement, str] = {}

    def ban(movement: Movement, because: str) -> None:
        bans.setdefault(movement, because)

    positive: list[str] = []  # the words outside any negation: what the person asks for
    for clause in clauses:
        tail = _negated_tail(clause)
        if tail is None:
            positive.append(clause)
            continue
        positive.append(clause[: len(clause) - len(tail)])
        for movement, rx in MOVEMENT_WORDS:
            if re.search(rx, tail):
                ban(movement, "you asked to leave them out")
                # "no deep squats" still allows squats to a box or to parallel
                tail = re.sub(rx, " ", tail) if movement is Movement.deep_squat else tail
    wanted = " ".join(positive)

    injuries: list[Injury] = []
    if _found(KNEE, text):
        injuries.append(Injury.knee)
        ban(Movement.knee_stress, "your knees")
        ban(Movement.impact, "your knees")
    if _found(BACK, text):
        injuries.append(Injury.back)
        ban(Movement.axial_loading, "your back")
        ban(Movement.spinal_flexion, "your back")
    if _found(SHOULDER, text):
        injuries.append(Injury.shoulder)
        ban(Movement.shoulder_stress, "your shoulder")

    populations: list[Population] = []
    age = _age(text)
    if (age is not None and age >= CAUTION_AGE) or _found(OLDER, text):
        populations.append(Population.older)
        ban(Movement.impact, "joints that deserve a gentle start")
    if _found(PREGNANT, text):
        populations.append(Population.pregnant)
        for movement in (Movement.impact, Movement.lying, Movement.spinal_flexion, Movement.axial_loading):
            ban(movement, "pregnancy")
    elif _found(POSTPARTUM, text):
        populations.append(Population.postpartum)
        ban(Movement.impact, "recovery after birth")
        ban(Movement.spinal_flexion, "recovery after birth")
    if bmi >= CAUTION_BMI:
        populations.append(Population.bmi_40)
        ban(Movement.impact, "sparing the joints")
    if _found(MEDICAL, text):
        populations.append(Population.medical)
        ban(Movement.high_impact, "a medical condition")

    event = next((kind for kind, rx in EVENTS if re.search(rx, wanted)), None)
    emphasis = tuple(e for e, rx in EMPHASIS if re.search(rx, wanted))
    from app.coaching.adapter import with_profile  # the profile (issue 24) adds to this reading; adapter imports us

    return with_profile(Constraints(
        equipment=tuple(sorted(_equipment(text, clauses))),
        bans=tuple(Ban(movement=m, because=why) for m, why in bans.items()),
        injuries=tuple(injuries),
        populations=tuple(populations),
        age=age,
        bmi=bmi,
        weight_loss=bool(re.search(WEIGHT_LOSS, wanted)),
        event=event,
        emphasis=tuple(e for e in emphasis if not _emphasis_banned(e, frozenset(bans))),
        injection=bool(re.search(INJECTION, text)),
    ), request.profile)


def _emphasis_banned(emphasis: Emphasis, bans: frozenset[Movement]) -> bool:
    """An emphasis the person ruled out in the same breath ("squats hurt, no squats") is dropped."""
    return {Emphasis.squat: Movement.squat in bans, Emphasis.deadlift: Movement.deadlift in bans,
            Emphasis.bench: Movement.bench_press in bans, Emphasis.jump: bool(bans & {Movement.jump, Movement.impact}),
            Emphasis.sprint: bool(bans & {Movement.sprint, Movement.impact, Movement.high_impact})}.get(emphasis, False)
