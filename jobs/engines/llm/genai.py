"""A model call's span, named and attributed as OpenTelemetry's GenAI semantic conventions say
(docs/observability.md): `chat <model>`, with the request's model and token cap, then the answer's
model, response id, token counts, finish reason and price. OpenAI's own instrumentation is not
used: it does not read background responses (their create call carries no usage)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app import tracing
from jobs.engines.base import StoredStep

if TYPE_CHECKING:
    from jobs.engines.llm.answers import Answer

PROVIDER = "openai"


def model_call_span(model: str, max_tokens: int, what: str, reattach: StoredStep | None) -> Any:
    """The span of one call (a context manager yielding it; None with tracing off). A call that
    re-attaches to a response an earlier attempt started links to that attempt's call."""
    if not tracing.enabled():
        return tracing.span("")  # a no-op
    attributes = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": PROVIDER, "gen_ai.system": PROVIDER,
                  "gen_ai.request.model": model, "gen_ai.request.max_tokens": max_tokens, "nowva.call": what}
    if reattach is not None and reattach.response_id is not None:
        attributes["nowva.reattached_to"] = reattach.response_id
    return tracing.span(f"chat {model}", attributes, kind="CLIENT",
                        link=reattach.traceparent if reattach is not None else None)


def answered(span: Any, answer: Answer) -> None:
    """What the answer says, on the call's span."""
    if span is None:  # tracing off
        return
    u = answer.usage
    tracing.annotate({
        "gen_ai.response.model": answer.model, "gen_ai.response.id": answer.response_id,
        "gen_ai.usage.input_tokens": int(u["prompt_tokens"]) if "prompt_tokens" in u else None,
        "gen_ai.usage.output_tokens": int(u["completion_tokens"]) if "completion_tokens" in u else None,
        "gen_ai.response.finish_reasons": [answer.finish_reason] if answer.finish_reason else None,
        "nowva.cost_usd": u.get("cost_usd"), "nowva.reattached": bool(u.get("reattached")),
    }, span)
