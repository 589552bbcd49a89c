"""The coach changes a program by voice (issue 26): in the text chat, with the scripted LLM of
test_agent.py, against the real API and worker."""

from __future__ import annotations

import pytest

pytest.importorskip("livekit.agents")

from app.settings import Settings
from tests.fakes.openai_server import ToolCall, ToolCalls
from tests.processes.test_agent import GENERATE, Brain, api_get, coach, service
from tests.support import wait_until

pytestmark = pytest.mark.timeout(180)

CHANGE = ToolCalls([ToolCall("change_program", {"instruction": "swap the squats, my knee's been hurting",
                                                "from_week": 3})])


async def test_change_program_starts_a_revision_follows_it_and_says_what_changed(
        settings: Settings, db_url: str, service_key: str) -> None:
    brain = Brain([("go ahead", GENERATE), ("swap the squats", CHANGE)])
    async with service(settings, db_url, builtin_week_delay_s=0.0) as base, coach(base, service_key, brain) as talk:
        await talk.run("Yes, go ahead")
        await talk.ended_call("generate_workout_program")
        await wait_until(lambda: talk.state.program_id is not None, 15)
        first = talk.state.program_id
        result = await talk.run("Yes please, swap the squats")
        result.expect.next_event().is_function_call(name="change_program")
        ended = await talk.ended_call("change_program")
        assert ended.status == "done" and ended.message, ended
        assert "Tell the person in one sentence what changed" in ended.message
        said = ended.message.split("what changed: ", 1)[1]
        assert said.endswith("the rest is as it was.") and "weeks 3-8" in said, said
        await wait_until(lambda: talk.saying(said), 15)  # the model relayed it
        assert talk.state.program_id not in (None, first)
        versions = (await api_get(base, service_key, f"/api/programs/{first}/versions"))["items"]
        assert [(v["id"], v["version"]) for v in versions] == [(talk.state.program_id, 2), (first, 1)]
        assert versions[0]["changes"]["said"] == said


async def test_change_program_without_a_program_says_there_is_nothing_to_change(
        settings: Settings, db_url: str, service_key: str) -> None:
    brain = Brain([("swap the squats", CHANGE)])
    async with service(settings, db_url) as base, coach(base, service_key, brain) as talk:
        result = await talk.run("Swap the squats")
        result.expect.next_event().is_function_call(name="change_program")
        output = result.expect.next_event().is_function_call_output(is_error=False).event().item.output
        assert "no program yet" in output
