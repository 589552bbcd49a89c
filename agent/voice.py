"""The LiveKit side: an AgentServer whose sessions run the coach with OpenAI speech.

`python -m agent console|dev|start` runs this server through the LiveKit CLI. The
entrypoint lives here, not in __main__, so job processes can import it by name.
"""

from __future__ import annotations

import json
from typing import Any

from livekit.agents import AgentServer, AgentSession, JobContext
from livekit.plugins import openai

from agent.backend import NowvaBackend
from agent.coach import GREETING, Coach, CoachState
from agent.config import AgentConfig


def _openai_options(config: AgentConfig) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if config.openai_api_key:
        options["api_key"] = config.openai_api_key
    if config.openai_base_url:
        options["base_url"] = config.openai_base_url
        # Local OpenAI-compatible servers take any key, but the SDK insists on one.
        options.setdefault("api_key", "unused")
    return options


def make_llm(config: AgentConfig) -> openai.LLM:
    return openai.LLM(model=config.llm_model, **_openai_options(config))


def make_voice_session(config: AgentConfig, userdata: CoachState) -> AgentSession[CoachState]:
    options = _openai_options(config)
    return AgentSession[CoachState](
        # Realtime transcription detects the end of a turn on the server, so no local VAD model is needed.
        stt=openai.STT(model=config.stt_model, use_realtime=True, **options),
        llm=make_llm(config),
        tts=openai.TTS(model=config.tts_model, voice=config.tts_voice, **options),
        userdata=userdata,
    )


def user_id_from_metadata(raw: str) -> str | None:
    """An app that knows its user dispatches the agent with job metadata {"user_id": "..."}."""
    try:
        value = json.loads(raw).get("user_id") if raw else None
    except (ValueError, AttributeError):
        return None
    return str(value) if value else None


server = AgentServer()


@server.rtc_session()
async def entrypoint(ctx: JobContext) -> None:
    config = AgentConfig.from_env()
    backend = NowvaBackend.from_config(config)
    ctx.add_shutdown_callback(backend.aclose)
    session = make_voice_session(config, CoachState(user_id=user_id_from_metadata(ctx.job.metadata)))
    await session.start(agent=Coach(backend), room=ctx.room)
    session.generate_reply(instructions=GREETING)
