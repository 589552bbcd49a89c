"""A person's sport and event, in coaching terms: what a field or court sport needs from its gym
work, what a weightlifter trains and tests, and which week an event falls in.

Field and court sports are won by accelerating, cutting, landing and repeating it all game long, so
their program carries each of those every loading week (NSCA's guidance on team-sport preparation),
building through the off- and pre-season and held at a maintenance dose in season, when games and
practice do the conditioning. A current or recovering knee, ankle or hip injury rules the running
and landing out (rule injury-area keeps them out; this module says they are not owed), as do
pregnancy and the words that ban sprints, jumps or cardio. Weightlifting is
competed on the snatch and the clean and jerk: those, or their derivatives, every loading week, and
a test week tests those two.

Both the writer (writer/sport.py) and the validator (rules/sport.py) ask this module what is owed;
the validator then reads the program's exercises itself, by catalogue name and tag.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Collection

from app.coaching.catalogue import EXERCISES, LibraryExercise, rules_out, usable
from app.coaching.equipment import listed
from app.coaching.kinds import Equipment, Movement, Pattern
from app.coaching.profile import Profile, Sport

FIELD_COURT = frozenset({
    "rugby", "soccer", "football", "american football", "basketball", "hockey", "field hockey", "ice hockey",
    "tennis", "volleyball", "lacrosse", "netball", "handball", "badminton", "squash", "baseball", "softball",
    "cricket", "ultimate", "gaelic football", "hurling", "futsal", "padel", "pickleball",
})
WEIGHTLIFTING = frozenset({"weightlifting", "olympic weightlifting", "olympic lifting"})
# An injury here rules running, cutting and landing out until it is better.
LEGS = frozenset({"knee", "ankle_foot", "hip"})
# What the snatch and the clean and jerk load, from the floor to overhead.
LIFT_AREAS = frozenset({"hip", "knee", "lower_back", "shoulder", "wrist_hand"})


class Work(enum.StrEnum):
    """What a field or court sport owes every loading week, said as a coach says it."""

    sprint = "sprints"
    change_of_direction = "change-of-direction drills"
    landing = "landing drills"
    conditioning = "conditioning intervals"


def _name(sport: Sport) -> str:
    return " ".join(sport.name.lower().split())


def field_sport(profile: Profile | None) -> Sport | None:
    """The profile's field or court sport, if it has one."""
    sport = profile.sport if profile is not None else None
    return sport if sport is not None and _name(sport) in FIELD_COURT else None


def weightlifter(profile: Profile | None) -> bool:
    sport = profile.sport if profile is not None else None
    return sport is not None and _name(sport) in WEIGHTLIFTING


def legs_ruled_out(profile: Profile | None) -> bool:
    """A current or recovering knee or ankle injury: no sprints, cuts or landings for now."""
    return profile is not None and any(i.area in LEGS and i.status != "past" for i in profile.injuries)


# What rules a sport's work out when the person's words ban it ("no sprinting", "no jumping", "I hate cardio").
RULED_OUT_BY = {Work.sprint: Movement.sprint, Work.change_of_direction: Movement.sprint, Work.landing: Movement.jump,
                Work.conditioning: Movement.cardio}
# Pregnancy and the months after birth: no landings of any kind (rule condition-movements), so only conditioning.
NO_LANDINGS = frozenset({"pregnancy", "postpartum"})


def owed(profile: Profile | None, banned: Collection[Movement] = ()) -> tuple[Work, ...]:
    """The sport work every loading week must hold, in the order a day takes it (speed work while
    fresh, conditioning last); empty when there is no field sport or an injury rules it out. In
    season, games and practice are the conditioning."""
    sport = field_sport(profile)
    if sport is None or profile is None:
        return ()
    work = [Work.sprint, Work.change_of_direction, Work.landing]
    if legs_ruled_out(profile) or {c.kind for c in profile.conditions} & NO_LANDINGS:
        work = []
    if sport.season != "in":
        work.append(Work.conditioning)
    return tuple(w for w in work if RULED_OUT_BY[w] not in banned and possible(w, profile, banned))


def possible(work: Work, profile: Profile, banned: Collection[Movement]) -> bool:
    """Can this person do the work at all: some drill of it that their bans, injuries and equipment
    allow (an older soccer player with only a mat cannot sprint on impact they were told to avoid)?"""
    spared = frozenset(i.area for i in profile.injuries if i.status != "past")
    return _possible(work, spared, listed(profile), frozenset(banned))


# Memoised: the writer asks every week of every program, and the answer depends only on these.
@functools.lru_cache(maxsize=1024)
def _possible(work: Work, spared: frozenset[str], have: frozenset[Equipment] | None,
              banned: frozenset[Movement]) -> bool:
    return any(work in works(ex) and not any(rules_out(ex, m) for m in banned) and not ex.stresses & spared
               and (have is None or usable(ex, have)) for ex in EXERCISES)


def lifts_owed(profile: Profile | None, spared: Collection[str]) -> bool:
    """A weightlifter trains the snatch and the clean and jerk, unless an injury spares an area the
    lifts load or there is no barbell."""
    if not weightlifter(profile) or profile is None:
        return False
    if profile.equipment and "barbell" not in profile.equipment:
        return False
    return not set(spared) & LIFT_AREAS


def works(ex: LibraryExercise) -> frozenset[Work]:
    """What sport work an exercise is, by its catalogue tags (and a sprint by its pattern)."""
    out: set[Work] = set()
    if "change_of_direction" in ex.tags:
        out.add(Work.change_of_direction)
    elif ex.pattern is Pattern.sprint:
        out.add(Work.sprint)
    if "landing" in ex.tags:
        out.add(Work.landing)
    if "sport_conditioning" in ex.tags:
        out.add(Work.conditioning)
    return frozenset(out)


def lift_of(ex: LibraryExercise) -> str | None:
    """"snatch" or "clean_and_jerk" for the competition lifts and their derivatives."""
    return next((tag for tag in ("snatch", "clean_and_jerk") if tag in ex.tags), None)


COMPETITION_LIFTS = ("Snatch", "Clean and jerk")


def taper_week(profile: Profile | None, weeks: int, has_event: bool) -> int | None:
    """The week a taper ends in: the event's week when its date is known and the program reaches it,
    the last week for an event without a date, and None when there is nothing to taper into: no
    event, a program too short to build (under 3 weeks), or a date it does not reach or comes too
    soon to build towards (the next week). An event after the program is built towards, and the next
    program tapers into it."""
    event = profile.event if profile is not None else None
    if not has_event or weeks < 3:
        return None
    if event is None or event.in_weeks is None:
        return weeks
    return event.in_weeks if 2 <= event.in_weeks <= weeks else None


def event_after(profile: Profile | None, weeks: int) -> bool:
    """An event dated after the program ends."""
    event = profile.event if profile is not None else None
    return event is not None and event.in_weeks is not None and event.in_weeks > weeks


def planned(profile: Profile | None) -> bool:
    """Does the program plan around the profile's sport (field and court sports, weightlifting)?"""
    return field_sport(profile) is not None or weightlifter(profile)


SEASON_WORDS = {"off": " off-season", "pre": " pre-season", "in": " season"}


def sport_lines(profile: Profile | None, banned: Collection[Movement], spared: Collection[str]) -> list[str]:
    """What the program does for the sport, in a coach's words; true of the weeks by construction
    (writer/sport.py writes them) and checked by rules/sport.py."""
    sport = profile.sport if profile is not None else None
    if sport is None:
        return []
    work = owed(profile, banned)
    out: list[str] = []
    if field_sport(profile) is not None:
        named = " ".join(sport.name.split()) + SEASON_WORDS.get(sport.season or "", "")
        speed = [w.value for w in work if w is not Work.conditioning]
        if speed:
            rest = ", and conditioning intervals to finish" if Work.conditioning in work else ""
            how = ("held at a maintenance dose while games carry the load" if sport.season == "in"
                   else "building towards the season")
            out.append(f"For your {named}: {', '.join(speed[:-1])} and {speed[-1]} every week, done first while "
                       f"the legs are fresh{rest}, {how}.")
        elif Work.conditioning in work:
            out.append(f"For your {named}: conditioning intervals every week, and no sprinting, cutting or "
                       "landing drills for now.")
    if lifts_owed(profile, spared):
        out.append("Every week trains the snatch and the clean and jerk (their hang and power versions while you "
                   "learn them); any test week tests those two.")
    return out
