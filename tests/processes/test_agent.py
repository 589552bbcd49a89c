"""The voice coach in text mode, against the real API and worker, with a scripted LLM.

The LLM is livekit-plugins-openai pointed at tests/fakes/openai_server.py (real HTTP, real
streamed chunks). Its replies come from `Brain`, which answers from what the conversation
contains, because the number of background replies depends on timing. Every socket the
tests open must be loopback: `loopback_only` fails any other connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("livekit.agents")

from livekit.agents import (
    AgentSession,
    ConversationItemAddedEvent,
    RunResult,
    ToolCallEnded,
    ToolCallStarted,
    ToolCallUpdated,
    ToolExecutionUpdatedEvent,
)
from livekit.agents import llm as lk_llm
from livekit.plugins import openai

from agent.backend import NowvaBackend
from agent.chat import run_chat
from agent.coach import Coach, CoachState, milestone
from agent.config import AgentConfig
from agent.units import feet_inches_to_cm, height_to_cm, pounds_to_kg, weight_to_kg
from app.settings import Settings
from tests.fakes.cutting_proxy import CuttingProxy
from tests.fakes.openai_server import FakeOpenAI, Reply, Request, Text, ToolCall, ToolCalls
from tests.support import ROOT, api_server, free_port, wait_until, worker_task

# The limit counts fixture setup, and the first test here starts the session's PostgreSQL.
pytestmark = pytest.mark.timeout(180)

GENERATE_ARGS: dict[str, Any] = {
    "height_value": 6, "height_unit": "ft", "height_extra_inches": 2, "weight_value": 200, "weight_unit": "lb",
    "goal_category": "hypertrophy", "goal_raw": "build muscle and look athletic", "duration_weeks": 8,
    "days_per_week": 4, "fitness_level": "intermediate",
}
GENERATE = ToolCalls([ToolCall("generate_workout_program", GENERATE_ARGS)])
GREETING = "Hi, I'm your Nowva coach! How tall are you, and what do you weigh?"


# ---------------------------------------------------------------- the socket guard

# The guard itself is the autouse fixture `loopback_only` in tests/conftest.py.


def test_socket_guard_refuses_non_loopback(loopback_only: list[Any]) -> None:
    with socket.socket() as s, pytest.raises(ConnectionRefusedError, match="socket guard"):
        s.connect(("10.255.255.1", 80))
    assert loopback_only == [("10.255.255.1", 80)]
    loopback_only.clear()  # expected here; any other test that trips the guard fails


# ---------------------------------------------------------------- the scripted LLM


def _text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content or ""


def _tool_name(messages: list[dict[str, Any]], call_id: str) -> str:
    for m in messages:
        for call in m.get("tool_calls") or []:
            if call.get("id") == call_id:
                return str(call["function"]["name"])
    return "?"


def _unanswered_question(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The result of a tool the person's question called (check_program_status...) that no reply has
    answered yet, when the generation's updates were added after it: each update of a long-running
    call joins the context as a call and result of its own (livekit's RunContext.update)."""
    for m in reversed(messages):
        if m.get("role") == "user" or (m.get("role") == "assistant" and _text(m)):
            return None  # answered already, or a new turn
        if m.get("role") == "tool" and _tool_name(messages, m.get("tool_call_id", "")) != "generate_workout_program":
            return m
    return None


@dataclass
class Brain:
    """The fake LLM's side: answers the person by script and relays what tools report."""

    script: list[tuple[str, Reply]] = field(default_factory=list)

    def __call__(self, request: Request) -> Reply:
        messages = request.messages
        last = next((m for m in reversed(messages) if m.get("role") in ("user", "tool")), None)
        if last is None:
            return Text(GREETING)
        if last["role"] == "user":
            said = _text(last).lower()
            return next((reply for key, reply in self.script if key in said), Text("Could you say that again?"))
        question = _unanswered_question(messages)
        if question is not None:
            # The person asked how it looks while the program was being written, and an update of the
            # generation landed after the answer's tool result: a model replies to the question.
            last = question
        elif "Progress:" in _text(last):
            # Silent updates join the context without a reply of their own; one that lands while
            # a spoken update's reply is being requested must not hide it. Relay the newest spoken one.
            since = messages[max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=0):]
            last = next((m for m in reversed(since) if m.get("role") == "tool" and "Progress: about" in _text(m)),
                        last)
        name, output = _tool_name(messages, last.get("tool_call_id", "")), _text(last)
        if "message: " in output:  # a progress update, wrapped in the framework's template
            output = output.split("message: ", 1)[1].split("\n", 1)[0]
        may_call = request.body.get("tool_choice") != "none"
        if name == "generate_workout_program" and "Call finish_program_creation" in output and may_call:
            return ToolCalls([ToolCall("finish_program_creation", {})])
        if name == "finish_program_creation":
            summary = output.split("Summary to tell the person: ", 1)[-1].split(" What comes next:", 1)[0]
            return Text(f"Your program is ready! {summary}")
        return Text(f"[{name}] {output}")


# ---------------------------------------------------------------- a coach session to talk to


@dataclass
class Talk:
    session: AgentSession[CoachState]
    state: CoachState
    fake: FakeOpenAI
    names: dict[str, str] = field(default_factory=dict)  # call_id -> tool name
    updates: list[tuple[float, ToolCallUpdated]] = field(default_factory=list)
    ended: list[tuple[float, ToolCallEnded]] = field(default_factory=list)
    said: list[tuple[float, str]] = field(default_factory=list)

    def attach(self) -> None:
        self.session.on("tool_execution_updated", self._on_tool)
        self.session.on("conversation_item_added", self._on_item)

    def _on_tool(self, event: ToolExecutionUpdatedEvent) -> None:
        u = event.update
        if isinstance(u, ToolCallStarted):
            self.names[u.function_call.call_id] = u.function_call.name
        elif isinstance(u, ToolCallUpdated):
            self.updates.append((event.created_at, u))
        elif isinstance(u, ToolCallEnded):
            self.ended.append((event.created_at, u))

    def _on_item(self, event: ConversationItemAddedEvent) -> None:
        if isinstance(event.item, lk_llm.ChatMessage) and event.item.role == "assistant":
            self.said.append((event.created_at, event.item.text_content or ""))

    async def run(self, text: str) -> RunResult[None]:
        result: RunResult[None] = await self.session.run(user_input=text)
        return result

    def ended_of(self, name: str) -> list[tuple[float, ToolCallEnded]]:
        return [(t, e) for t, e in self.ended if self.names.get(e.call_id) == name]

    def progress(self) -> list[tuple[float, ToolCallUpdated]]:
        return [(t, u) for t, u in self.updates if u.message.startswith("Progress:")]

    def saying(self, needle: str) -> list[float]:
        return [t for t, text in self.said if needle in text]

    async def ended_call(self, name: str, timeout: float = 30) -> ToolCallEnded:
        await wait_until(lambda: self.ended_of(name), timeout)
        return self.ended_of(name)[0][1]


@contextlib.asynccontextmanager
async def coach(api_url: str, key: str, brain: Brain, **backend_options: Any) -> AsyncIterator[Talk]:
    async with FakeOpenAI(default=brain) as fake, NowvaBackend(api_url, key, **backend_options) as backend:
        llm = openai.LLM(model="gpt-fake", base_url=fake.base_url, api_key="test")
        state = CoachState()
        session = AgentSession[CoachState](llm=llm, userdata=state)
        talk = Talk(session, state, fake)
        talk.attach()
        await session.start(Coach(backend))
        try:
            yield talk
        finally:
            await session.aclose()
            await llm.aclose()


@contextlib.asynccontextmanager
async def service(settings: Settings, db_url: str, **changes: Any) -> AsyncIterator[str]:
    """The real API and an in-process worker; generation takes a couple of seconds and reports
    every week drafted (no coalescing: these tests follow what the agent does with each event)."""
    settings = settings.with_(**{"builtin_week_delay_s": 0.2, "progress_interval_s": 0.0, **changes})
    async with api_server(settings, db_url) as base, worker_task(settings, db_url):
        yield base


async def api_get(base: str, key: str, path: str, **params: Any) -> Any:
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"}) as client:
        response = await client.get(path, params=params)
        response.raise_for_status()
        return response.json()


# ---------------------------------------------------------------- pure parts


def test_units() -> None:
    assert feet_inches_to_cm(6, 2) == 188.0
    assert height_to_cm(6, "ft", 2) == 188.0
    assert height_to_cm(5, "ft", 11) == 180.3
    assert height_to_cm(1.88, "m") == 188.0
    assert height_to_cm(74, "in") == 188.0
    assert height_to_cm(181.26, "cm") == 181.3
    assert pounds_to_kg(200) == 90.7
    assert weight_to_kg(200, "lb") == 90.7
    assert weight_to_kg(87.5, "kg") == 87.5


def test_milestones_speak_about_every_quarter() -> None:
    assert milestone(0, 5) is None
    assert milestone(0, 31) == 25
    assert milestone(25, 52) == 50
    assert milestone(0, 60) == 50  # jumping past two milestones says the latest once
    assert milestone(50, 52) is None
    assert milestone(75, 98) is None


def test_config(tmp_path: Path) -> None:
    (tmp_path / "service_key").write_text("nv_saved\n")
    seed = AgentConfig.from_env({"FASTAPI_URL": "http://api:9000/", "NOWVA_DATA_DIR": str(tmp_path)})
    assert seed.api_url == "http://api:9000"
    assert seed.api_key == "nv_saved"
    ours = AgentConfig.from_env({"FASTAPI_URL": "http://api:9000", "NOWVA_API_URL": "http://nowva:8000",
                                 "NOWVA_API_KEY": "nv_env", "NOWVA_DATA_DIR": str(tmp_path),
                                 "NOWVA_AGENT_MODEL": "gpt-4.1", "LIVEKIT_URL": "wss://x.livekit.cloud"})
    assert (ours.api_url, ours.api_key, ours.llm_model, ours.livekit_url) == (
        "http://nowva:8000", "nv_env", "gpt-4.1", "wss://x.livekit.cloud")
    (tmp_path / "api_url").write_text("http://127.0.0.1:8123\n")  # recorded by a running `nowva serve`
    assert AgentConfig.from_env({"NOWVA_DATA_DIR": str(tmp_path)}).api_url == "http://127.0.0.1:8123"
    assert AgentConfig.from_env({"NOWVA_DATA_DIR": str(tmp_path), "NOWVA_API_URL": "http://nowva:8000"}
                                ).api_url == "http://nowva:8000"  # the environment wins over the record
    empty = AgentConfig.from_env({"NOWVA_DATA_DIR": str(tmp_path / "none")})
    assert (empty.api_url, empty.api_key) == ("http://127.0.0.1:8000", None)
    assert "nv_env" not in repr(ours)


def test_livekit_commands_say_what_is_missing() -> None:
    from agent.__main__ import preflight

    bare = AgentConfig()
    assert preflight(["--help"], bare) == [] and preflight(["dev", "--help"], bare) == []
    missing = " ".join(preflight(["start"], bare))
    for name in ("LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET", "OPENAI_API_KEY", "NOWVA_API_KEY"):
        assert name in missing
    ready = AgentConfig(api_key="nv", openai_api_key="sk", livekit_url="wss://x", livekit_api_key="k",
                        livekit_api_secret="s")
    assert preflight(["dev"], ready) == []
    assert preflight(["console"], AgentConfig(api_key="nv", openai_api_key="sk")) == []  # no server needed
    assert preflight(["start", "--url", "wss://y", "--api-key=k", "--api-secret", "s"],
                     AgentConfig(api_key="nv", openai_api_key="sk")) == []


# ---------------------------------------------------------------- with the real service


async def test_generates_with_live_progress_and_final_reply(settings: Settings, db_url: str,
                                                            service_key: str) -> None:
    brain = Brain([("go ahead", GENERATE)])
    async with service(settings, db_url) as base, coach(base, service_key, brain) as talk:
        result = await talk.run("Yes, that's all right, go ahead")
        result.expect.next_event().is_function_call(name="generate_workout_program", arguments=GENERATE_ARGS)
        started = result.expect.next_event().is_function_call_output(is_error=False).event().item.output
        assert "has started" in started
        result.expect.next_event().is_message(role="assistant")

        # 6 foot 2 and 200 pounds reached the API converted.
        assert talk.state.user_id is not None and talk.state.job_id is not None
        user = await api_get(base, service_key, f"/api/users/{talk.state.user_id}")
        assert user["height_cm"] == pytest.approx(188, abs=0.5)
        assert user["weight_kg"] == pytest.approx(90.7, abs=0.1)

        ended = await talk.ended_call("generate_workout_program")
        assert ended.status == "done" and ended.message and "ready" in ended.message
        ended_at = talk.ended_of("generate_workout_program")[0][0]
        job = await api_get(base, service_key, f"/api/programs/status/{talk.state.job_id}")
        assert job["status"] == "completed"

        # Progress reached the session as it happened: silent on every event, spoken at milestones.
        progress = talk.progress()
        silent = [u.message for _, u in progress if u.silent]
        spoken = [u.message for _, u in progress if not u.silent]
        assert len(silent) >= 3, silent
        assert any("quarter" in m for m in spoken) and any("halfway" in m for m in spoken), spoken
        percents = [int(m) for _, u in progress for m in re.findall(r"(\d+)% done", u.message)]
        assert percents == sorted(percents) and percents[0] < 50 < percents[-1]
        assert all(t < ended_at for t, _ in progress)
        completed_at = datetime.fromisoformat(job["completed_at"]).timestamp()
        assert progress[0][0] < completed_at  # heard while the job was still running
        assert talk.saying("halfway"), talk.said  # a spoken update became a reply of its own

        # The final reply: finish_program_creation kept the program and gave its summary.
        program = await api_get(base, service_key, f"/api/programs/{job['program_id']}")
        await wait_until(lambda: talk.saying(program["summary"]), 15)
        assert talk.state.program_id == job["program_id"]
        assert max(talk.saying("halfway")) < min(talk.saying(program["summary"]))
        finish = [r for r in talk.fake.requests if any(
            m.get("role") == "tool" and "Summary to tell the person" in _text(m) for m in r.messages)]
        assert finish and "Week 1, day 1".lower() in _text(finish[0].messages[-1]).lower()


async def test_second_generation_while_one_runs_is_rejected(settings: Settings, db_url: str,
                                                            service_key: str) -> None:
    brain = Brain([("go ahead", GENERATE), ("another", GENERATE)])
    # 8 weeks at 1 s each: the first job is still running when the second request comes
    async with service(settings, db_url, builtin_week_delay_s=1.0) as base, \
            coach(base, service_key, brain) as talk:
        await talk.run("Go ahead")
        second = await talk.run("Actually, start another one as well")
        second.expect.next_event().is_function_call(name="generate_workout_program")
        output = second.expect.next_event().is_function_call_output().event().item.output
        assert "already being generated" in output
        second.expect.next_event().is_message(role="assistant")
        assert not talk.ended_of("generate_workout_program")  # the first one was still running

        await talk.ended_call("generate_workout_program")
        jobs = await api_get(base, service_key, "/api/jobs", user_id=talk.state.user_id)
        assert len(jobs["items"]) == 1  # the duplicate never reached the API


async def test_backend_down_is_one_clear_sentence() -> None:
    brain = Brain([("go ahead", GENERATE), ("how far", ToolCalls([ToolCall("check_program_status", {})]))])
    dead = f"http://127.0.0.1:{free_port()}"
    async with coach(dead, "nv_whatever", brain, connect_retries=1) as talk:
        result = await talk.run("Go ahead")
        result.expect.next_event().is_function_call(name="generate_workout_program")
        output = result.expect.next_event().is_function_call_output(is_error=True).event().item.output
        assert "can't be reached right now" in output
        assert "Traceback" not in output and "internal" not in output.lower() and "Error" not in output
        reply = result.expect.next_event().is_message(role="assistant").event().item.text_content or ""
        assert "can't be reached" in reply
        status = await talk.run("How far along is it?")
        status.expect.next_event().is_function_call(name="check_program_status")
        assert "No program is being generated" in (
            status.expect.next_event().is_function_call_output(is_error=False).event().item.output)


async def test_rejected_detail_is_asked_again(settings: Settings, db_url: str, service_key: str) -> None:
    too_short = {**GENERATE_ARGS, "height_value": 50, "height_unit": "cm", "height_extra_inches": 0}
    too_long = {**GENERATE_ARGS, "duration_weeks": 60}
    brain = Brain([("50 cm", ToolCalls([ToolCall("generate_workout_program", too_short)])),
                   ("60 weeks", ToolCalls([ToolCall("generate_workout_program", too_long)]))])
    async with api_server(settings, db_url) as base, coach(base, service_key, brain) as talk:
        first = await talk.run("I'm 50 cm tall, go")
        first.expect.next_event().is_function_call(name="generate_workout_program")
        output = first.expect.next_event().is_function_call_output(is_error=True).event().item.output
        assert "the height (50 cm) was not accepted" in output and "Ask the person for that detail again" in output
        second = await talk.run("Fine, 6 foot 2 then, but make it 60 weeks")
        second.expect.next_event().is_function_call(name="generate_workout_program")
        output = second.expect.next_event().is_function_call_output(is_error=True).event().item.output
        assert "the number of weeks was not accepted: input should be less than or equal to 52" in output
        jobs = await api_get(base, service_key, "/api/jobs")
        assert jobs["items"] == []


async def test_stream_cut_mid_job_falls_back_to_polling(settings: Settings, db_url: str,
                                                        service_key: str) -> None:
    brain = Brain([("go ahead", GENERATE)])
    async with service(settings, db_url) as base, CuttingProxy(base, cut_after=2) as proxy, \
            coach(proxy.url, service_key, brain, long_poll_s=5) as talk:
        await talk.run("Go ahead")
        ended = await talk.ended_call("generate_workout_program")
        assert ended.status == "done" and ended.message and "ready" in ended.message

        assert proxy.cut_at is not None
        streams = [r for r in proxy.requests if "/events" in r]
        polls = [r for r in proxy.requests if "/status/" in r and "wait=" in r]
        assert len(streams) == 2 and polls, proxy.requests  # cut, then refused (502), then long-polls
        assert any(t > proxy.cut_at for t, _ in talk.progress()), "no progress arrived after the cut"
        job = await api_get(base, service_key, f"/api/programs/status/{talk.state.job_id}")
        await wait_until(lambda: talk.saying("Your program is ready"), 15)
        assert talk.state.program_id == job["program_id"]


async def test_failed_job_is_told_plainly(settings: Settings, db_url: str, service_key: str) -> None:
    brain = Brain([("go ahead", GENERATE)])
    async with service(settings, db_url, builtin_week_delay_s=0.5, job_deadline_s=1.0) as base, \
            coach(base, service_key, brain) as talk:
        await talk.run("Go ahead")
        ended = await talk.ended_call("generate_workout_program")
        assert ended.status == "error" and ended.message
        assert "Generating the program failed: Generation timed out" in ended.message
        await wait_until(lambda: talk.saying("timed out"), 15)
        assert talk.state.program_id is None


async def test_cancel_on_request(settings: Settings, db_url: str, service_key: str) -> None:
    brain = Brain([("go ahead", GENERATE), ("stop", ToolCalls([ToolCall("cancel_program_generation", {})]))])
    # 8 weeks at 2 s each: the job is surely still running when the person asks to stop
    async with service(settings, db_url, builtin_week_delay_s=2.0) as base, \
            coach(base, service_key, brain) as talk:
        await talk.run("Go ahead")
        result = await talk.run("Wait, stop it please")
        result.expect.next_event().is_function_call(name="cancel_program_generation")
        # The job's stream may announce "cancelled" (a background reply) before the tool's own
        # output is recorded: which comes first is a race between two tasks, under load either.
        assert "cancelled" in result.expect.next_event(type="function_call_output").event().item.output
        ended = await talk.ended_call("generate_workout_program")
        assert ended.status == "done" and ended.message and "cancelled" in ended.message
        job = await api_get(base, service_key, f"/api/programs/status/{talk.state.job_id}")
        assert job["status"] == "cancelled"


# ---------------------------------------------------------------- the text REPL


async def test_chat_prints_background_replies(settings: Settings, db_url: str, service_key: str) -> None:
    out: list[str] = []
    brain = Brain([("go ahead", GENERATE)])

    async def typed() -> AsyncIterator[str]:
        yield "Yes, go ahead"
        await wait_until(lambda: any("Your program is ready" in line for line in out), 30)
        yield "quit"

    async with service(settings, db_url) as base, FakeOpenAI(default=brain) as fake, \
            NowvaBackend(base, service_key) as backend:
        llm = openai.LLM(model="gpt-fake", base_url=fake.base_url, api_key="test")
        try:
            state = await asyncio.wait_for(run_chat(llm, backend, typed(), out.append), 40)
        finally:
            await llm.aclose()
    assert out[0] == f"coach: {GREETING}"
    assert any(line.startswith("coach: [generate_workout_program] The program generation has started")
               for line in out)
    assert any(line.startswith("coach:") and "halfway" in line for line in out)  # a background reply
    assert any(line.startswith("  (Progress:") for line in out)  # a silent update, shown dimly
    assert state.program_id is not None


def _guarded_python(code: str) -> list[str]:
    """A child Python with the same loopback-only guard, then `code`."""
    guard = (
        "import socket\n"
        "_real = socket.socket.connect\n"
        "def _connect(s, a):\n"
        "    if s.family in (socket.AF_INET, socket.AF_INET6) and not str(a[0]).startswith(('127.', '::1')):\n"
        "        raise SystemExit(f'socket guard: {a!r} is not loopback')\n"
        "    return _real(s, a)\n"
        "socket.socket.connect = _connect\n"
    )
    return [sys.executable, "-c", guard + code]


async def test_python_m_agent_chat(settings: Settings, db_url: str, service_key: str,
                                   tmp_path: Path) -> None:
    brain = Brain([("go ahead", GENERATE)])
    async with service(settings, db_url) as base, FakeOpenAI(default=brain) as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "NOWVA_", "LIVEKIT_"))}
        env.update(FASTAPI_URL=base, NOWVA_API_KEY=service_key, OPENAI_BASE_URL=fake.base_url,
                   OPENAI_API_KEY="test", NOWVA_AGENT_MODEL="gpt-fake", NOWVA_DATA_DIR=str(tmp_path))
        code = "import runpy, sys\nsys.argv = ['agent', 'chat']\nrunpy.run_module('agent', run_name='__main__')\n"
        proc = await asyncio.create_subprocess_exec(
            *_guarded_python(code), cwd=ROOT, env=env, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        assert proc.stdin is not None and proc.stdout is not None
        lines: list[str] = []
        try:
            async def read_until(needle: str) -> None:
                assert proc.stdout is not None
                while not any(needle in line for line in lines):
                    raw = await proc.stdout.readline()
                    if not raw:
                        raise AssertionError("the chat ended early:\n" + "".join(lines))
                    lines.append(raw.decode())

            await asyncio.wait_for(read_until(GREETING), 30)
            proc.stdin.write(b"Yes, go ahead\n")
            await asyncio.wait_for(read_until("Your program is ready"), 30)
            proc.stdin.write(b"quit\n")
            await proc.stdin.drain()
            assert await asyncio.wait_for(proc.wait(), 20) == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    text = "".join(lines)
    assert "socket guard" not in text and "Traceback" not in text
    assert "halfway" in text


async def test_python_m_agent_runs_the_livekit_cli() -> None:
    proc = await asyncio.create_subprocess_exec(
        *_guarded_python("import runpy, sys\nsys.argv = ['agent', '--help']\n"
                         "runpy.run_module('agent', run_name='__main__')\n"),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "COLUMNS": "120"})
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    text = out.decode()
    assert proc.returncode == 0, text
    from agent.__main__ import CHAT_HELP, DESCRIPTIONS

    listed = " ".join(text.split())  # the help is drawn in boxes; descriptions wrap
    for command, description in [*DESCRIPTIONS.items(), ("chat", CHAT_HELP)]:
        words = " ".join(description.split()[:6])
        assert f"│ {command} " in text and words in listed.replace(" │ ", " "), (command, text)


async def test_python_m_agent_without_its_extra_says_how_to_install_it() -> None:
    # As if `pip install -e .` had been run without `[agent]`: livekit cannot be imported.
    for argv in (["agent", "--help"], ["agent", "chat"], ["agent", "dev"]):
        proc = await asyncio.create_subprocess_exec(
            *_guarded_python(f"import runpy, sys\nsys.modules['livekit'] = None\nsys.argv = {argv!r}\n"
                             "runpy.run_module('agent', run_name='__main__')\n"),
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(proc.communicate(), 30)
        text = out.decode()
        assert proc.returncode == 2, text
        assert "needs the optional `agent` extra" in text and "pip install -e '.[agent]'" in text, text
        assert "Traceback" not in text and len(text.strip().splitlines()) == 2, text



async def test_chat_speaks_the_plan_before_the_program_is_ready(settings: Settings, db_url: str,
                                                                service_key: str) -> None:
    """The OpenAI engine in blocks, against the fake coach model at a pace where the blocks take
    seconds: the coach relays the plan as soon as it exists, and answers a question about the
    program from it while the blocks are still being written."""
    from tests.fakes.coach_model import CoachModel
    from tests.fakes.openai_server import Pace

    out: list[tuple[float, str]] = []
    brain = Brain([("go ahead", GENERATE), ("look like", ToolCalls([ToolCall("check_program_status", {})]))])

    def said(needle: str) -> list[float]:
        return [t for t, line in out if needle in line]

    async def typed() -> AsyncIterator[str]:
        yield "Yes, go ahead"
        await wait_until(lambda: said("] Plan: "), 30)
        yield "What will the program look like?"
        await wait_until(lambda: said("Your program is ready"), 60)
        yield "quit"

    # Blocks of about 1,300 tokens at 150 tokens/s: the program is ready some 10 s after its plan,
    # time for the question and its answer even on a loaded machine.
    async with FakeOpenAI(default=CoachModel(), pace=Pace(0.2, 150, chunk_s=0.1)) as model:
        s = settings.with_(generator="openai", openai_api_key="test-key", openai_base_url=model.base_url,
                           openai_model="gpt-test", openai_strategy="blocks", progress_interval_s=0.0)
        async with api_server(s, db_url) as base, worker_task(s, db_url), FakeOpenAI(default=brain) as fake, \
                NowvaBackend(base, service_key) as backend:
            llm = openai.LLM(model="gpt-fake", base_url=fake.base_url, api_key="test")
            try:
                state = await asyncio.wait_for(run_chat(llm, backend, typed(), lambda line: out.append(
                    (datetime.now().timestamp(), line))), 90)
            finally:
                await llm.aclose()
            job = await api_get(base, service_key, f"/api/programs/status/{state.job_id}")
    ready_at = datetime.fromisoformat(job["completed_at"]).timestamp()
    plan = job["plan"]
    spoken = [(t, line) for t, line in out if line.startswith("coach: [generate_workout_program] Plan: ")]
    assert spoken and plan["name"] in spoken[0][1] and "weeks 1 to 4" in spoken[0][1]
    assert spoken[0][0] < ready_at  # the person heard the plan while the program was being written
    answered = [(t, line) for t, line in out if line.startswith("coach: [check_program_status]")]
    assert answered and "Its plan:" in answered[0][1] and plan["summary"][:40] in answered[0][1]
    assert answered[0][0] < ready_at
    assert state.program_id == job["program_id"]
