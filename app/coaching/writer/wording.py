"""The program's words: its name, the description, and the spoken summary that says what was heard
and what the program does about it, claiming only what the weeks contain."""

from __future__ import annotations

from collections.abc import Sequence

from app.coaching import health
from app.coaching.kinds import DUMBBELLS_ONLY, HOME, Equipment, Movement, Pattern
from app.coaching.policy import (
    OLDER_ADULT_AGE,
    SUMMARY_WORDS,
    YOUTH_AGE,
)
from app.coaching.profile import Unplaced
from app.coaching.sport import event_after, sport_lines, taper_week
from app.coaching.telling import for_summary, with_summary
from app.coaching.words import (
    Emphasis,
    EventKind,
    Injury,
    Population,
)
from app.coaching.writer.periodization import WeekKind, WeekPlan, deload_every
from app.coaching.writer.profile import Profile
from app.coaching.writer.splits import SPLITS
from app.models import GoalCategory

# ---------------------------------------------------------------- words


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


SHORT_SPLITS = {1: "full body", 2: "full body", 3: "full body", 4: "upper and lower",
                5: "upper, lower, push, pull, legs", 6: "push, pull, legs twice",
                7: "five training days and two easy recovery days"}
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven")
METHOD = {
    GoalCategory.hypertrophy: "Most work sits between six and fifteen reps, taken close to failure.",
    GoalCategory.strength: "Heavy compound lifts for one to six reps with long rests, heavier each block.",
    GoalCategory.power: "Fast, explosive work for a few reps with full rest, plus heavy lifting.",
}
EFFORT_SCALE = "Effort runs from one to ten; ten means not one more rep."
KIT = {Equipment.barbell: "a barbell", Equipment.trap_bar: "a trap bar", Equipment.dumbbell: "dumbbells",
       Equipment.kettlebell: "kettlebells", Equipment.band: "bands", Equipment.machine: "machines",
       Equipment.cable: "cables", Equipment.med_ball: "a medicine ball", Equipment.box: "a plyo box",
       Equipment.sled: "a sled", Equipment.bench: "a bench", Equipment.bar: "a pull-up bar",
       Equipment.bodyweight: "your body weight"}
BECAUSE = {Population.older: "your age", Population.pregnant: "your pregnancy",
           Population.postpartum: "your recovery after birth", Population.bmi_40: "your weight",
           Population.medical: "the medical condition you mentioned"}
EMPHASIS_WORDS = {Emphasis.arms: "arms", Emphasis.glutes: "glutes", Emphasis.bench: "bench press",
                  Emphasis.squat: "squat", Emphasis.deadlift: "deadlift", Emphasis.jump: "jumping",
                  Emphasis.sprint: "speed"}
EVENT_WORDS = {EventKind.meet: "your meet", EventKind.show: "your show", EventKind.season: "your season",
               EventKind.race: "your race", EventKind.test: "your test"}


def method(profile: Profile) -> str:
    if profile.no_low_reps and profile.goal is not GoalCategory.hypertrophy:
        return "Compound lifts for six to eight controlled reps, heavier each block."
    return METHOD[profile.goal]


YOUTH_LINE = "Learn each lift with a coach watching, technique first, before adding weight."


def heard(profile: Profile, spoken: bool = True) -> list[str]:
    """What the person told us changed, in our words: each sentence is true of the weeks by construction.
    `spoken`: for the summary, which says the injuries in a few words (the description has health's lines)."""
    c = profile.constraints
    out: list[str] = []
    profiled = profile.request.profile
    current = [i for i in (profiled.injuries if profiled else []) if i.status != "past"]
    told = {i.area for i in current}  # areas the profile names: health's sentence says them instead
    if current and spoken:
        heavy = "heavy " if any(health.gentle(i) for i in current) else ""  # light, pain-free work may
        out.append(f"Nothing {heavy}loads {health.join(list(dict.fromkeys(health.where(i) for i in current)))}.")
    if Injury.knee in c.injuries and "knee" not in told:
        out.append("It spares your knees: no deep knee bends under load and no jumping.")
    if Injury.back in c.injuries and "lower_back" not in told:
        out.append("It spares your back: no heavy spinal loading and no crunching.")
    if Injury.shoulder in c.injuries and "shoulder" not in told:
        out.append("It spares your shoulder: no overhead pressing.")
    if profile.paced and spoken:
        out.append("It is paced for post-viral fatigue: less work, and symptoms lead.")
    if profile.no_low_reps and spoken:
        out.append("For your blood pressure every set is six reps or more; breathe out as you push.")
    # What an injury sentence above already says is not said twice.
    covered = {Movement.deep_squat, Movement.jump, Movement.impact} if Injury.knee in c.injuries else set()
    covered |= {Movement.overhead} if Injury.shoulder in c.injuries else set()
    covered |= {Movement.spinal_flexion} if Injury.back in c.injuries else set()
    if Population.pregnant in c.populations:
        out.append("It avoids lying on your back, impact and crunches, and keeps every lift supported.")
    elif Population.postpartum in c.populations:
        out.append("It avoids impact and crunches while your core recovers.")
    elif Population.bmi_40 in c.populations:
        out.append("Everything is low-impact, to spare your joints.")
    elif Population.older in c.populations:
        out.append("It starts with supported lifts and keeps every landing soft.")
    if c.age is not None and c.age >= OLDER_ADULT_AGE:
        out.append("Every week has balance work, and nothing lands from a height.")
    named = [b.movement.value for b in c.bans if b.because == "you asked to leave them out"
             and b.movement not in covered]
    if named:
        out.append(f"As you asked, it leaves out {_join(named)}.")
    if not c.full_gym:
        # The rack goes unsaid: "a barbell" says it (and the words never name it).
        kit = [KIT[e] for e in Equipment if e in c.equipment and e in KIT and e is not Equipment.bodyweight]
        out.append(f"It uses only what you have: {_join([*kit, 'your body weight'])}.")
    if c.emphasis:
        out.append(f"It gives extra work to your {_join([EMPHASIS_WORDS[e] for e in c.emphasis])}.")
    if c.weight_loss and Movement.cardio not in c.banned:
        out.append("Every training day ends with 20 minutes of easy cardio to help with weight loss.")
    out += sport_lines(profiled, c.banned, profile.filters.spared)
    weeks = profile.request.duration_weeks
    taper = taper_week(profiled, weeks, c.event is not None)
    if c.event is not None and taper == weeks:
        out.append(f"It builds to {EVENT_WORDS[c.event]}, then tapers over the last two weeks.")
    elif c.event is not None and taper is not None:
        out.append(f"It builds to {EVENT_WORDS[c.event]} in week {taper} and tapers into it; a new block starts "
                   "after it.")
    elif c.event is not None and event_after(profiled, weeks):
        out.append(f"{EVENT_WORDS[c.event].capitalize()} comes after this program: it builds your base, and your "
                   "next program leads into it.")
    return out


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def program_name(profile: Profile) -> str:
    c = profile.constraints
    base = f"{profile.request.duration_weeks}-Week {profile.goal.value.title()} Program"
    tags: list[str] = []
    if Injury.knee in c.injuries:
        tags.append("Knee-Friendly")
    if Injury.back in c.injuries:
        tags.append("Back-Friendly")
    if c.caution:
        tags.append("Gentle Start")
    if set(c.equipment) <= DUMBBELLS_ONLY | {Equipment.bench} and Equipment.dumbbell in c.equipment:
        tags.append("Dumbbell")
    elif set(c.equipment) == set(HOME):
        tags.append("Home")
    words = {Emphasis.arms: "Arms Emphasis", Emphasis.glutes: "Glute Emphasis", Emphasis.bench: "Bench Focus",
             Emphasis.squat: "Squat Focus", Emphasis.deadlift: "Deadlift Focus", Emphasis.jump: "Jump Training",
             Emphasis.sprint: "Speed Work"}
    tags += [words[e] for e in c.emphasis]
    return f"{base}: {' and '.join(tags[:2])}" if tags else base


def summary(profile: Profile, plans: list[WeekPlan], unplaced: Sequence[Unplaced] = ()) -> str:
    """The coach's sentences by priority, within SUMMARY_WORDS; then what the program was adapted for
    and what was not accounted for (app/coaching/telling.py), in its own budget."""
    r, c = profile.request, profile.constraints
    core = (f"Your {r.duration_weeks} week {r.goal_category.value} program trains {NUMBER_WORDS[r.days_per_week]} "
            f"day{'s' if r.days_per_week > 1 else ''} a week, {SHORT_SPLITS[r.days_per_week]}.")
    # In priority order: safety, the shape, what was heard, what effort means, then the method.
    wanted: list[str] = []
    if c.caution:
        wanted.append("Please check with your doctor before you start.")
    if c.age is not None and c.age < YOUTH_AGE:
        wanted.append(YOUTH_LINE)
    wanted.append(core)
    if profile.level == 0:
        wanted.append(EFFORT_SCALE)
    wanted += heard(profile)
    if c.caution:
        wanted.append("The first two weeks are gentle.")
    wanted.append(method(profile))
    every = deload_every(r.duration_weeks, profile.level, r.goal_category)
    if any(p.kind is WeekKind.deload for p in plans) and every:
        wanted.append("Regular lighter weeks let you recover.")
    if plans and plans[-1].kind is WeekKind.test:
        wanted.append("The last week tests your new best.")
    kept: list[str] = []
    for sentence in wanted:
        if len(" ".join([*kept, sentence]).split()) <= SUMMARY_WORDS:
            kept.append(sentence)
    return with_summary(" ".join(kept), for_summary(r.profile, unplaced))


def description(profile: Profile, plans: list[WeekPlan]) -> str:
    r, c = profile.request, profile.constraints
    article = "a" if profile.level == 0 else "an"
    plural = "s" if r.days_per_week > 1 else ""
    opening = "An" if r.duration_weeks in (8, 11, 18) else "A"
    lines = [f"{opening} {r.duration_weeks}-week {r.goal_category.value} program for {article} "
             f"{r.fitness_level.value} lifter, {r.days_per_week} day{plural} a week: "
             f"{SPLITS[r.days_per_week][1]}.", method(profile)]
    if c.caution:
        why = _join([BECAUSE[p] for p in c.populations])
        lines.append(f"Because of {why}, check with your doctor first. The first two weeks are gentle, and "
                     "nothing goes above an effort of 8 out of 10: never all-out, never a max test.")
    lines += heard(profile, spoken=False)
    lines += health.injury_lines(r.profile) + health.condition_lines(r.profile)
    clinician = health.clinician_line(r.profile)
    if clinician and not c.caution:  # the caution line above says it already
        lines.append(clinician)
    deloads = sum(p.kind is WeekKind.deload for p in plans)
    if deloads:
        lines.append(f"Weeks run in blocks that build load, with {deloads} deload week"
                     f"{'s' if deloads > 1 else ''} to recover.")
    elif profile.level == 0:
        lines.append("As a beginner you progress linearly: add a little load or a rep each session.")
    if profile.level == 0:
        lines.append(EFFORT_SCALE.replace("Effort runs", "Effort (RPE) runs"))
    if any(p.kind is WeekKind.test for p in plans):
        lines.append("Percentages are of your current best single; the last week finds your new one.")
    if profile.heavy and any(ex.pattern is Pattern.jump for days in profile.balanced.values()
                             for chosen in days for _, ex, _ in chosen):
        # Not "low-impact": a heavier athlete's sport still has its sprints and cuts (writer/sport.py).
        lines.append("Any jumping uses the softer options, with fewer landings.")
    if profile.tall:
        lines.append("At your height, bar choices and ranges of motion are set to keep long levers safe.")
    return clip(" ".join(lines), 2000)
