"""What a model call costs in US dollars, from the `genai-prices` package's table (its shipped
snapshot: no network). It prices cached input tokens and reasoning tokens as the provider does.

A model the table does not know costs None (null in the job's usage), said once per model in the
log. The worst case of a call (its input, and every output token it may write) is what the
per-job ceiling NOWVA_JOB_MAX_COST_USD reserves before the call is made.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import genai_prices

log = logging.getLogger(__name__)

PROVIDER = "openai"
CHARS_PER_TOKEN = 3  # a generous guess of the input's tokens before the call (JSON and English)
_unknown: set[str] = set()


def cost_usd(model: str, usage: Mapping[str, float]) -> float | None:
    """The price of one call's usage (our keys: prompt_tokens, cached_tokens, completion_tokens,
    reasoning_tokens); None without tokens or for a model the table does not know."""
    if "prompt_tokens" not in usage and "completion_tokens" not in usage:
        return None
    tokens = genai_prices.Usage(
        input_tokens=int(usage.get("prompt_tokens", 0)),
        cache_read_tokens=int(usage.get("cached_tokens", 0)),
        output_tokens=int(usage.get("completion_tokens", 0)),
        output_reasoning_tokens=int(usage.get("reasoning_tokens", 0)),
    )
    try:
        price = genai_prices.calc_price(tokens, model, provider_id=PROVIDER)
    except LookupError:
        if model not in _unknown:
            _unknown.add(model)
            log.warning("the price table (genai-prices %s) does not know the model %r: its calls cost null",
                        genai_prices.__version__, model)
        return None
    return float(price.total_price)


def worst_case_usd(model: str, messages: list[dict[str, str]], max_tokens: int) -> float:
    """The most a call can cost: its input guessed from its length, and all of max_tokens written.
    0 for a model the table does not know (nothing to hold it to)."""
    chars = sum(len(m.get("content", "")) for m in messages)
    return cost_usd(model, {"prompt_tokens": chars // CHARS_PER_TOKEN + 1, "completion_tokens": max_tokens}) or 0.0
