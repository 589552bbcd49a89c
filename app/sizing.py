"""Which programs one model answer can write inside the job's deadline (core: no LLM imports).

With NOWVA_OPENAI_STRATEGY=single the whole program is one streamed answer, and an answer's time
grows with its length: about 250 output tokens per training day of the program (the built-in
engine's JSON for a day, at 4 characters a token), so a 12-week, 4-day program is some 12,000
tokens, two minutes at 100 tokens/s, and 52 weeks x 7 days half an hour. The API refuses what
cannot finish instead of accepting a job that will time out. The stepwise strategy (`blocks`, the
default) writes any size the API accepts in about a minute, so it refuses nothing.
"""

from __future__ import annotations

from app.errors import RequestInvalid
from app.models import GenerateRequest
from app.settings import Settings

TOKENS_PER_TRAINING_DAY = 250
TIME_TO_FIRST_TOKEN_S = 1.0
DEADLINE_SHARE = 0.9  # room for the validation, a slow start and the events


def single_answer_s(weeks: int, days: int, tokens_per_s: float) -> float:
    return TIME_TO_FIRST_TOKEN_S + weeks * days * TOKENS_PER_TRAINING_DAY / tokens_per_s


def refuse_unwritable(body: GenerateRequest, settings: Settings) -> None:
    if settings.engine_name != "openai" or settings.openai_strategy != "single":
        return
    budget = settings.job_deadline_s * DEADLINE_SHARE
    needed = single_answer_s(body.duration_weeks, body.days_per_week, settings.openai_tokens_per_s)
    if needed <= budget:
        return
    days = max(0, int((budget - TIME_TO_FIRST_TOKEN_S) * settings.openai_tokens_per_s / TOKENS_PER_TRAINING_DAY))
    weeks = min(52, days // body.days_per_week)
    fits = (f"at {body.days_per_week} days a week, at most {weeks} weeks" if weeks else
            f"not even one week at {body.days_per_week} days a week")
    raise RequestInvalid([{
        "loc": ["body", "duration_weeks"],
        "msg": (f"A {body.duration_weeks}-week program at {body.days_per_week} days a week takes about "
                f"{needed:.0f} s to write in one answer at {settings.openai_tokens_per_s:g} tokens/s, past the "
                f"{settings.job_deadline_s:g} s deadline ({fits}); the service runs NOWVA_OPENAI_STRATEGY=single"),
        "type": "too_long_to_generate"}])
