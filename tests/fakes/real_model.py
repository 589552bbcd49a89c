"""A fake model that writes the way real models do, for FakeOpenAI (tests/fakes/openai_server.py):
the second writer beside CoachModel (tests/fakes/coach_model.py), which re-encodes the built-in
engine's own program and so only ever tests the engine against programs it wrote itself.

This one knows nothing of the built-in engine. It builds a plausible program the way a model
does: a split for the days per week, each day from movement patterns, each pattern filled from an
exercise list for the equipment the person's words name ("only dumbbells and a bench"), varied
from block to block. It writes:

* names in the spellings real models and apps use: "Bench Press (Dumbbell)", "DB Romanian
  Deadlift", "Walking Lunges - each leg", "Pushups", "Lat Pulldown", "Barbell Back Squat";
* prescriptions in several formats: "3 x 10", "3 sets of 10", "4x8-10 RPE 8" (no "@"), and the
  engine's own "4x8-10 @ RPE 8";
* sets from the goal and level, not counted against each muscle's weekly band, so volumes land
  a few sets off it, as a model's do.

On a repair turn it does what a careful model does: every prescription in the asked format, each
name the problems quote replaced by the catalogue's spelling of the same exercise, and, told a day
has no heavy lift, its first compounds in low reps, or a lift the problem suggests when none of
its own can be loaded. It does not act on volumes it is told are off.

    fake = FakeOpenAI(default=RealModel(), pace=Pace())
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from typing import Any

from tests.fakes.coach_model import data, is_repair, schema_name
from tests.fakes.openai_server import Reply, Request, Text


@dataclass(frozen=True)
class Move:
    pattern: str
    spelled: str  # as a model writes it
    canonical: str  # the catalogue's name for the same exercise and equipment (used on repair)
    kit: str  # "gym" (barbell, machine, cable, bar), "db" (dumbbells and a bench), "bw" (body weight)
    compound: bool = True


def _moves(pattern: str, kit: str, compound: bool, *pairs: tuple[str, str]) -> list[Move]:
    return [Move(pattern, s, c, kit, compound) for s, c in pairs]


MOVES: list[Move] = [
    *_moves("squat", "gym", True, ("Barbell Back Squat", "Back squat"), ("Leg Press", "Leg press"),
            ("Front Squat (Barbell)", "Front squat")),
    *_moves("squat", "db", True, ("Goblet Squat (Dumbbell)", "Goblet squat"),
            ("Dumbbell Front Squat", "Dumbbell front squat"),
            ("Heel Elevated DB Squat", "Heel-elevated dumbbell squat")),
    *_moves("squat", "bw", True, ("Bodyweight Squats", "Bodyweight box squat")),
    *_moves("hinge", "gym", True, ("BB RDL", "Romanian deadlift"), ("Deadlift (Barbell)", "Conventional deadlift"),
            ("Trap Bar Deadlift", "Trap-bar deadlift")),
    *_moves("hinge", "db", True, ("DB Romanian Deadlift", "Dumbbell Romanian deadlift"),
            ("Romanian Deadlift with dumbbells", "Dumbbell Romanian deadlift"),
            ("Dumbbell Hip Thrust", "Dumbbell hip thrust")),
    *_moves("hinge", "bw", True, ("Glute Bridges", "Glute bridge")),
    *_moves("hpush", "gym", True, ("Bench Press (Barbell)", "Barbell bench press"),
            ("Machine Chest Press", "Machine chest press"), ("Incline Bench Press", "Incline barbell bench press")),
    *_moves("hpush", "db", True, ("Bench Press (Dumbbell)", "Dumbbell bench press"),
            ("Incline Dumbbell Press", "Incline dumbbell press"), ("DB Bench Press", "Dumbbell bench press")),
    *_moves("hpush", "bw", True, ("Pushups", "Push-up")),
    *_moves("vpush", "gym", True, ("Overhead Press (Barbell)", "Standing overhead press"),
            ("Machine Shoulder Press", "Machine shoulder press")),
    *_moves("vpush", "db", True, ("Seated Dumbbell Shoulder Press", "Seated dumbbell shoulder press"),
            ("Arnold Press (Dumbbell)", "Arnold press")),
    *_moves("vpush", "bw", True, ("Pike Pushups", "Pike push-up")),
    *_moves("hpull", "gym", True, ("Seated Cable Row", "Seated cable row"), ("Barbell Row", "Barbell bent-over row"),
            ("T-Bar Row", "Barbell bent-over row")),
    *_moves("hpull", "db", True, ("One Arm Dumbbell Row", "One-arm dumbbell row"),
            ("Chest Supported DB Row", "Chest-supported dumbbell row")),
    *_moves("vpull", "gym", True, ("Lat Pulldown", "Lat pulldown"), ("Pull Ups", "Pull-up"),
            ("Neutral Grip Lat Pulldown", "Neutral-grip pulldown")),
    *_moves("vpull", "db", True, ("Dumbbell Pullover", "Dumbbell pullover")),
    *_moves("lunge", "gym", True, ("Barbell Reverse Lunge", "Barbell reverse lunge")),
    *_moves("lunge", "db", True, ("Walking Lunges - each leg", "Walking lunge"),
            ("Bulgarian Split Squat (Dumbbell)", "Bulgarian split squat"), ("DB Step Ups", "Step-up"),
            ("Reverse Lunge with dumbbells, each leg", "Dumbbell reverse lunge")),
    *_moves("lunge", "bw", True, ("Split Squats per side", "Split squat")),
    *_moves("biceps", "gym", False, ("Barbell Curl", "Barbell curl"), ("Cable Curl", "Cable or band curl")),
    *_moves("biceps", "db", False, ("Hammer Curls", "Hammer curl"), ("Dumbbell Bicep Curl", "Dumbbell curl"),
            ("Incline Dumbbell Curl", "Incline dumbbell curl")),
    *_moves("triceps", "gym", False, ("Tricep Pushdown", "Triceps pushdown, cable or band"),
            ("Skullcrusher", "Skull crusher")),
    *_moves("triceps", "db", False, ("Overhead Dumbbell Tricep Extension", "Overhead dumbbell triceps extension"),
            ("Skull Crushers (Dumbbell)", "Skull crusher")),
    *_moves("triceps", "bw", False, ("Close Grip Pushups", "Close-grip push-up")),
    *_moves("delts", "gym", False, ("Cable Lateral Raise", "Cable lateral raise"), ("Face Pulls", "Face pull")),
    *_moves("delts", "db", False, ("Lateral Raises", "Dumbbell lateral raise"),
            ("Rear Delt Flyes", "Rear-delt dumbbell fly")),
    *_moves("chest", "gym", False, ("Cable Flyes", "Cable fly"), ("Pec Deck", "Machine fly")),
    *_moves("chest", "db", False, ("Dumbbell Flyes", "Dumbbell fly")),
    *_moves("hams", "gym", False, ("Lying Leg Curl", "Lying leg curl"), ("Seated Leg Curl", "Seated leg curl")),
    *_moves("hams", "db", False, ("Single Leg RDL (Dumbbell)", "Single-leg Romanian deadlift")),
    *_moves("quads", "gym", False, ("Leg Extension", "Leg extension")),
    *_moves("calves", "gym", False, ("Standing Calf Raise", "Standing calf raise"),
            ("Seated Calf Raise", "Seated calf raise")),
    *_moves("calves", "bw", False, ("Single Leg Calf Raises", "Single-leg calf raise")),
    *_moves("core", "gym", False, ("Hanging Leg Raises", "Hanging leg raise"), ("Cable Crunch", "Cable crunch")),
    *_moves("core", "bw", False, ("Plank", "Front plank"), ("Dead Bugs", "Dead bug")),
    *_moves("power", "gym", True, ("Box Jumps", "Box jump"), ("Hang Power Clean", "Hang power clean")),
    *_moves("power", "db", True, ("Dumbbell Snatch", "Single-arm dumbbell snatch")),
    *_moves("power", "bw", True, ("Jump Squats", "Countermovement jump"), ("Broad Jumps", "Broad jump")),
]
CANONICAL = {m.spelled: m.canonical for m in MOVES}

UPPER = ["hpush", "hpull", "vpush", "vpull", "biceps", "triceps", "delts"]
LOWER = ["squat", "hinge", "lunge", "hams", "calves", "core"]
PUSH = ["hpush", "vpush", "chest", "delts", "triceps"]
PULL = ["vpull", "hpull", "hinge", "delts", "biceps"]
LEGS = ["squat", "lunge", "hams", "quads", "calves"]
FULL = ["squat", "hpush", "hpull", "hinge", "vpush", "core"]
SPLITS: dict[int, list[tuple[str, list[str]]]] = {
    1: [("Full Body", FULL)],
    2: [("Full Body A", FULL), ("Full Body B", ["hinge", "vpush", "vpull", "lunge", "hpush", "core"])],
    3: [("Full Body A", FULL), ("Full Body B", ["hinge", "vpush", "vpull", "lunge", "biceps", "core"]),
        ("Full Body C", ["squat", "hpush", "hpull", "hams", "triceps", "calves"])],
    4: [("Upper A", UPPER), ("Lower A", LOWER), ("Upper B", UPPER), ("Lower B", LOWER)],
    5: [("Upper", UPPER), ("Lower", LOWER), ("Push", PUSH), ("Pull", PULL), ("Legs", LEGS)],
    6: [("Push", PUSH), ("Pull", PULL), ("Legs", LEGS)] * 2,
    7: [("Push", PUSH), ("Pull", PULL), ("Legs", LEGS)] * 2 + [("Full Body", FULL)],
}
QUOTED = re.compile(r"'([^']+)'|\"([^\"]+)\"")


def kit_of(goal_raw: str) -> list[str]:
    """The equipment a model reads in the person's words, most specific first."""
    words = goal_raw.lower()
    if "dumbbell" in words and any(w in words for w in ("only", "just", "home", "nothing but")):
        return ["db", "bw"]
    if any(w in words for w in ("no equipment", "bodyweight", "body weight")):
        return ["bw"]
    return ["gym", "db", "bw"]


def heard_in(goal_raw: str) -> dict[str, Any]:
    """What this model hears in the words, in the profile's terms: a crude reading of its own (an age,
    minutes a session, a joint that hurts), so a test sees its reading merged with the reader's."""
    words = goal_raw.lower()
    age = re.search(r"\bi'?m (\d{2})\b", words)
    minutes = re.search(r"\b(\d{2,3})[- ]minute", words)
    hurts = re.finditer(r"\bmy (?:(left|right) )?(knee|shoulder|elbow)s? (?:hurts|is sore|aches)", words)
    return {"injuries": [{"area": m.group(2), "side": m.group(1), "status": "current", "words": m.group(0)}
                         for m in hurts],
            "conditions": [{"kind": "asthma", "words": "asthma"}] if "asthma" in words else [],
            "age": int(age.group(1)) if age else None,
            "minutes_per_session": int(minutes.group(1)) if minutes else None}


def _loadable(move: Move) -> bool:
    """What a model knows of a lift: a dumbbell split squat or bench press can be loaded for low reps,
    a goblet squat cannot (the catalogue says which, as the exercise list it is given does)."""
    from app.coaching.catalogue import heavy_with
    from app.coaching.kinds import Equipment
    from app.coaching.names import lookup

    entry = lookup(move.canonical)
    kit = {Equipment.dumbbell, Equipment.bench, Equipment.bodyweight} if move.kit == "db" else {Equipment.bodyweight}
    return entry is not None and heavy_with(entry, kit)


def _lead_heavy(moves: list[Move], named: set[str], kits: list[str]) -> list[Move]:
    """The day as it was if its first two lifts can be loaded; else led by a loadable lift the
    problems quote, the day's own pattern first, in place of that pattern's lift."""
    if any(m.compound and _loadable(m) for m in moves[:2]):
        return moves
    quoted = [m for m in MOVES if m.canonical in named and m.kit in kits and m.compound and _loadable(m)]
    patterns = [m.pattern for m in moves]
    quoted.sort(key=lambda m: patterns.index(m.pattern) if m.pattern in patterns else len(patterns))
    if not quoted:
        return moves
    lead = quoted[0]
    return [lead, *(m for m in moves if m.pattern != lead.pattern)]


def _pick(pattern: str, kits: list[str], turn: int, taken: set[str], main: bool) -> Move | None:
    """A day's main lifts come from the heaviest kit the person has; the rest vary across it, body
    weight only where nothing else fits (a full gym's squat is never a bodyweight squat)."""
    of = [[m for m in MOVES if m.pattern == pattern and m.kit == k] for k in kits]
    options = [m for ms in (of[:1] if main else of[:-1] if len(of) > 1 else of) for m in ms] or \
        [m for ms in of for m in ms]
    for i in range(len(options)):
        move = options[(turn + i) % len(options)]
        if move.spelled not in taken:
            return move
    return None


def _fmt(name: str, sets: int, reps: str, rpe: float, canonical: bool) -> str:
    rpe_s = f"{rpe:g}"
    style = 0 if canonical else zlib.crc32(name.encode()) % 4
    if style == 1:
        return f"{sets} x {reps}"
    if style == 2:
        return f"{sets} sets of {reps}"
    if style == 3:
        return f"{sets}x{reps} RPE {rpe_s}"
    return f"{sets}x{reps} @ RPE {rpe_s}"


class RealModel:
    """The responder: the plan, a block, or the whole program (the single strategy)."""

    def __call__(self, request: Request) -> Reply:
        found = data(request)
        inputs = found["request"]
        kind = schema_name(request)
        if kind == "training_plan":
            return Text(json.dumps(self.plan(inputs)))
        repair = is_repair(request)
        problems = str(request.messages[-1].get("content") or "") if repair else ""
        if kind == "training_block":
            plan, spec = found["plan"], found["block to write"]
            return Text(json.dumps(self.block(inputs, plan, int(spec["index"]), repair, problems)))
        return Text(json.dumps(self.program(inputs, repair, problems)))

    # ---- the plan

    def plan(self, r: dict[str, Any]) -> dict[str, Any]:
        weeks, days, level, goal = r["duration_weeks"], r["days_per_week"], r["fitness_level"], r["goal_category"]
        blocks = _spans(weeks)
        deloads = [w for w in range(4, weeks, 4)] if weeks >= 6 and level != "beginner" else []
        split = SPLITS[days]
        style = {1: "Full Body", 2: "Full Body", 3: "Full Body", 4: "Upper/Lower", 5: "Upper/Lower/PPL"}.get(
            days, "Push/Pull/Legs")
        kits = kit_of(r["goal_raw"])
        lighter = ", with a lighter week every fourth week" if deloads else ""
        effort = "Effort is rated from one to ten, where ten means no rep left. " if level == "beginner" else ""
        summary = (f"Over {weeks} weeks you train {days} day{'s' if days > 1 else ''} a week on a {style.lower()} "
                   f"split. {effort}Each block builds on the last{lighter}.")
        equipment = ["dumbbells", "bench"] if kits[0] == "db" else ["bodyweight"] if kits[0] == "bw" else []
        return {
            "heard": heard_in(r["goal_raw"]),
            "name": f"{weeks}-Week {style} {goal.title()}"[:120], "summary": summary,
            "blocks": [{"weeks": f"{a}-{b}" if b > a else str(a),
                        "focus": ("Accumulation: volume at moderate effort", "Intensification: heavier, fewer reps",
                                  "Realization: peak strength")[i % 3]} for i, (a, b) in enumerate(blocks)],
            "deload_weeks": deloads,
            "split": [{"day": i + 1, "name": name} for i, (name, _) in enumerate(split)],
            "constraints": {"avoid": [], "equipment": equipment, "cautions": [], "event": ""},
            "description": f"A {weeks}-week {goal} program, {days} days a week, built around compound lifts with "
                           "accessories for balance.",
        }

    # ---- a block

    def block(self, r: dict[str, Any], plan: dict[str, Any], index: int, repair: bool = False,
              problems: str = "") -> dict[str, Any]:
        first, _, last = plan["blocks"][index]["weeks"].partition("-")
        weeks = list(range(int(first), int(last or first) + 1))
        deloads = set(plan.get("deload_weeks") or [])
        named = {a or b for a, b in QUOTED.findall(problems)}
        # Told that a day lacks a heavy lift, a careful model loads its first compounds heavily, or,
        # when none of them can be loaded, leads the day with a lift the problem names that can.
        heavier = repair and "heavy compound lift" in problems
        days = []
        for d, (_, patterns) in enumerate(SPLITS[r["days_per_week"]]):
            exercises = []
            moves = self.day(r, d, index, patterns)
            if heavier:
                moves = _lead_heavy(moves, named, kit_of(r["goal_raw"]))
            for role, move in enumerate(moves):
                name = move.canonical if repair and (move.spelled in named or move.canonical in named) \
                    else move.spelled
                rows = [self.row(r, move, role, k, w in deloads, repair, name, heavier) for k, w in enumerate(weeks)]
                cue = "Controlled lowering, full range." if move.compound else "Squeeze at the top."
                exercises.append({"name": name, "rest_seconds": 150 if move.compound and role < 2 else 75,
                                  "notes": cue, "weeks": rows})
            days.append({"day": d + 1, "exercises": exercises})
        return {"days": days}

    def day(self, r: dict[str, Any], d: int, block: int, patterns: list[str]) -> list[Move]:
        kits = kit_of(r["goal_raw"])
        wanted = (["power"] if r["goal_category"] == "power" else []) + patterns
        taken: set[str] = set()
        out: list[Move] = []
        for slot, pattern in enumerate(wanted):
            move = _pick(pattern, kits, d + block + slot, taken, main=slot < len(wanted) - len(patterns) + 1)
            if move is not None:
                taken.add(move.spelled)
                out.append(move)
        return out

    def row(self, r: dict[str, Any], move: Move, role: int, k: int, deload: bool, canonical: bool,
            name: str, heavier: bool = False) -> str:
        goal, level = r["goal_category"], r["fitness_level"]
        # Low reps only on what can be loaded heavily: a barbell or machine compound (any compound
        # when a repair asks for heavy work).
        heavy = move.compound and role < 2 and (move.kit == "gym" or (heavier and _loadable(move)))
        if move.pattern == "power":
            sets, reps = 4, "3"
        elif goal == "strength" and heavy:
            sets, reps = 4 + (level == "advanced"), ("5", "4", "3", "3")[k % 4]
        elif goal == "power" and heavy:
            sets, reps = 4, "4-6"
        elif move.pattern == "core":
            sets, reps = 3, "30s" if "Plank" in move.spelled else "10-12"
        elif move.compound:
            sets, reps = 3 + (level != "beginner"), "8-10" if heavy or goal != "hypertrophy" else "10-12"
        else:
            sets, reps = 3, "12-15"
        rpe = min(9.0, (6.5 if level == "beginner" and goal != "hypertrophy" else 7.0) + 0.5 * k)
        if deload:
            sets, rpe = max(2, sets - 2), 6.0  # never one set (rule single-set)
        return _fmt(name, sets, reps, rpe, canonical)

    # ---- the single strategy: the whole program at once

    def program(self, r: dict[str, Any], repair: bool = False, problems: str = "") -> dict[str, Any]:
        plan = self.plan(r)
        names = {d["day"]: d["name"] for d in plan["split"]}
        weeks: list[dict[str, Any]] = []
        for i, b in enumerate(plan["blocks"]):
            block = self.block(r, plan, i, True, problems if repair else "")
            first = int(b["weeks"].split("-")[0])
            for k in range(len(block["days"][0]["exercises"][0]["weeks"])):
                week = first + k
                days = []
                for day in block["days"]:
                    exercises = []
                    for ex in day["exercises"]:
                        m = re.match(r"(\d+)x(\S+) @ (.+)", ex["weeks"][k])
                        assert m is not None
                        reps: int | str = int(m.group(2)) if m.group(2).isdigit() else m.group(2)
                        exercises.append({"name": ex["name"], "sets": int(m.group(1)), "reps": reps,
                                          "intensity": m.group(3), "rest_seconds": ex["rest_seconds"],
                                          "notes": ex["notes"]})
                    days.append({"day": day["day"], "name": names[day["day"]], "exercises": exercises})
                deload = week in plan["deload_weeks"]
                weeks.append({"week": week, "focus": "Deload week" if deload else b["focus"], "deload": deload,
                              "days": days})
        return {"heard": plan["heard"], "name": plan["name"], "description": plan["description"],
                "summary": plan["summary"], "weeks": weeks}


def _spans(weeks: int) -> list[tuple[int, int]]:
    """Blocks of four weeks; a last short run joins the block before it (at most six weeks)."""
    if weeks <= 5:
        return [(1, weeks)] if weeks < 4 else [(1, 2), (3, weeks)]
    spans = [(a, min(weeks, a + 3)) for a in range(1, weeks + 1, 4)]
    if len(spans) > 1 and spans[-1][1] - spans[-1][0] < 1:
        spans[-2:] = [(spans[-2][0], spans[-1][1])]
    return spans
