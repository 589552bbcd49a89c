"""Every threshold of the coaching domain, declared once.

The writer doses by these numbers, the validator's rules check them, and the rules in words that a
model reads (guidance.py) quote them, so the three cannot drift apart. A coach changing a number
changes it here and nowhere else.
"""

from __future__ import annotations

import math

from app.coaching.kinds import Pattern
from app.models import FitnessLevel, GoalCategory

BEG, INT, ADV = FitnessLevel.beginner, FitnessLevel.intermediate, FitnessLevel.advanced

# ---------------------------------------------------------------- a prescription

MAX_SETS = 10
MAX_REPS = 30
MAX_HOLD_S = 300
MAX_CARDIO_S = 999  # a bout of easy cardio: up to the longest time the reps field can hold
BEGINNER_MAX_SETS = 5
LOAD_MIN_REPS = 6  # an exercise that cannot be loaded heavily is not done for fewer reps
# A row a model wrote with no effort at all ("3 x 10", "3 sets of 10"): code reads it as a moderate
# effort, a few reps in reserve, which every ceiling but the gentlest first weeks allows.
UNSTATED_EFFORT = "RPE 7"
EASY_RPE = 4.0  # "easy, conversational pace" and the like, when no number is given

# ---------------------------------------------------------------- goals

HEAVY_REPS = 6  # strength and power: heavy work is 1-6 reps
TEST_MIN_RPE = 9.5  # one rep at this effort or more is a 1RM test
HEAVY_MIN_REST_S = 120  # the rule says 150-300 s; a little slack
EXPLOSIVE_MIN_REST_S = 90
HYPERTROPHY_REPS = (6, 15)
HYPERTROPHY_SHARE = 0.6  # of working exercises in 6-15 reps near failure, outside deload weeks
NEAR_FAILURE_RPE = 7.0
STRENGTH_PATTERNS = frozenset({Pattern.squat, Pattern.hinge, Pattern.h_push, Pattern.h_pull, Pattern.v_push,
                               Pattern.v_pull, Pattern.lunge, Pattern.olympic})

# ---------------------------------------------------------------- sessions and weeks

BEGINNER_MAX_EXERCISES = 8
MAX_TESTS_PER_WEEK = 3
HARD_RPE = 8.0  # a day with work this hard is a hard day
RECOVERY_RPE = 6.0  # a day with nothing harder is a recovery day
MAX_HARD_DAYS_IN_A_ROW = 4
# Hard sets per muscle per week (indirect work counts half), by level: (low, high).
WEEKLY_SETS = {BEG: (4, 12), INT: (8, 20), ADV: (10, 25)}
SESSION_SETS = {BEG: 20, INT: 28, ADV: 32}
SESSION_LANDINGS = {BEG: 40, INT: 60, ADV: 80}


FULL_FLOOR_MINUTES = 45  # sessions this long or longer hold the full weekly floor


def weekly_floor(level: FitnessLevel, days: int, minutes: int | None = None) -> int:
    """Hard sets a week each major muscle needs for hypertrophy. Few sessions cannot reach the full
    band for every muscle: the floor scales with days, up to three; and short ones neither: with
    the minutes of a session, up to `FULL_FLOOR_MINUTES`."""
    share = min(1.0, days / 3) * (1.0 if minutes is None else min(1.0, minutes / FULL_FLOOR_MINUTES))
    return math.floor(WEEKLY_SETS[level][0] * share)


# Explosive work (jumps, throws, Olympic lifts) counts no hard sets yet fills a power session's time:
# a power plan owes each major muscle half the floor in hard sets.
POWER_FLOOR_SHARE = 0.5


def band_floor(level: FitnessLevel, days: int, minutes: int | None, goal: GoalCategory) -> int:
    """Hard sets a week every major muscle gets at least, whatever the goal (rules weekly-volume and
    muscle-band): strength plans too, whose heavy lifts otherwise left the chest under its band."""
    floor = weekly_floor(level, days, minutes)
    return math.floor(floor * POWER_FLOOR_SHARE) if goal is GoalCategory.power else floor


# ---------------------------------------------------------------- the program's shape over time

DELOAD_FROM_WEEKS = 6
DELOAD_MAX_SHARE = 0.7  # a deload has at least 30% fewer sets than the week before it
TAPER_MAX_SHARE = 0.7  # the final week before an event: volume cut by at least 30% from the peak
TAPER_KEEP_EFFORT = 1.5  # ... while the top effort stays within this many RPE points of the peak
IDENTICAL_WEEKS_MAX = 2  # three identical weeks in a row is no progression
# A plan of this many blocks (runs of loading weeks between deloads) or more moves its main lifts'
# percentages from block to block: a block that repeats the one before is no progression
# (rule moving-percentages); the writer's next pass through a phase is this much heavier.
MOVING_BLOCKS = 3
BLOCK_STEP_PCT = 2.5
TOP_PCT = 95.0  # ... never above this in a loading week

# Heavy barbell bench and squat sets need safety pins or a spotter (rule safety-pins): this hard, or
# this few reps.
PINS_RPE = 9.0
PINS_MAX_REPS = 3

# ---------------------------------------------------------------- the person

CAUTION_AGE = 60
CAUTION_BMI = 40.0
CAUTION_MAX_RPE = 8.0
INJURY_MAX_RPE = 8.0
GENTLE_WEEKS = 2  # the first weeks of a program for someone who should check with a doctor first
GENTLE_MAX_RPE = 7.0
# Work that loads an injured area (a catalogue entry's `gentle` areas): this light, at most.
INJURED_AREA_MAX_RPE = 7.0
INJURED_AREA_MIN_REPS = 10
INJURED_AREA_MAX_SETS = 3  # light work around an injury is a few sets of an exercise, not a muscle's whole dose
YOUTH_AGE = 18  # under it: no 1RM tests, technique first under supervision (NSCA youth position)
OLDER_ADULT_AGE = 65  # from it: balance work every week, no landings from a height
BALANCE_HOLD_SETS = 2

# ---------------------------------------------------------------- words

SUMMARY_WORDS = 60  # what the writer (or the model) says
# What code appends after it: what the program was adapted for and what was not accounted for
# (app/coaching/telling.py, issue 24). Its own budget, so neither writer loses its words to it and a
# model is never asked to make room for a sentence it does not write; the spoken summary as a whole
# is at most SUMMARY_WORDS + TOLD_WORDS (about 35 s read aloud).
TOLD_WORDS = 30
# A coach's jargon a beginner does not know: in a beginner's program, said only with its meaning in
# brackets or after a colon (rule plain-names).
JARGON = ("accumulation", "intensification", "realization", "realisation", "transmutation", "mesocycle",
          "microcycle", "macrocycle", "periodization", "periodisation", "supercompensation", "GPP", "SPP")
VERBATIM_WORDS = 5  # this many of the person's words in a row, read back, is reading them back

# ---------------------------------------------------------------- health (issue 25)

PAIN_CEILING = 3  # out of 10: a set stops when an injury's pain goes above it
POST_VIRAL_VOLUME_SHARE = 2 / 3  # post-viral fatigue: at least a third less than the same request
POST_VIRAL_MAX_DAYS = 3  # sessions a week at most
HYPERTENSION_MIN_REPS = 6  # high blood pressure: no heavy singles, every loaded set 6 reps or more

# ---------------------------------------------------------------- time (issue 25: session length)

WARMUP_MIN = 5.0  # a short general warm-up before the first exercise
WARMUP_WORDS = (4, 30)  # each day's warm-up line, in words (rule warm-up)
REP_S = 4.0  # one controlled rep, up and down
DISTANCE_M_PER_S = 2.0  # a carry walked or a sprint run, averaged
SESSION_SLACK = 0.10  # a session may run this much over the minutes the person has
SUPERSET_REST_S = 15  # from the first exercise of a superset straight to the second
# The shortest rests the writer shortens to when a session must fit: by goal, for work of that kind.
MIN_REST_S = {"heavy": 150, "explosive": EXPLOSIVE_MIN_REST_S, "hypertrophy": 60, "accessory": 45, "core": 30}


# A working set and its rest, averaged over a session: what a session of some minutes holds. Heavy
# sets rest long; hypertrophy's accessories can be supersetted.
TYPICAL_SET_S = {"hypertrophy": 80, "strength": 100, "power": 100}


def session_sets_in(minutes: int, goal: str) -> int:
    """About how many working sets fit in a session of these minutes, after the warm-up."""
    # Never fewer than two sets for each of the five exercises a short full-body session needs.
    return max(10, math.floor((minutes - WARMUP_MIN) * 60 / TYPICAL_SET_S[goal]))


def session_limit_min(minutes: int) -> float:
    """The longest a session may run for someone with this many minutes."""
    return minutes * (1 + SESSION_SLACK)


# ---------------------------------------------------------------- emphasis and doses (issue 25)

# An emphasised muscle gets at least the middle of its level's weekly band in a hypertrophy plan
# (the low end in a strength or power plan; scaled down under four days a week); a de-emphasised one
# no more than that middle and, in a hypertrophy plan, never under a maintenance dose: about a third
# of a growing dose keeps what was built if the sets stay hard (Bickel 2011; Iversen 2021), i.e. 4
# hard sets a week.
MAINTENANCE_SETS = 4
DE_EMPHASIS_SHARE = 0.5  # the writer halves a de-emphasised muscle's sets, down to maintenance


def band_middle(level: FitnessLevel) -> float:
    low, high = WEEKLY_SETS[level]
    return (low + high) / 2


EMPHASIS_FULL_DAYS = 4  # fewer sessions must cover the whole body first: the emphasis floor scales down


def emphasis_floor(level: FitnessLevel, days: int, hypertrophy: bool = True) -> int:
    """Hard sets a week an emphasised muscle gets at least: the band's middle in a hypertrophy plan; in
    a strength or power plan, whose heavy and explosive work fill the sessions, the level's growing dose
    (the band's low end). Below four days a week it scales with the days (a whole body in one or two
    sessions leaves room for a little more of a muscle, not for its full dose)."""
    sets = band_middle(level) if hypertrophy else WEEKLY_SETS[level][0]
    return math.floor(sets * min(1.0, days / EMPHASIS_FULL_DAYS))


def maintenance(level: FitnessLevel, days: int) -> int:
    """Hard sets a week a de-emphasised muscle keeps in a hypertrophy plan (never more than its floor)."""
    return min(MAINTENANCE_SETS, weekly_floor(level, days))


MIN_SETS = 2  # nothing is prescribed for one set, except a test, a bout of cardio or mobility
# Bodyweight doses that can be done: a band takes ~15-30 kg off a pull-up, so a beginner this heavy
# pulls a cable or a row instead; an easy bodyweight move (tier 1) for an intermediate or advanced
# lifter is made harder (a vest, a pack, a band, a slow lowering) or done for many reps.
HEAVY_PULL_KG = 100
EASY_BODYWEIGHT_MIN_REPS = 15
HARDER = r"\b(weight(ed)?|vest|backpack|pack|plate|load(ed)?|band|tempo|slow|pause[d]?|deficit|elevat\w*|lowering)\b"
# A few moves (Nordic curls, pistols, handstand push-ups) are so hard for the body weight alone that
# a set is a handful of controlled reps; sets of 12-15 are not done as written.
LOW_REPS_MAX = 8
# Under 18 with a sport: lifting leaves room for the sport (NSCA youth position): at most three
# sessions a week and no muscle above three quarters of the level's weekly most.
YOUTH_SPORT_MAX_DAYS = 3
YOUTH_SPORT_VOLUME_SHARE = 0.75
# From 65, power is moderate loads moved fast: explosive work at RPE 7 or 60% 1RM at most.
OLDER_POWER_MAX_RPE = 7.0
OLDER_POWER_MAX_PCT = 60.0
