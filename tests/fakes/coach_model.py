"""A fake model that writes programs, for FakeOpenAI (tests/fakes/openai_server.py): it answers
the OpenAI engine's plan, block and whole-program calls, and their repairs, with valid JSON.

What it writes comes from the built-in engine's program for the same request (read from the
"The request as data:" line of the engine's prompt): the plan groups its weeks into the blocks
the built-in engine wrote them in, and a block lists each day's exercises once with a prescription per
week. So its answers
are the size of a real model's for the same program, and the expanded program is a coach's.

    fake = FakeOpenAI(default=CoachModel(), pace=Pace(0.05, 5000))
    fake.inject(is_block(1), Text(json.dumps({"days": []})))   # block 2's first answer is invalid
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from app.coaching.telling import for_summary
from app.models import GenerateRequest, ProgramContent, TrainingWeek
from jobs.engines.builtin import BuiltinEngine
from tests.fakes.openai_server import Reply, Request, Text

BLOCK_WEEKS = 4
DATA = re.compile(r"^The (request|plan|block to write|person as understood),? as data: (.*)$", re.MULTILINE)


def schema_name(request: Request) -> str:
    """The strict schema asked for: Chat Completions' response_format, or the Responses API's text.format."""
    fmt = request.body.get("response_format") or {}
    text_format = (request.body.get("text") or {}).get("format") or {}
    return str((fmt.get("json_schema") or {}).get("name", "") or text_format.get("name", ""))


def data(request: Request) -> dict[str, Any]:
    """The JSON lines of the engine's first user turn: request, person as understood, plan, block to write."""
    user = next((m for m in request.messages if m.get("role") == "user"), {})
    return {m.group(1): json.loads(m.group(2)) for m in DATA.finditer(str(user.get("content") or ""))}


def is_repair(request: Request) -> bool:
    return any(m.get("role") == "assistant" for m in request.messages)


def is_plan(request: Request) -> bool:
    return schema_name(request) == "training_plan"


def is_block(index: int | None = None, *, repair: bool | None = False) -> Callable[[Request], bool]:
    """A predicate: a block call (of that index; first tries only unless repair is None/True)."""
    def matches(request: Request) -> bool:
        if schema_name(request) != "training_block":
            return False
        if repair is not None and is_repair(request) != repair:
            return False
        return index is None or data(request).get("block to write", {}).get("index") == index

    return matches


def block_index(request: Request) -> int | None:
    value = data(request).get("block to write", {}).get("index")
    return int(value) if isinstance(value, int) else None


def row(sets: int, reps: int | str, intensity: str) -> str:
    return f"{sets}x{reps} @ {intensity}"


class CoachModel:
    """The responder. `programs` caches the built-in program of each request.

    Its plan's `heard` says back the injuries and conditions of the person as the prompt gives them
    (a model that agrees with the reader), plus `hears`: what this model finds in the words that the
    reader did not (a test's way to have it hear more). Its program is written for the person as
    understood and heard, as a model that honours the profile would."""

    def __init__(self, block_weeks: int = BLOCK_WEEKS, hears: dict[str, Any] | None = None,
                 adapts: bool = True) -> None:
        self.block_weeks = block_weeks
        self.hears = hears or {}
        self.adapts = adapts  # False: it hears, but writes for the request's numbers alone, as before issue 24
        self._programs: dict[str, ProgramContent] = {}

    def heard(self, person: dict[str, Any]) -> dict[str, Any]:
        extra = self.hears
        return {"injuries": [{"area": i["area"], "side": i.get("side"), "status": i.get("status", "current"),
                              "words": ""} for i in person.get("injuries", [])] + list(extra.get("injuries", [])),
                "conditions": [{"kind": c["kind"], "words": ""} for c in person.get("conditions", [])]
                + list(extra.get("conditions", [])),
                "age": person.get("age", extra.get("age")),
                "minutes_per_session": person.get("minutes_per_session", extra.get("minutes_per_session"))}

    def person(self, found: dict[str, Any]) -> dict[str, Any]:
        """The profile this model writes for: the one in the prompt, with what it hears added."""
        person = dict(found.get("person as understood") or {})
        if not self.adapts:
            return {}
        heard = self.heard(person)
        areas = {i["area"] for i in person.get("injuries", [])}
        kinds = {c["kind"] for c in person.get("conditions", [])}
        injuries = [*person.get("injuries", []), *({k: v for k, v in i.items() if k != "words"}
                                                  for i in heard["injuries"] if i["area"] not in areas)]
        conditions = [*person.get("conditions", []), *({"kind": c["kind"]} for c in heard["conditions"]
                                                      if c["kind"] not in kinds)]
        return {**person, **({"injuries": injuries} if injuries else {}),
                **({"conditions": conditions} if conditions else {})}

    async def program(self, inputs: dict[str, Any], profile: dict[str, Any] | None = None) -> ProgramContent:
        key = json.dumps([inputs, profile], sort_keys=True)
        if key not in self._programs:
            request = GenerateRequest.model_validate({**inputs, "user_id": str(uuid.UUID(int=0)),
                                                      **({"profile": profile} if profile else {})})

            async def ignore(progress: int, stage: str, message: str) -> None:
                return None

            program = (await BuiltinEngine().generate(request, ignore)).program
            # The coach's own summary: what was adapted for is code's to say, after the model's words.
            told = for_summary(request.profile, ())
            if told and program.summary.endswith(told):
                program = program.model_copy(update={"summary": program.summary[:-len(told)].rstrip()})
            self._programs[key] = program
        return self._programs[key]

    async def __call__(self, request: Request) -> Reply:
        found = data(request)
        person = self.person(found)
        program = await self.program(found["request"], person)
        kind = schema_name(request)
        if kind == "training_plan":
            return Text(json.dumps({"heard": self.heard(dict(found.get("person as understood") or {})),
                                    **self.plan(program)}))
        if kind == "training_block":
            plan, spec = found["plan"], found["block to write"]
            return Text(json.dumps(self.block(program, plan, int(spec["index"]))))
        return Text(json.dumps({"heard": self.heard(dict(found.get("person as understood") or {})),
                                **program.model_dump(mode="json")}))

    def spans(self, program: ProgramContent) -> list[tuple[int, int]]:
        """The blocks a coach would see in the program: runs of weeks with the same exercises
        (at most six weeks each); weeks that change every time (one day a week, alternating two
        sessions) go in runs of `block_weeks`."""
        sig = [tuple(tuple(e.name for e in d.exercises) for d in w.days) for w in program.weeks]
        runs: list[list[int]] = []
        for i, s in enumerate(sig, start=1):
            if runs and sig[runs[-1][0] - 1] == s:
                runs[-1].append(i)
            else:
                runs.append([i])
        spans: list[tuple[int, int]] = []
        singles: list[int] = []
        for run in [*runs, []]:
            if len(run) == 1:
                singles += run
                continue
            for k in range(0, len(singles), self.block_weeks):
                chunk = singles[k:k + self.block_weeks]
                spans.append((chunk[0], chunk[-1]))
            singles = []
            if run:
                pieces = -(-len(run) // 6)
                size = -(-len(run) // pieces)
                spans += [(run[k], run[min(len(run), k + size) - 1]) for k in range(0, len(run), size)]
        return spans

    def plan(self, program: ProgramContent) -> dict[str, Any]:
        deloads = {w.week for w in program.weeks if w.deload}
        first = program.weeks[0]
        return {  # in the schema's order, as a model with structured outputs writes it
            "name": program.name, "summary": program.summary,
            "blocks": [{"weeks": f"{a}-{b}" if b > a else str(a), "focus": _focus(program.weeks[a - 1])}
                       for a, b in self.spans(program)],
            "deload_weeks": sorted(deloads),
            "split": [{"day": d.day, "name": d.name} for d in first.days],
            "constraints": {"avoid": [], "equipment": [], "cautions": [], "event": ""},
            "description": program.description,
        }

    def block(self, program: ProgramContent, plan: dict[str, Any], index: int) -> dict[str, Any]:
        first, _, last = plan["blocks"][index]["weeks"].partition("-")
        weeks = program.weeks[int(first) - 1: int(last or first)]
        days = []
        for d, day in enumerate(weeks[0].days):
            exercises = []
            for e, ex in enumerate(day.exercises):
                rows = []
                for week in weeks:
                    same = week.days[d].exercises
                    match = next((x for x in same if x.name == ex.name), same[e] if e < len(same) else ex)
                    rows.append(row(match.sets, match.reps, match.intensity))
                exercises.append({"name": ex.name, "rest_seconds": ex.rest_seconds, "notes": ex.notes,
                                  "weeks": rows})
            days.append({"day": day.day, "exercises": exercises})
        return {"days": days}


def _focus(week: TrainingWeek) -> str:
    """The block's focus as a coach would name it: the built-in engine's phase ("Accumulation
    block 1, week 1 of 4: ..." -> "Accumulation")."""
    return week.focus.split(":")[0].split(" block")[0].split(",")[0][:120]
