"""Pick the engine the settings ask for. The OpenAI SDK is imported only when used."""

from __future__ import annotations

from app.settings import Settings
from jobs.engines.base import Engine


def make_engine(settings: Settings) -> Engine:
    if settings.engine_name == "openai":
        from jobs.engines.llm.engine import OpenAIEngine

        return OpenAIEngine(settings)
    from jobs.engines.builtin import BuiltinEngine

    return BuiltinEngine(week_delay=settings.builtin_week_delay_s)
