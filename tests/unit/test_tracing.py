"""Issue 28, without processes or a database: the standard OTEL_* variables switch tracing, nothing
of OpenTelemetry is loaded while they are unset, and a call's price comes from genai-prices' table."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from app import tracing
from jobs.engines.llm import prices
from tests.support import ROOT

MODEL = "gpt-5-mini"


def test_the_standard_variables_switch_tracing_on() -> None:
    assert not tracing.wanted({})
    assert tracing.wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"})
    assert tracing.wanted({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"})
    assert tracing.wanted({"OTEL_TRACES_EXPORTER": "otlp"})
    assert not tracing.wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x", "OTEL_SDK_DISABLED": "true"})
    assert not tracing.wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x", "OTEL_TRACES_EXPORTER": "none"})


def test_with_tracing_off_nothing_of_opentelemetry_is_loaded() -> None:
    code = ("import sys; from app import tracing; from app.web.app import create_app; from jobs import runner; "
            "tracing.configure('x'); "
            "print(tracing.enabled(), sorted(m for m in sys.modules if m.startswith('opentelemetry')))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False []"


def test_a_call_is_priced_from_the_table_and_an_unknown_model_costs_null(caplog: pytest.LogCaptureFixture) -> None:
    usage = {"prompt_tokens": 1000, "cached_tokens": 200, "completion_tokens": 500, "reasoning_tokens": 300}
    # gpt-5-mini: $0.25 per million input tokens, $0.025 cached, $2 output (reasoning included).
    assert prices.cost_usd(MODEL, usage) == pytest.approx(800 * 0.25e-6 + 200 * 0.025e-6 + 500 * 2e-6)
    assert prices.cost_usd(MODEL, {"calls": 1}) is None  # a call that failed before any token
    with caplog.at_level(logging.WARNING, logger="jobs.engines.llm.prices"):
        assert prices.cost_usd("no-such-model-28", usage) is None
        assert prices.cost_usd("no-such-model-28", usage) is None
    assert sum("no-such-model-28" in r.getMessage() for r in caplog.records) == 1  # said once
