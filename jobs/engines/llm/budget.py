"""How many output tokens each call may use (`max_completion_tokens`), from the size expected.

The figures are generous upper estimates of the JSON a call returns (about 4 characters per
token): a cap that cuts a normal answer would fail jobs, one far above it would let a runaway
answer run up the bill and the deadline.
"""

from __future__ import annotations

from app.models import GenerateRequest
from jobs.engines.llm.calls import REASONING_ALLOWANCE
from jobs.engines.llm.plan import PlanBlock

MODEL_MAX_OUTPUT = 128_000
EXERCISES_PER_DAY = 8  # the most a day usually holds
TOKENS_PER_EXERCISE = 60  # one exercise of one week, in the whole-program JSON
BLOCK_TOKENS_PER_EXERCISE = 50  # name, rest, notes and the JSON around them, once per block
BLOCK_TOKENS_PER_ROW = 12  # one week's "4x6-8 @ RPE 8"
HEARD_TOKENS = 150  # the plan's `heard`: about 20 when the words say nothing of the body, 25 an item


def _cap(expected: int) -> int:
    return min(MODEL_MAX_OUTPUT, 2 * expected + REASONING_ALLOWANCE)


def single_tokens(request: GenerateRequest) -> int:
    return _cap(400 + request.duration_weeks * request.days_per_week * EXERCISES_PER_DAY * TOKENS_PER_EXERCISE)


def plan_tokens(request: GenerateRequest) -> int:
    return _cap(500 + HEARD_TOKENS + 20 * request.duration_weeks + 20 * request.days_per_week)


def block_tokens(request: GenerateRequest, spec: PlanBlock) -> int:
    per_exercise = BLOCK_TOKENS_PER_EXERCISE + BLOCK_TOKENS_PER_ROW * spec.length
    return _cap(100 + request.days_per_week * EXERCISES_PER_DAY * per_exercise)
