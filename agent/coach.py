"""The coach: persona, instructions, and the tools that drive the Nowva API.

Generating a program takes seconds to minutes, longer than a voice turn may block, so
`generate_workout_program` reports its first `ctx.update()` as soon as the job is
accepted (which hands the turn back to the model) and keeps following the job in the
background: silent updates for every event, spoken ones about every 25%. When the service
has planned the program (a `plan` event, a few seconds in), the coach tells the person what
it will look like while the blocks are written, and answers questions about it from the plan.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from livekit.agents import Agent, RunContext, ToolError, function_tool
from livekit.agents.llm import ToolFlag

from agent.backend import (
    BackendError,
    BackendUnavailable,
    GenerationRequest,
    GenerationRunning,
    JobUpdate,
    NotFound,
    NowvaBackend,
    ValidationFailed,
)
from agent.changing import INSTRUCTIONS as CHANGING
from agent.changing import ProgramChanges
from agent.hearing import (
    ConditionArg,
    EquipmentName,
    EventKind,
    InjuryArg,
    MuscleGroup,
    Season,
    clearance_question,
    profile_body,
    safety_items,
    told_back,
    unplaced_line,
)
from agent.speech import next_steps, problem, rejected_fields
from agent.units import HeightUnit, WeightUnit, height_to_cm, weight_to_kg

GoalCategory = Literal["power", "strength", "hypertrophy"]
FitnessLevel = Literal["beginner", "intermediate", "advanced"]


@dataclass
class CoachState:
    """The session's user data: what the conversation has established so far."""

    user_id: str | None = None
    job_id: str | None = None
    latest: JobUpdate | None = None
    program_id: str | None = None
    plan: Mapping[str, Any] | None = None
    asked_clearance: bool = False  # the clinician question is asked once per conversation
    cleared_by_clinician: bool | None = None  # the answer, as recorded with the program


INSTRUCTIONS = """\
You are the Nowva coach: a warm, upbeat and efficient strength coach talking with someone by voice.
Speak in short, natural sentences. No lists, no markdown, no emojis; say numbers the way people say them.

Your job is to build the person a multi-week training program. Collect, one or two at a time:
- height and weight, in whatever units they use (centimetres or metres, feet and inches, kilograms or pounds);
- their goal, in their own words, which you map to one category: power (explosiveness, speed, jumping,
  sport performance), strength (getting stronger, lifting heavier, powerlifting) or hypertrophy (building
  muscle, size, shape). If it's unclear, ask which fits best;
- how many weeks the program should last (1 to 52);
- how many days a week they can train (1 to 7);
- their fitness level: beginner, intermediate or advanced.

Also listen for what shapes the program, and pass it in the tool's own fields rather than only in
goal_raw: age, minutes per session, the equipment they have, injuries (area, side, whether current,
recovering or past), health conditions or pregnancy, their sport and its season, an event and how many
weeks away it is, muscle groups to stress or to spare, exercises to avoid, and whether a doctor or
physio cleared them to train (leave it null unless they said).

Never convert units yourself: pass the numbers and units exactly as the person said them
("6 foot 2" is height_value 6, height_unit ft, height_extra_inches 2; "200 pounds" is weight_value 200,
weight_unit lb). Pass their goal in their own words as goal_raw.

Before generating, read all the details back in one sentence and ask them to confirm. If they correct
anything, use the corrected value and confirm again. Only call generate_workout_program after a clear yes.

While the program is being generated, keep the conversation going. Progress reaches you as tool
updates: pass on the spoken ones briefly ("about halfway there"), and never invent progress. When the
plan arrives, tell the person in a sentence or two what the program will look like. If they ask how far
along it is, or about the program before it is finished, call check_program_status: it has the plan.
If they clearly ask to stop it, call cancel_program_generation. When generation finishes, call
finish_program_creation and tell them the summary it gives you and what comes next.

If a tool reports a problem, tell the person plainly in one sentence what happened and what you can do
next; if a detail was rejected, ask for that detail again. Never mention tools, job ids, HTTP or errors
codes, and never read out technical messages.

""" + CHANGING

GREETING = ("Greet the person warmly as their Nowva coach in one or two sentences, say you'll build them a "
            "training program together, and ask for their height and weight.")

# Replaces the framework's default, which points the model at its generic cancel tool:
# that tool would only stop following the job, while the server kept generating it.
DUPLICATE_REJECT = (
    "A program is already being generated in this conversation, so `{function_name}` was not started "
    "again. Don't start another one: tell the person it is under way, call check_program_status if they "
    "want to know how far along it is, or cancel_program_generation if they want to stop it."
)

MILESTONES = {25: "about a quarter of the way there", 50: "about halfway there",
              75: "about three quarters done"}

def milestone(spoken: int, progress: int) -> int | None:
    """The highest milestone crossed since the last one spoken, if any."""
    crossed = [m for m in MILESTONES if spoken < m <= progress]
    return max(crossed) if crossed else None


def progress_line(update: JobUpdate, detail: str | None = None) -> str:
    detail = detail or update.message or update.stage.replace("_", " ")
    return f"{update.progress}% done: {detail}." if detail else f"{update.progress}% done."


def span(weeks: Any) -> str:
    first, last = [*weeks, 0, 0][:2] if isinstance(weeks, list | tuple) else (0, 0)
    return f"week {first}" if first == last else f"weeks {first} to {last}"


def plan_sentence(plan: Mapping[str, Any]) -> str:
    """The plan as the model should relay it: its summary, then its blocks."""
    blocks = [b for b in plan.get("blocks") or [] if isinstance(b, Mapping)]
    parts = [f"{span(b.get('weeks'))}: {b.get('focus', '')}".rstrip(": ") for b in blocks[:6]]
    more = f", and {len(blocks) - 6} more" if len(blocks) > 6 else ""
    named = f" ({'; '.join(parts)}{more})" if parts else ""
    count = len(blocks)
    return (f"\"{plan.get('name', 'The program')}\": {plan.get('summary', '')} "
            f"It has {count} block{'s' if count != 1 else ''}{named}.").strip()


def ready(update: JobUpdate) -> str:
    """The program is done; when the service's built-in coach wrote it because the model failed,
    the person is told so, once and plainly."""
    if update.fallback_reason:
        kept = " It follows the plan you already described to them." if update.plan else ""
        return ("The program is ready, but the AI coach could not finish it, so Nowva's built-in coach "
                f"wrote it instead.{kept} Tell the person that plainly in one sentence, then call "
                "finish_program_creation now to tell them about it.")
    return "The program is ready. Call finish_program_creation now to tell the person about it."


def describe(update: JobUpdate) -> str:
    """A job's state, as the model should relay it."""
    if update.status == "pending":
        return "The program is queued and will start in a moment."
    if update.status == "completed":
        return ready(update)
    if update.status == "failed":
        return f"Generating the program failed: {update.error_message or 'no reason given'}."
    if update.status == "cancelled":
        return "Generating the program was cancelled before it finished."
    if update.plan:
        blocks = len(update.plan.get("blocks") or [])
        return (f"The program is being generated: {progress_line(update)} {update.blocks_done} of {blocks} "
                f"blocks are written. Its plan: {plan_sentence(update.plan)}")
    return f"The program is being generated: {progress_line(update)}"


class Coach(ProgramChanges, Agent):
    def __init__(self, backend: NowvaBackend, *, instructions: str = INSTRUCTIONS) -> None:
        super().__init__(instructions=instructions,
                         tool_handling={"async_options": {"duplicate_reject_template": DUPLICATE_REJECT}})
        self._backend = backend

    @function_tool(on_duplicate="reject", flags=ToolFlag.CANCELLABLE)
    async def generate_workout_program(
        self,
        ctx: RunContext[CoachState],
        height_value: float,
        height_unit: HeightUnit,
        height_extra_inches: float,
        weight_value: float,
        weight_unit: WeightUnit,
        goal_category: GoalCategory,
        goal_raw: str,
        duration_weeks: int,
        days_per_week: int,
        fitness_level: FitnessLevel,
        age: int | None = None,
        minutes_per_session: int | None = None,
        equipment: list[EquipmentName] | None = None,
        injuries: list[InjuryArg] | None = None,
        conditions: list[ConditionArg] | None = None,
        sport_name: str | None = None,
        sport_season: Season | None = None,
        event_kind: EventKind | None = None,
        event_in_weeks: int | None = None,
        emphasis: list[MuscleGroup] | None = None,
        de_emphasis: list[MuscleGroup] | None = None,
        avoid: list[str] | None = None,
        cleared_by_clinician: bool | None = None,
    ) -> str:
        """Generate the person's multi-week training program. Call only after they confirmed every detail.

        It starts the generation, reports progress while it runs, and finishes when the program is ready.

        Args:
            height_value: The height number exactly as the person said it: 188 for 188 cm, 1.88 for 1.88 m,
                6 for "6 foot 2", 74 for 74 inches.
            height_unit: The unit of height_value: cm, m, ft (feet) or in (inches).
            height_extra_inches: The inches after the feet ("6 foot 2" gives 2); 0 when not in feet.
            weight_value: The weight number exactly as the person said it, e.g. 200 for "200 pounds".
            weight_unit: The unit of weight_value: kg or lb (pounds).
            goal_category: power, strength or hypertrophy, mapped from the person's goal.
            goal_raw: The goal in the person's own words (at most 500 characters).
            duration_weeks: How many weeks the program lasts, 1 to 52.
            days_per_week: Training days per week, 1 to 7.
            fitness_level: beginner, intermediate or advanced.
            age: Their age in years (10 to 100), if they said it.
            minutes_per_session: How long one session may last, in minutes (10 to 240).
            equipment: What they have to train with; leave empty for a full gym.
            injuries: Each injury or sore spot they mentioned, with the side and whether it is current.
            conditions: Health conditions they mentioned (pregnancy, postpartum, diabetes...); other kinds as
                "other" with their words.
            sport_name: The sport they play, if any; sport_season: off, pre or in season.
            event_kind: An event they train for; event_in_weeks: how many weeks away it is.
            emphasis: Muscle groups they want more of; de_emphasis: muscle groups they want less of.
            avoid: Exercises or movements they rule out, in their words.
            cleared_by_clinician: Whether a doctor or physio cleared them to train: true, false, or null when
                nobody asked or they don't know.
        """
        state = ctx.userdata
        if cleared_by_clinician is not None:
            state.cleared_by_clinician = cleared_by_clinician
        profile = profile_body(
            age=age, minutes_per_session=minutes_per_session, equipment=equipment, injuries=injuries,
            conditions=conditions, sport_name=sport_name, sport_season=sport_season, event_kind=event_kind,
            event_in_weeks=event_in_weeks, emphasis=emphasis, de_emphasis=de_emphasis, avoid=avoid,
            cleared_by_clinician=state.cleared_by_clinician)
        items = safety_items(profile)
        if items and state.cleared_by_clinician is None and not state.asked_clearance:
            state.asked_clearance = True  # asked once: "I don't know" is an answer too
            return clearance_question(items)
        height_cm = height_to_cm(height_value, height_unit, height_extra_inches)
        weight_kg = weight_to_kg(weight_value, weight_unit)
        try:
            heard = told_back(profile)
            if heard:  # said before the job starts; the start itself then follows silently
                await ctx.update(f"Before starting, say back to the person in one sentence what you understood: "
                                 f"{heard} Then tell them their program is being built; it takes a minute or two.")
            job_id, adopted = await self._start(state, height_cm, weight_kg, goal_category, goal_raw,
                                                duration_weeks, days_per_week, fitness_level, profile or None)
        except ValidationFailed as exc:
            raise ToolError(rejected_fields(exc, height_cm, weight_kg)) from None
        except BackendError as exc:
            raise problem(exc, "start the program") from None
        state.job_id, state.latest, state.program_id = job_id, None, None
        state.plan = None
        started = ("A program was already being generated for this person, so I'm following that one."
                   if adopted else "The program generation has started.")
        # The first update hands the turn back to the model; the rest of this tool runs in the background.
        await ctx.update(f"{started} It usually takes a minute or two. Tell the person, and keep chatting "
                         "while it runs; progress updates will follow.", silent=bool(heard))
        try:
            return await self._follow(ctx, state, job_id)
        except BackendError as exc:
            raise ToolError("I lost contact with the program service while it was generating the program. "
                            "It may still finish: offer to check its status in a minute.") from exc

    async def _start(self, state: CoachState, height_cm: float, weight_kg: float,
                     goal_category: str, goal_raw: str, duration_weeks: int, days_per_week: int,
                     fitness_level: str, profile: dict[str, Any] | None) -> tuple[str, bool]:
        """The job id, and whether it was a job already running for this user."""
        # One key for this call's POSTs: if the answer is lost, a retry cannot start a second job.
        idempotency_key = uuid.uuid4().hex
        for _ in range(2):
            if state.user_id is None:
                state.user_id = await self._backend.create_user(height_cm, weight_kg, fitness_level)
            request = GenerationRequest(
                user_id=state.user_id, height_cm=height_cm, weight_kg=weight_kg, goal_category=goal_category,
                goal_raw=goal_raw[:500], duration_weeks=duration_weeks, days_per_week=days_per_week,
                fitness_level=fitness_level, profile=profile,
            )
            try:
                return await self._backend.start_generation(request, idempotency_key), False
            except GenerationRunning as exc:
                if exc.job_id is None:
                    raise
                return exc.job_id, True
            except NotFound:
                state.user_id = None  # the user was removed on the server: create a new one once
        raise NotFound()

    async def _follow(self, ctx: RunContext[CoachState], state: CoachState, job_id: str) -> str:
        # No cancel on CancelledError: that is the session ending, and the program should
        # still land in the person's account. Stopping the job is cancel_program_generation.
        spoken = 0
        async with contextlib.aclosing(self._backend.follow(job_id)) as updates:
            async for update in updates:
                state.latest = update
                if update.type == "completed":
                    state.program_id = update.program_id
                    return ready(update)
                if update.type == "failed":
                    reason = update.error_message or "no reason given"
                    raise ToolError(f"Generating the program failed: {reason}. "
                                    "Apologise, and offer to try again.")
                if update.type == "cancelled":
                    return "Generating the program was cancelled, so there is no new program."
                if update.type == "status":
                    if update.attempt > 1:
                        await ctx.update(f"The service restarted the work (attempt {update.attempt}); "
                                         "it is still going.", silent=True)
                    continue
                if update.type == "understood" and update.understood:
                    unplaced = update.understood.get("unplaced") or []
                    if unplaced:  # words the service could not place: ask, or say they were left out
                        await ctx.update(unplaced_line(unplaced))
                    continue
                if update.type == "plan" and update.plan:
                    state.plan = update.plan
                    await ctx.update("Plan: the program is planned and its blocks are being written now. Tell the "
                                     "person in a sentence or two what it will look like: "
                                     f"{plan_sentence(update.plan)}")
                    continue
                line = progress_line(update)
                if update.type == "block" and update.block:
                    line = progress_line(update, f"block {update.block.get('done')} of {update.block.get('of')}"
                                                 f" written ({span(update.block.get('weeks'))})")
                mark = milestone(spoken, update.progress)
                if mark is not None:
                    spoken = mark
                    await ctx.update(f"Progress: {MILESTONES[mark]} ({line})")
                else:
                    await ctx.update(f"Progress: {line}", silent=True)
        raise BackendUnavailable()

    @function_tool()
    async def check_program_status(self, ctx: RunContext[CoachState]) -> str:
        """How far along the program generation is. Use when the person asks about progress."""
        return await self._status_sentence(ctx.userdata)

    async def _status_sentence(self, state: CoachState) -> str:
        if state.job_id is None:
            return "No program is being generated in this conversation yet."
        try:
            state.latest = await self._backend.status(state.job_id)
            state.plan = state.latest.plan or state.plan
        except BackendError as exc:
            if state.latest is None:
                raise problem(exc, "check the progress") from None
            return ("The program service can't be reached right now. The last update was: "
                    f"{describe(state.latest)}")
        if state.latest.status == "completed":
            state.program_id = state.latest.program_id
        return describe(state.latest)

    @function_tool()
    async def cancel_program_generation(self, ctx: RunContext[CoachState]) -> str:
        """Stop the program being generated. Only when the person clearly asks to stop or cancel it."""
        state = ctx.userdata
        if state.job_id is None:
            return "No program is being generated, so there is nothing to cancel."
        try:
            state.latest = await self._backend.cancel(state.job_id)
        except GenerationRunning:
            # 409: it already finished (or failed); say what it is now.
            return "It can no longer be cancelled. " + await self._status_sentence(state)
        except BackendError as exc:
            raise problem(exc, "cancel the program") from None
        return "The program generation is cancelled."

    @function_tool()
    async def finish_program_creation(self, ctx: RunContext[CoachState]) -> str:
        """Wrap up once the program is ready: gives its speakable summary and what the person does next."""
        state = ctx.userdata
        try:
            if state.program_id is None and state.job_id is not None:
                latest = await self._backend.status(state.job_id)
                state.latest, state.program_id = latest, latest.program_id
                if latest.status != "completed":
                    return f"The program isn't ready yet. {describe(latest)}"
            if state.program_id is None:
                return "There is no finished program yet. Collect the details and generate one first."
            program = await self._backend.get_program(state.program_id)
        except BackendError as exc:
            raise problem(exc, "fetch the finished program") from None
        state.program_id = program.id
        return (f"The program \"{program.name}\" is saved ({program.duration_weeks} weeks, "
                f"{program.days_per_week} days a week). Summary to tell the person: {program.summary} "
                f"What comes next: {next_steps(program)}")
