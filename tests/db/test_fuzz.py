"""Schemathesis against /openapi.json with a valid key: no 5xx, and every response matches its
documented status codes, content types and schemas."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest

from tests.support import Live

pytestmark = pytest.mark.slow

CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
])


@pytest.mark.timeout(660)  # past the wait below, so a slow run fails with schemathesis's output
async def test_schemathesis_finds_no_server_error_or_schema_violation(live: Live, tmp_path: Path) -> None:
    # With a worker running, the jobs schemathesis creates finish at once, so its
    # long-polls on them (wait up to 60 s) answer immediately.
    api_only = live
    st = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    proc = await asyncio.create_subprocess_exec(
        st, "run", f"{api_only.base_url}/openapi.json",
        "-H", f"Authorization: Bearer {api_only.key}",
        "--checks", CHECKS,
        # endless streams are exercised by tests/db/test_events.py instead
        "--exclude-path-regex", r"/events$",
        "--max-examples", "40", "--seed", "7", "--request-timeout", "65",
        "--report", "junit", "--report-dir", str(tmp_path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=600)
    text = out.decode(errors="replace")
    assert proc.returncode == 0, text[-6000:]
