"""The profile (issue 24) in the terms today's writer and validator know: `Constraints`.

A bridge until issue 25 makes the writer and the validator use the profile itself. It adds what the
profile says to what `read_constraints` found in the words, on the cautious side: an injury or a
condition either names is kept, with the bans that come with it, unless the profile names the same
area only as a past injury (its reading tells healed from current; the words' patterns do not).
The profile's equipment, when given, is what the person has. Profile items the old terms cannot
say (an elbow, an ankle) are read from the profile itself by the writer and the rules; so is the
emphasis on muscle groups (app/coaching/emphasis.py), which is not bridged here.
"""

from __future__ import annotations

import re

from app.coaching.kinds import Equipment, Movement
from app.coaching.policy import CAUTION_AGE
from app.coaching.profile import EquipmentName, Profile
from app.coaching.words import (
    MOVEMENT_WORDS,
    Ban,
    Constraints,
    EventKind,
    Injury,
    Population,
)

E = Equipment
EQUIPMENT: dict[EquipmentName, tuple[Equipment, ...]] = {
    "barbell": (E.barbell,), "squat_rack": (E.barbell, E.rack), "bench": (E.bench,), "dumbbells": (E.dumbbell,),
    "kettlebell": (E.kettlebell,), "resistance_bands": (E.band,), "pull_up_bar": (E.bar,), "cable": (E.cable,),
    "machines": (E.machine,), "trap_bar": (E.trap_bar,), "plyo_box": (E.box,), "medicine_ball": (E.med_ball,),
    "sled": (E.sled,), "cardio_machine": (), "bodyweight": (E.bodyweight,),
}
INJURIES: dict[str, tuple[Injury, str, tuple[Movement, ...]]] = {
    "knee": (Injury.knee, "your knees", (Movement.knee_stress, Movement.impact)),
    "lower_back": (Injury.back, "your back", (Movement.axial_loading, Movement.spinal_flexion)),
    "shoulder": (Injury.shoulder, "your shoulder", (Movement.shoulder_stress,)),
}
CONDITIONS: dict[str, tuple[Population, str, tuple[Movement, ...]]] = {
    "pregnancy": (Population.pregnant, "pregnancy",
                  (Movement.impact, Movement.lying, Movement.spinal_flexion, Movement.axial_loading)),
    "postpartum": (Population.postpartum, "recovery after birth", (Movement.impact, Movement.spinal_flexion)),
}
MEDICAL = (Population.medical, "a medical condition", (Movement.high_impact,))
EVENTS = {"competition": EventKind.meet, "show": EventKind.show, "season": EventKind.season,
          "tryout": EventKind.season, "race": EventKind.race, "test": EventKind.test}


def with_profile(c: Constraints, profile: Profile | None) -> Constraints:
    if profile is None or profile.is_empty():
        return c
    bans = {b.movement: b.because for b in c.bans}
    injuries = list(c.injuries)
    # The profile's reading knows when an injury is past ("ACL reconstruction two years ago"); the
    # words' older patterns do not. Where the profile names an area only as healed, its word-read
    # injury and bans go: the person asked to jump again, and nothing says the knee hurts now.
    for area, (healed, why, _) in INJURIES.items():
        said = [i for i in profile.injuries if i.area == area]
        if said and all(i.status == "past" for i in said) and healed in injuries:
            injuries.remove(healed)
            bans = {m: because for m, because in bans.items() if because != why}
    populations = list(c.populations)

    def add(found: list[Injury] | list[Population], item: Injury | Population, why: str,
            movements: tuple[Movement, ...]) -> None:
        if item not in found:
            found.append(item)  # type: ignore[arg-type]
        for m in movements:
            bans.setdefault(m, why)

    for injury in profile.injuries:
        if injury.status != "past" and injury.area in INJURIES:
            add(injuries, *INJURIES[injury.area])
    for condition in profile.conditions:
        add(populations, *CONDITIONS.get(condition.kind, MEDICAL))
    if profile.age is not None and profile.age >= CAUTION_AGE:
        add(populations, Population.older, "joints that deserve a gentle start", (Movement.impact,))
    for words in profile.avoid:
        for movement, rx in MOVEMENT_WORDS:
            if re.search(rx, words.lower()):
                bans.setdefault(movement, "you asked to leave them out")
                break
    equipment = c.equipment
    if profile.equipment:
        have = {E.bodyweight} | {e for name in profile.equipment for e in EQUIPMENT[name]}
        equipment = tuple(sorted(have))
    event = c.event if profile.event is None else EVENTS.get(profile.event.kind, c.event)
    return c.model_copy(update={
        "equipment": equipment, "bans": tuple(Ban(movement=m, because=why) for m, why in bans.items()),
        "injuries": tuple(injuries), "populations": tuple(populations),
        "age": profile.age if profile.age is not None else c.age,
        "event": event,
    })
