"""What the coach heard about the person, as the service's profile (issue 24), and what it says of it.

The agent speaks HTTP and imports nothing from the service, so the profile's names and values are
restated here (the API refuses anything else with a 422 naming the field). The generation tool
takes these fields from the conversation; this module builds the request's `profile`, the one
sentence the coach says back before starting, the question a pre-participation screen (PAR-Q+,
the ACSM algorithm) asks when a safety item comes up, and what to say of words the service could
not place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

EquipmentName = Literal[
    "barbell", "squat_rack", "bench", "dumbbells", "kettlebell", "resistance_bands", "pull_up_bar", "cable",
    "machines", "trap_bar", "plyo_box", "medicine_ball", "sled", "cardio_machine", "bodyweight",
]
Area = Literal["neck", "shoulder", "elbow", "wrist_hand", "upper_back", "lower_back", "hip", "knee", "ankle_foot"]
ConditionKind = Literal["pregnancy", "postpartum", "hypertension", "diabetes", "heart_condition", "asthma",
                        "osteoporosis", "arthritis", "post_viral_fatigue", "other"]
MuscleGroup = Literal["chest", "back", "shoulders", "arms", "quads", "glutes", "hamstrings", "calves", "core"]
Season = Literal["off", "pre", "in"]
EventKind = Literal["competition", "race", "show", "season", "tryout", "test", "wedding", "holiday", "other"]
YOUNG, OLD = 18, 65  # ages a pre-participation screen asks a doctor's clearance for


class InjuryArg(BaseModel):
    area: Area
    side: Literal["left", "right", "both"] | None = None
    status: Literal["current", "recovering", "past"] = "current"
    words: str | None = Field(default=None, description="What the person said about it.")


class ConditionArg(BaseModel):
    kind: ConditionKind
    words: str | None = Field(default=None, description="What the person said about it.")


def profile_body(*, age: int | None = None, minutes_per_session: int | None = None,
                 equipment: Sequence[str] | None = None, injuries: Sequence[InjuryArg] | None = None,
                 conditions: Sequence[ConditionArg] | None = None, sport_name: str | None = None,
                 sport_season: str | None = None, event_kind: str | None = None, event_in_weeks: int | None = None,
                 emphasis: Sequence[str] | None = None, de_emphasis: Sequence[str] | None = None,
                 avoid: Sequence[str] | None = None, cleared_by_clinician: bool | None = None) -> dict[str, Any]:
    """The request's `profile`: only what was heard (an empty field is left to the words)."""
    body: dict[str, Any] = {
        "age": age, "minutes_per_session": minutes_per_session, "equipment": list(equipment or []),
        "injuries": [i.model_dump(exclude_none=True) for i in injuries or []],
        "conditions": [c.model_dump(exclude_none=True) for c in conditions or []],
        "sport": {"name": sport_name, "season": sport_season} if sport_name else None,
        "event": {"kind": event_kind, "in_weeks": event_in_weeks} if event_kind else None,
        "emphasis": list(emphasis or []), "de_emphasis": list(de_emphasis or []), "avoid": list(avoid or []),
        "cleared_by_clinician": cleared_by_clinician,
    }
    return {k: v for k, v in body.items() if v not in (None, [], {})}


def _area(area: str) -> str:
    return {"wrist_hand": "wrist", "ankle_foot": "ankle", "lower_back": "lower back",
            "upper_back": "upper back"}.get(area, area)


def _and(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _injury(i: Mapping[str, Any]) -> str:
    side = i.get("side")
    where = f"{'both' if side == 'both' else 'your ' + side if side else 'your'} {_area(i['area'])}"
    where = where + "s" if side == "both" else where
    return {"past": f"keep an eye on {where}", "recovering": f"build {where} back up gently"}.get(
        i.get("status") or "current", f"go easy on {where}")


def told_back(profile: Mapping[str, Any]) -> str:
    """One sentence of what was understood: "45 minutes, dumbbells and a bench, and we'll go easy on
    your left shoulder." Empty when nothing beyond the basics was heard."""
    parts: list[str] = []
    if profile.get("age") is not None:
        parts.append(f"you're {profile['age']}")
    if profile.get("minutes_per_session"):
        parts.append(f"{profile['minutes_per_session']} minutes a session")
    if profile.get("equipment"):
        parts.append(_and([e.replace("_", " ") for e in profile["equipment"]]))
    if profile.get("sport"):
        season = {"off": "off-season", "pre": "pre-season", "in": "in season"}.get(profile["sport"].get("season"))
        parts.append(f"{profile['sport']['name']}{', ' + season if season else ''}")
    if profile.get("event"):
        weeks = profile["event"].get("in_weeks")
        parts.append(f"your {profile['event']['kind'].replace('_', ' ')}"
                     + (f" in {weeks} weeks" if weeks is not None else ""))
    if profile.get("emphasis"):
        parts.append(f"extra work for your {_and(profile['emphasis'])}")
    if profile.get("de_emphasis"):
        parts.append(f"less {_and(profile['de_emphasis'])}")
    if profile.get("avoid"):
        parts.append(f"no {_and(profile['avoid'])}")
    care = [_injury(i) for i in profile.get("injuries") or []]
    care += [f"keep your {c['kind'].replace('_', ' ')} in mind" for c in profile.get("conditions") or []
             if c["kind"] != "other"]
    care += [f"keep in mind what you told me ({c['words']})" for c in profile.get("conditions") or []
             if c["kind"] == "other" and c.get("words")]
    if care:
        parts.append("and we'll " + _and(care))
    if not parts:
        return ""
    sentence = ", ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


def safety_items(profile: Mapping[str, Any]) -> list[str]:
    """What calls for a clinician's clearance: a current injury, a condition, pregnancy, age under
    18 or over 65."""
    items = [f"your {_area(i['area'])}" for i in profile.get("injuries") or [] if i.get("status", "current") ==
             "current"]
    items += [c.get("words") or c["kind"].replace("_", " ") for c in profile.get("conditions") or []]
    age = profile.get("age")
    if age is not None and (age < YOUNG or age > OLD):
        items.append(f"being {age}")
    return items


def clearance_question(items: Sequence[str]) -> str:
    return ("The program was not started yet. Because of " + _and(list(items)) + ", ask the person once, "
            "kindly, the way a pre-exercise screen would: has a doctor or physiotherapist said it's fine for "
            "them to train? Then call generate_workout_program again with the same details and "
            "cleared_by_clinician true or false, or null if they don't know. Don't ask again after that.")


def unplaced_line(unplaced: Sequence[Mapping[str, Any]]) -> str:
    words = _and([f"\"{u.get('words', '')}\"" for u in unplaced])
    return (f"Not understood: the service could not place {words}, so the program does not take it into "
            "account. Ask the person briefly what they meant, or tell them it was not taken into account.")
