"""The coach's `change_program` tool (issue 26): a change to the person's program, by voice.

The model reads the change back in one sentence and calls the tool after a clear yes, as it does
before generating. The tool starts a revision of the program (the one made in this conversation,
else the person's newest), follows it like a generation (silent progress, the same errors), and
returns what changed as the service says it ("squats swapped for leg presses in weeks 5-12; the
rest is as it was"), for the model to tell the person.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import TYPE_CHECKING, Any

from livekit.agents import RunContext, ToolError, function_tool
from livekit.agents.llm import ToolFlag

from agent.backend import BackendError, BackendUnavailable, GenerationRunning, NowvaBackend, ValidationFailed
from agent.speech import problem

if TYPE_CHECKING:
    from agent.coach import CoachState

INSTRUCTIONS = """\
Once the person has a program, they may want to change it: swap or drop an exercise, train fewer or more days a
week, use other equipment, shorter sessions, lighter weeks, or work around a new injury. Read the change back in
one sentence ("So: no more squats from week five, because of your knee. Shall I change it?") and only after a
clear yes call change_program with the change in their own words. When it is done, tell them in a sentence what
changed, exactly as the tool says it.
"""


class ProgramChanges:
    """Mixed into the Coach: its backend, and the session's state as `ctx.userdata`."""

    _backend: NowvaBackend

    @function_tool(on_duplicate="reject", flags=ToolFlag.CANCELLABLE)
    async def change_program(self, ctx: RunContext[Any], instruction: str,
                             from_week: int | None = None) -> str:
        """Change the person's training program. Call only after they confirmed the change.

        Every earlier version is kept; the weeks before from_week stay exactly as they are.

        Args:
            instruction: The change in the person's own words, e.g. "swap the squats, my knee's been hurting",
                "I can only train three days a week now", "make weeks 5 to 8 lighter" (at most 500 characters).
            from_week: The first week that may change (weeks already done stay as they were); leave it out to
                change the whole program.
        """
        state: CoachState = ctx.userdata  # RunContext[Any]: the tool's schema is read before CoachState exists
        try:
            program_id = state.program_id
            if program_id is None and state.user_id is not None:
                program_id = await self._backend.latest_program(state.user_id)
            if program_id is None:
                return "This person has no program yet, so there is nothing to change: build one first."
            job_id = await self._backend.start_revision(program_id, instruction, from_week, uuid.uuid4().hex)
        except GenerationRunning:
            return ("A program is still being generated or changed for this person. Tell them the change can be "
                    "made as soon as it is done.")
        except ValidationFailed as exc:
            raise ToolError(f"The change was not accepted ({exc.message}). Ask the person to say it again, "
                            "and which week it should start from.") from None
        except BackendError as exc:
            raise problem(exc, "change the program") from None
        state.job_id, state.latest = job_id, None
        await ctx.update("The change has started; it takes a few seconds. Tell the person briefly.")
        try:
            return await self._follow_change(state, job_id)
        except BackendError as exc:
            raise ToolError("I lost contact with the program service while it was changing the program. It may "
                            "still finish: offer to check in a minute.") from exc

    async def _follow_change(self, state: CoachState, job_id: str) -> str:
        async with contextlib.aclosing(self._backend.follow(job_id)) as updates:
            async for update in updates:
                state.latest = update
                if update.type == "completed":
                    state.program_id = update.program_id
                    said = str((update.changes or {}).get("said") or "The program is changed.")
                    return f"The program is changed. Tell the person in one sentence what changed: {said}"
                if update.type == "failed":
                    raise ToolError(f"Changing the program failed: {update.error_message or 'no reason given'}. "
                                    "The program is as it was; apologise, and offer to try another change.")
                if update.type == "cancelled":
                    return "Changing the program was cancelled; the program is as it was."
        raise BackendUnavailable()
