"""The coach hears, then asks (issue 24), in the text chat against the real API and worker with a
scripted LLM (the harness of tests/test_agent.py): the profile's fields reach the service, the coach
says back what it understood before the job starts, asks once about a clinician's clearance when a
safety item comes up and records the answer, and relays words the service could not place."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

pytest.importorskip("livekit.agents")

from agent.hearing import ConditionArg, InjuryArg, clearance_question, profile_body, safety_items, told_back
from app.settings import Settings
from tests.fakes.openai_server import Reply, Request, Text, ToolCall, ToolCalls
from tests.processes.test_agent import GENERATE_ARGS, Brain, _text, api_get, coach, service
from tests.support import wait_until

pytestmark = pytest.mark.timeout(180)

HEARD: dict[str, Any] = {**GENERATE_ARGS, "minutes_per_session": 45, "equipment": ["dumbbells", "bench"],
                         "injuries": [{"area": "shoulder", "side": "left", "status": "current"}]}


class HearingBrain(Brain):
    """Brain, which relays the newest spoken update, and also the "Not understood" one even when
    a progress update lands right behind it (a real model reads both)."""

    relayed: bool = False

    def __call__(self, request: Request) -> Reply:
        if not self.relayed:
            for m in request.messages:
                if m.get("role") == "tool" and "Not understood:" in _text(m):
                    self.relayed = True
                    return Text("Not understood: " + _text(m).split("Not understood:", 1)[1].split("\n", 1)[0])
        return super().__call__(request)


def test_told_back_is_one_plain_sentence() -> None:
    profile = profile_body(minutes_per_session=45, equipment=["dumbbells", "bench"],
                           injuries=[InjuryArg(area="shoulder", side="left")])
    assert told_back(profile) == "45 minutes a session, dumbbells and bench, and we'll go easy on your left shoulder."
    assert told_back({}) == ""
    past = profile_body(age=70, injuries=[InjuryArg(area="knee", status="past")],
                        conditions=[ConditionArg(kind="other", words="a heart stent")])
    assert told_back(past) == ("You're 70, and we'll keep an eye on your knee and keep in mind what you told me "
                               "(a heart stent).")


def test_safety_items_are_what_a_screen_asks_about() -> None:
    assert safety_items(profile_body(injuries=[InjuryArg(area="knee", status="past")], age=40)) == []
    assert safety_items(profile_body(age=16)) == ["being 16"]
    assert safety_items(profile_body(age=66, conditions=[ConditionArg(kind="pregnancy")],
                                     injuries=[InjuryArg(area="lower_back")])) == [
        "your lower back", "pregnancy", "being 66"]
    assert "once" in clearance_question(["your lower back"])


async def test_the_coach_asks_once_records_the_answer_and_says_back_before_starting(
        settings: Settings, db_url: str, service_key: str) -> None:
    brain = Brain([("go ahead", ToolCalls([ToolCall("generate_workout_program", HEARD)])),
                   ("physio", ToolCalls([ToolCall("generate_workout_program",
                                                  {**HEARD, "cleared_by_clinician": True})]))])
    async with service(settings, db_url) as base, coach(base, service_key, brain) as talk:
        await talk.run("That's right, go ahead")
        assert talk.state.asked_clearance and talk.state.job_id is None  # nothing started before the answer
        assert talk.saying("has a doctor or physiotherapist said it's fine"), talk.said
        await talk.run("Yes, my physio cleared me last month")
        await wait_until(lambda: talk.state.job_id is not None, 15)
        await wait_until(lambda: len(talk.ended_of("generate_workout_program")) == 2, 30)  # the ask, the job
        job = await api_get(base, service_key, f"/api/programs/status/{talk.state.job_id}")
        assert job["status"] == "completed"
        profile = job["profile"]
        assert profile["cleared_by_clinician"] is True and profile["minutes_per_session"] == 45
        assert profile["equipment"] == ["dumbbells", "bench"]
        assert [(i["area"], i["side"]) for i in profile["injuries"]] == [("shoulder", "left")]
        # said back before the job existed, in one sentence
        sentence = "45 minutes a session, dumbbells and bench, and we'll go easy on your left shoulder."
        told = [(t, u) for t, u in talk.updates if u.message.startswith("Before starting")]
        assert len(told) == 1 and sentence in told[0][1].message
        assert told[0][0] < datetime.fromisoformat(job["created_at"]).timestamp() + 0.001
        await wait_until(lambda: talk.saying(sentence), 15)
        # one question only: the second call carried the answer, and nothing asked again
        assert sum("pre-exercise screen" in text for _, text in talk.said) == 1


async def test_i_dont_know_is_an_answer_and_the_job_starts(settings: Settings, db_url: str,
                                                           service_key: str) -> None:
    teen = {**GENERATE_ARGS, "age": 16}
    brain = Brain([("go ahead", ToolCalls([ToolCall("generate_workout_program", teen)])),
                   ("not sure", ToolCalls([ToolCall("generate_workout_program", teen)]))])
    async with service(settings, db_url) as base, coach(base, service_key, brain) as talk:
        await talk.run("Go ahead")
        assert talk.state.asked_clearance and talk.state.job_id is None
        await talk.run("I'm not sure, nobody said anything")
        await wait_until(lambda: talk.state.job_id is not None, 15)
        await wait_until(lambda: len(talk.ended_of("generate_workout_program")) == 2, 30)  # the ask, the job
        job = await api_get(base, service_key, f"/api/programs/status/{talk.state.job_id}")
        assert job["profile"]["age"] == 16 and job["profile"]["cleared_by_clinician"] is None


async def test_unplaced_words_are_asked_about(settings: Settings, db_url: str, service_key: str) -> None:
    args = {**GENERATE_ARGS, "goal_raw": "build muscle, and there's a weird thing with my spleen"}
    brain = HearingBrain([("go ahead", ToolCalls([ToolCall("generate_workout_program", args)]))])
    async with service(settings, db_url) as base, coach(base, service_key, brain) as talk:
        await talk.run("Go ahead")
        await talk.ended_call("generate_workout_program")
        job = await api_get(base, service_key, f"/api/programs/status/{talk.state.job_id}")
        assert [u["words"] for u in job["unplaced"]] == ["and there's a weird thing with my spleen"]
        lines = [u.message for _, u in talk.updates if u.message.startswith("Not understood")]
        assert lines and "weird thing with my spleen" in lines[0] and not any(u.silent for _, u in talk.updates
                                                                             if u.message in lines)
        await wait_until(lambda: talk.saying("weird thing with my spleen"), 15)
