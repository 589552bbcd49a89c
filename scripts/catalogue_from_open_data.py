"""Derive app/coaching/data/exercises_open.toml from the facts of free-exercise-db.

    python scripts/catalogue_from_open_data.py path/to/free-exercise-db/dist/exercises.json

free-exercise-db (github.com/yuhonas/free-exercise-db) is released into the public domain (the
Unlicense). Only its facts are used: each exercise's name, equipment, level, mechanic, category and
muscles. None of its instruction texts is copied. Everything the coaching rules need and the data
does not state (movement pattern, load, whether it can be loaded heavily, landing impact, the body
areas it stresses, the flags a person's words can rule out) is derived here by rules a coach can
read, and a reviewed entry of exercises.toml always wins: an open-data exercise that the reviewed
catalogue already names (with the same equipment) is not added again.

Entries derived here are `stock = false`: the validator and the name reader know them, so a model
may prescribe them, but the built-in writer only chooses reviewed exercises.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.coaching.catalogue import CATALOGUE_FILES, LibraryExercise, load_catalogue  # noqa: E402
from app.coaching.kinds import DEFAULT_MUSCLES, Equipment, Pattern  # noqa: E402
from app.coaching.names import choose, read  # noqa: E402

# Only the reviewed catalogue counts as known: the file this script writes is never read back.
REVIEWED = load_catalogue(CATALOGUE_FILES[:1])
INDEX: dict[str, list[tuple[LibraryExercise, frozenset[Equipment]]]] = {}
for _ex in REVIEWED:
    for _name in (_ex.name, *_ex.aliases):
        INDEX.setdefault(read(_name).base, []).append((_ex, read(_name).equipment))

OUT = ROOT / "app" / "coaching" / "data" / "exercises_open.toml"
EQUIPMENT = {"barbell": "barbell", "e-z curl bar": "barbell", "dumbbell": "dumbbell", "kettlebells": "kettlebell",
             "cable": "cable", "machine": "machine", "bands": "band", "medicine ball": "med_ball",
             "body only": "bodyweight", None: "bodyweight"}
# "other" equipment, read from the name; anything else ("other" strongman implements, stability
# balls, foam rollers) is left out: no equipment list a person gives us names it.
OTHER = (("sled", "sled"), ("prowler", "sled"), ("trap bar", "trap_bar"), ("box", "box"), ("band", "band"),
         ("pull-up", "bar"), ("pullup", "bar"), ("chin-up", "bar"), ("chin up", "bar"), ("hanging", "bar"),
         ("bike", "machine"), ("treadmill", "machine"), ("rowing", "machine"), ("elliptical", "machine"),
         ("stair", "machine"), ("jump rope", "bodyweight"), ("rope jumping", "bodyweight"),
         ("bodyweight", "bodyweight"), ("plate", "dumbbell"))
MUSCLES = {"quadriceps": "quads", "shoulders": "shoulders", "abdominals": "core", "chest": "chest",
           "hamstrings": "hamstrings", "triceps": "triceps", "biceps": "biceps", "lats": "back",
           "middle back": "back", "traps": "back", "calves": "calves", "glutes": "glutes", "abductors": "glutes",
           "lower back": "core"}
LEVEL = {"beginner": 1, "intermediate": 2, "expert": 3}

# Name patterns, first match wins: what the movement is, whatever it is loaded with.
PATTERN_WORDS: tuple[tuple[str, str], ...] = (
    (r"stretch|smr|mobility|circles?\b|\bpose\b|yoga|foam", "mobility"),
    (r"sprint", "sprint"),
    (r"snatch|clean|jerk|swing|high pull", "olympic"),
    (r"throw|slam|toss|chest pass|wall ball", "throw"),
    (r"carry|farmer|suitcase walk|yoke|waiter", "carry"),
    (r"jump|hop\b|hops\b|bound|skip\b|skips\b|plyo|depth", "jump"),
    (r"calf|calves|soleus|toe raise|tibialis", "calves"),
    (r"leg extension|knee extension", "quads"),
    (r"leg curl|hamstring curl|glute.ham|nordic", "hamstrings"),
    (r"hip thrust|glute bridge|hip bridge|kickback.*glute|glute kickback|donkey kick|fire hydrant|hip abduct"
     r"|hip extension|clam", "glutes"),
    (r"lunge|split squat|step.up|pistol|single.leg squat|bulgarian", "lunge"),
    (r"squat|leg press|hack|sissy|wall sit", "squat"),
    (r"deadlift|good ?morning|hyperextension|back extension|rdl|romanian|pull.through|rack pull|hip hinge",
     "hinge"),
    (r"pull.?up|chin.?up|pulldown|pull-down|muscle.up|rope climb", "v_pull"),
    (r"upright row|shrug", "delts"),
    (r"\brows?\b|rowing|face pull|inverted row|t-bar|seal row|renegade", "h_pull"),
    (r"fly|flye|crossover|pec deck|butterfly", "chest_fly"),
    (r"bench press|push.?up|chest press|floor press|dip|incline press|decline press|svend|pushup", "h_push"),
    (r"overhead press|shoulder press|military press|push press|arnold|landmine press|z press|handstand", "v_push"),
    (r"lateral raise|front raise|rear delt|side lateral|upright row|shrug|external rotation|internal rotation"
     r"|y.raise|reverse fly|band pull.apart|delt", "delts"),
    (r"curl", "biceps"),
    (r"triceps?|skull|pushdown|press.?down|kickback|french press|close.grip", "triceps"),
    (r"crunch|sit.?up|plank|leg raise|knee raise|ab roll|rollout|twist|woodchop|wood chop|pallof|v.up"
     r"|dead bug|bird dog|hollow|side bend|flutter|jackknife|mountain climber|windshield|l-sit|ab ", "core"),
    (r"walk|jog|run|bike|bicycl|row(ing)? machine|elliptical|stair|treadmill|rope jump|jump rope|cardio",
     "conditioning"),
)
BY_MUSCLE = {"quads": "squat", "glutes": "glutes", "hamstrings": "hinge", "chest": "h_push", "back": "h_pull",
             "shoulders": "delts", "biceps": "biceps", "triceps": "triceps", "calves": "calves", "core": "core"}


def equipment_of(record: dict[str, Any]) -> str | None:
    name = record["name"].lower()
    if record["equipment"] == "other":
        return next((kind for word, kind in OTHER if word in name), None)
    if record["equipment"] in ("exercise ball", "foam roll"):
        return None
    if "smith" in name or "lever" in name:
        return "machine"
    if "trap bar" in name or "hex bar" in name:
        return "trap_bar"
    return EQUIPMENT.get(record["equipment"])


def pattern_of(record: dict[str, Any], muscles: list[str]) -> str | None:
    name = record["name"].lower()
    if record["category"] == "stretching":
        return "mobility"
    if record["category"] == "cardio":
        return "conditioning"
    for rx, pattern in PATTERN_WORDS:
        if re.search(rx, name):
            if pattern == "biceps" and muscles and muscles[0] == "hamstrings":
                return "hamstrings"
            return pattern
    if record["category"] == "plyometrics":
        return "jump"
    if record["category"] == "olympic weightlifting":
        return "olympic"
    return BY_MUSCLE.get(muscles[0]) if muscles else None


def stresses_of(pattern: str, name: str, equipment: str, flags: dict[str, bool]) -> list[str]:
    """The body areas an exercise loads: what a current injury of that area rules out."""
    areas = {
        "squat": {"knee", "hip"}, "lunge": {"knee", "hip", "ankle_foot"}, "hinge": {"lower_back", "hip"},
        "h_push": {"shoulder", "elbow", "wrist_hand"}, "v_push": {"shoulder", "elbow", "wrist_hand"},
        "h_pull": {"shoulder", "elbow"}, "v_pull": {"shoulder", "elbow", "wrist_hand"}, "core": set(),
        "carry": {"wrist_hand", "lower_back"}, "jump": {"knee", "ankle_foot", "hip"},
        "throw": {"shoulder", "elbow", "wrist_hand"},
        "olympic": {"lower_back", "shoulder", "wrist_hand", "knee", "hip"},
        "sprint": {"knee", "ankle_foot", "hip"}, "biceps": {"elbow", "wrist_hand"}, "triceps": {"elbow", "wrist_hand"},
        "delts": {"shoulder"}, "chest_fly": {"shoulder", "elbow"}, "quads": {"knee"}, "hamstrings": {"knee"},
        "glutes": {"hip"}, "calves": {"ankle_foot"}, "mobility": set(), "conditioning": set(),
    }[pattern]
    if equipment in ("barbell", "machine") and pattern == "squat" and "leg press" not in name:
        areas.add("lower_back")
    if flags.get("flexion"):
        areas.add("lower_back")
    if flags.get("overhead") or "shrug" in name:
        areas.add("neck" if "shrug" in name else "shoulder")
    if pattern == "core" and "plank" in name:
        areas |= {"shoulder", "wrist_hand"}
    return sorted(areas)


def entry(record: dict[str, Any]) -> dict[str, Any] | None:
    kind = equipment_of(record)
    if kind is None:
        return None
    muscles = list(dict.fromkeys(MUSCLES[m] for m in record["primaryMuscles"] if m in MUSCLES))
    pattern = pattern_of(record, muscles)
    if pattern is None:
        return None
    name, low = record["name"], record["name"].lower()
    if record["mechanic"] != "isolation":
        defaults = [m.name for m in DEFAULT_MUSCLES[Pattern[pattern]]]
        muscles = list(dict.fromkeys([*muscles[:1], *defaults]))[:3]
    muscles = muscles[:3] if muscles else [m.name for m in DEFAULT_MUSCLES[Pattern[pattern]]]
    impact = "none"
    if pattern == "jump":
        impact = "high" if re.search(r"depth|bound|drop|hurdle|single.leg|one.leg", low) else "moderate"
    elif pattern == "sprint" or re.search(r"\brun|jog|jump rope|rope jump|skip", low):
        impact = "moderate"
    flags = {
        "deep": pattern == "squat" and not re.search(r"box|partial|quarter|half|leg press|wall|bench|to a", low)
        and kind in ("barbell", "dumbbell", "kettlebell"),
        "flexion": bool(re.search(r"crunch|sit.?up|v.up|toe touch|jefferson|jackknife|leg raise|knee raise", low)),
        "lying": bool(re.search(r"lying|bench press|floor press|bridge|supine|prone|crunch|sit.?up|skull|pullover"
                                r"|dead bug|flat bench|decline|incline bench|fly|flye", low)),
        "overhead": pattern in ("v_push",) or bool(re.search(r"overhead|snatch|jerk|behind the neck", low)),
    }
    needs = []
    if re.search(r"bench|incline|decline|seated", low) and kind in ("barbell", "dumbbell") and pattern in (
            "h_push", "chest_fly", "triceps", "biceps", "delts", "v_push", "glutes"):
        needs.append("bench")
    if (pattern == "v_pull" and kind in ("bodyweight", "band")) or re.search(r"hanging", low):
        needs.append("bar")
    heavy = None
    if kind in ("dumbbell", "kettlebell") and pattern in ("squat", "hinge", "h_push", "v_push", "h_pull", "lunge"):
        heavy = record["mechanic"] == "compound" and not re.search(r"goblet|one.arm|single", low)
    if kind == "band" or record["mechanic"] == "isolation" or pattern in ("mobility", "core", "conditioning"):
        heavy = False
    equipment = [kind]
    out: dict[str, Any] = {"name": name, "pattern": pattern, "equipment": equipment,
                           "tier": LEVEL[record["level"]]}
    if needs:
        out["needs"] = needs
    out["muscles"] = muscles
    if heavy is not None:
        out["heavy"] = heavy
    if record["mechanic"] == "isolation" or pattern in ("mobility", "conditioning"):
        out["compound"] = False
    if impact != "none":
        out["impact"] = impact
    if pattern in ("jump", "sprint") or flags["deep"] or (pattern == "quads"):
        out["knee_friendly"] = False
    if pattern in ("hinge", "olympic") or (pattern == "squat" and kind in ("barbell", "machine")
                                           and "leg press" not in low) or flags["flexion"]:
        out["spine_friendly"] = False
    if flags["overhead"] or re.search(r"dip|upright row|behind the neck|bench press|pullover", low):
        out["shoulder_friendly"] = False
    for flag in ("deep", "flexion", "lying", "overhead"):
        if flags[flag]:
            out[flag] = True
    out["stock"] = False
    if re.search(r"each|one.arm|one.leg|single|alternat", low) and pattern not in ("mobility", "conditioning"):
        out["unit"] = "per_side"
    out["stresses"] = stresses_of(pattern, low, kind, flags)
    out["source"] = "free-exercise-db"
    return out


def already_known(name: str) -> bool:
    reading = read(name)
    pairs = INDEX.get(reading.base)
    return pairs is not None and choose(pairs, reading.equipment) is not None


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(v) for v in value) + "]"
    return json.dumps(value)


def main(path: str) -> None:
    records = json.loads(Path(path).read_text())
    known = {ex.name.lower() for ex in REVIEWED}
    out, skipped, dup = [], 0, 0
    seen: set[tuple[str, frozenset[Equipment]]] = set()
    for record in sorted(records, key=lambda r: r["name"].lower()):
        e = entry(record)
        if e is None:
            skipped += 1
            continue
        reading = read(record["name"])
        key = (reading.base, reading.equipment or frozenset({Equipment[e["equipment"][0]]}))
        if record["name"].lower() in known or already_known(record["name"]) or key in seen:
            dup += 1
            continue
        seen.add(key)
        out.append(e)
    lines = ["# Exercises derived from the facts of free-exercise-db (public domain, the Unlicense) by",
             "# scripts/catalogue_from_open_data.py: names, equipment, level, mechanic and muscles from the data;",
             "# pattern, load, impact, stresses and flags by the rules in that script. Known to the validator and",
             "# the name reader, never chosen by the built-in writer (stock = false). Regenerate rather than edit;",
             "# to review one by hand, move it to exercises.toml.", ""]
    for e in out:
        lines.append("[[exercise]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in e.items()]
        lines.append("")
    OUT.write_text("\n".join(lines))
    print(f"{len(records)} records: {len(out)} added, {dup} already in the reviewed catalogue, {skipped} left out")


if __name__ == "__main__":
    main(sys.argv[1])
