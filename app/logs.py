"""Logging: human-readable lines by default, one JSON object per line with --log-format json.

Two filters sit on the one handler, so they see every record, whichever library logged it:

* context: job_id and request_id from contextvars (set by app.web.http.RequestIdMiddleware in the API
  and by the worker runner around a job), so every line about a job says which one; and, with
  tracing on (app/tracing.py), the trace_id and span_id of the span the line was logged in;
* redaction: API keys (nwv_<prefix>_<secret>: the public prefix stays, the secret goes),
  Bearer tokens, ?token= stream tokens, OpenAI keys and URL passwords never reach a log.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}
# uvicorn repeats its message with ANSI colours as an extra: noise in a JSON line.
_NOT_FIELDS = _STANDARD | {"color_message"}

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("nowva_request_id", default=None)
job_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("nowva_job_id", default=None)

# ---------------------------------------------------------------- redaction

_REDACTIONS: list[tuple[re.Pattern[str], str]] = [
    # Character classes stop at quotes and backslashes, so redacting a JSON line keeps it JSON.
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=\-]{8,}"), r"\1[REDACTED]"),
    (re.compile(r"\b(nwv_[0-9a-fA-F]{8}_)[A-Za-z0-9_\-]+"), r"\1[REDACTED]"),
    (re.compile(r"(?i)([?&;]token=)[^&\s\"'\\#]+"), r"\1[REDACTED]"),
    (re.compile(r"\b(sk-)[A-Za-z0-9_\-]{16,}"), r"\1[REDACTED]"),
    (re.compile(r"(?i)\b(postgres(?:ql)?://[^:/@\s\"'\\]+:)[^@\s\"'\\]+@"), r"\1[REDACTED]@"),
]


def redact(text: str) -> str:
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RedactFilter(logging.Filter):
    """Rewrites the record in place: message, string extras, exception and stack text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: let the handler report it, as logging does
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


# ---------------------------------------------------------------- context

# The current span's (trace_id, span_id), set by app.tracing when tracing is on: None keeps the
# filter from calling into it at all when off (app.tracing imports this module, not the reverse).
_trace_ids: Callable[[], tuple[str, str] | None] | None = None


def follow_traces(ids: Callable[[], tuple[str, str] | None]) -> None:
    global _trace_ids
    _trace_ids = ids


# Lines from code that does not run inside a job context (the sweeper, Procrastinate)
# still name the job in their text or their `job` extra: pick it up from there.
_JOB_IN_TEXT = re.compile(
    r"(?:\bjob(?:_id)?['\"]?[\s:=]+['\"]?|/api/programs/status/)"
    r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})", re.I)


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _trace_ids is not None and not hasattr(record, "trace_id"):
            ids = _trace_ids()
            if ids is not None:
                record.trace_id, record.span_id = ids
        request_id = request_id_var.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        if not hasattr(record, "job_id"):
            job_id = job_id_var.get() or _job_named_in(record)
            if job_id is not None:
                record.job_id = job_id
        return True


def _job_named_in(record: logging.LogRecord) -> str | None:
    job = getattr(record, "job", None)  # Procrastinate's extra: a dict with task_kwargs
    if isinstance(job, dict):
        kwargs = job.get("task_kwargs")
        if isinstance(kwargs, dict) and isinstance(kwargs.get("job_id"), str):
            return str(kwargs["job_id"])
    try:
        match = _JOB_IN_TEXT.search(record.getMessage())
    except Exception:  # a malformed call: the handler reports it
        return None
    return match.group(1).lower() if match else None


@contextlib.contextmanager
def job_context(job_id: UUID | str) -> Iterator[None]:
    """Every line logged inside carries this job_id."""
    token = job_id_var.set(str(job_id))
    try:
        yield
    finally:
        job_id_var.reset(token)


# ---------------------------------------------------------------- formatting


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _NOT_FIELDS and not key.startswith("_"):
                out[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info or record.exc_text:
            out["exc"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        if record.stack_info:
            out["stack"] = record.stack_info
        # A last pass over the whole line: str() of an extra may hold what the filter could not see.
        return redact(json.dumps(out))


class TextFormatter(logging.Formatter):
    """`12:00:01 INFO    jobs.runner: job … started  [job_id=… request_id=…]`"""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = " ".join(f"{key}={getattr(record, key)}" for key in ("job_id", "request_id", "trace_id")
                           if getattr(record, key, None))
        return redact(f"{line}  [{context}]" if context else line)


def configure_logging(fmt: str = "text", level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S"))
    # On the handler, not a logger: handler filters also see records propagated from
    # every library's loggers.
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Procrastinate logs every job at INFO; keep its noise for DEBUG.
    logging.getLogger("procrastinate").setLevel(max(logging.WARNING, root.level))
