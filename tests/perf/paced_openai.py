"""A local OpenAI-compatible server at a real model's pace, for the stepwise benchmark.

    python -m tests.perf.paced_openai PORT [TTFT_S TOKENS_PER_S [CHUNK_S]]

It is tests/fakes/openai_server.py's FakeOpenAI with the fake coach model (tests/fakes/coach_model.py;
with NOWVA_PERF_WRITER=real, the realistic writer of tests/fakes/real_model.py) answering every plan,
block and whole-program call, at 1 s to the first token and 100 tokens/s per
stream by default, with no limit on concurrent streams; plus GET /log: one line per request (which
benchmark job it was for, the step, when it started, got its first token and ended, the output
tokens it sent, also when the client hung up mid-answer), and GET /stats: requests started, finished
and open now, and the most ever open at once.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
from typing import Any

import uvicorn

from tests.fakes.coach_model import CoachModel, block_index, is_repair, schema_name
from tests.fakes.openai_server import FakeOpenAI, Pace, Responder
from tests.fakes.real_model import RealModel
from tests.perf.slow_openai import Stats

TAG = re.compile(r"zq[0-9a-f]{8}")


def log_of(fake: FakeOpenAI) -> list[dict[str, Any]]:
    now_wall, now_mono = time.time(), time.monotonic()

    def at(t: float | None) -> float | None:  # wall clock, to compare with the database's timestamps
        return None if t is None else round(now_wall - (now_mono - t), 3)

    out = []
    for r in fake.requests:
        # A resumed stream (GET /v1/responses/{id}?stream=true) carries no prompt: its tag is its response's.
        parts = r.path.split("/")
        stored = fake.responses.get(parts[3]) if len(parts) > 3 and parts[2] == "responses" else None
        tag = TAG.search(stored.request.text if stored is not None else r.text)
        out.append({"tag": tag.group(0) if tag else None, "kind": schema_name(r), "index": block_index(r),
                    "repair": is_repair(r), "path": r.path, "received": at(r.received_at),
                    "first_token": at(r.first_token_at), "finished": at(r.finished_at),
                    "disconnected": at(r.disconnected_at), "tokens_sent": r.tokens_sent})
    # Background responses (Responses API): what was generated, and so billed, once per response,
    # however many streams read it.
    for stored in fake.responses.values():
        tag = TAG.search(stored.request.text)
        out.append({"tag": tag.group(0) if tag else None, "kind": "response", "index": block_index(stored.request),
                    "path": "", "status": stored.status, "tokens_generated": stored.output_tokens,
                    "resumed": stored.resumed, "retrieved": stored.retrieved, "tokens_sent": 0,
                    "resumed_after": stored.resumed_after})
    return out


class App(Stats):
    """slow_openai's counting server, plus /log: every request's timings and tokens."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("path") == "/log":
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": json.dumps(log_of(self.fake)).encode()})
            return
        await super().__call__(scope, receive, send)


def main() -> None:
    port = int(sys.argv[1])
    ttft, rate = (float(sys.argv[2]), float(sys.argv[3])) if len(sys.argv) > 3 else (1.0, 100.0)
    chunk_s = float(sys.argv[4]) if len(sys.argv) > 4 else Pace().chunk_s
    writer: Responder = RealModel() if os.environ.get("NOWVA_PERF_WRITER") == "real" else CoachModel()
    fake = FakeOpenAI(default=writer, model="gpt-perf",
                      pace=Pace(ttft_s=ttft, tokens_per_s=rate, chunk_s=chunk_s))
    config = uvicorn.Config(App(fake), host="127.0.0.1", port=port, lifespan="off", log_level="warning",
                            access_log=False, backlog=4096, timeout_keep_alive=60)
    asyncio.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    main()
