"""The agent's settings, read once from the environment and passed in.

Names follow the service (NOWVA_*), the seed guide (FASTAPI_URL) and the SDKs
(LIVEKIT_*, OPENAI_*), so one `.env` serves every process.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_API_URL = "http://127.0.0.1:8000"


def read_key_file(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


@dataclass(frozen=True)
class AgentConfig:
    api_url: str = DEFAULT_API_URL
    api_key: str | None = field(default=None, repr=False)
    livekit_url: str | None = None
    livekit_api_key: str | None = None
    livekit_api_secret: str | None = field(default=None, repr=False)
    openai_api_key: str | None = field(default=None, repr=False)
    openai_base_url: str | None = None
    llm_model: str = "gpt-4.1-mini"
    stt_model: str = "gpt-4o-mini-transcribe"
    tts_model: str = "gpt-4o-mini-tts"
    tts_voice: str = "ash"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AgentConfig:
        e: Mapping[str, str] = os.environ if env is None else env
        # `nowva serve` on the embedded database saves its first service key in the data dir,
        # and records its URL there while it runs (app/settings.py names the same files), so a
        # local agent needs no setup, whatever the port.
        data_dir = Path(e.get("NOWVA_DATA_DIR") or ".nowva")
        api_url = e.get("NOWVA_API_URL") or e.get("FASTAPI_URL") or read_key_file(data_dir / "api_url")
        return cls(
            api_url=(api_url or DEFAULT_API_URL).rstrip("/"),
            api_key=e.get("NOWVA_API_KEY") or read_key_file(data_dir / "service_key"),
            livekit_url=e.get("LIVEKIT_URL") or None,
            livekit_api_key=e.get("LIVEKIT_API_KEY") or None,
            livekit_api_secret=e.get("LIVEKIT_API_SECRET") or None,
            openai_api_key=e.get("OPENAI_API_KEY") or None,
            openai_base_url=e.get("OPENAI_BASE_URL") or None,
            llm_model=e.get("NOWVA_AGENT_MODEL") or cls.llm_model,
            stt_model=e.get("NOWVA_AGENT_STT_MODEL") or cls.stt_model,
            tts_model=e.get("NOWVA_AGENT_TTS_MODEL") or cls.tts_model,
            tts_voice=e.get("NOWVA_AGENT_VOICE") or cls.tts_voice,
        )
