"""What the service understood about the person, read once at the job's start (issue 24).

The request's own profile (what the voice agent heard) is merged with the reading of its words
(app/coaching/reading), stored with the job and announced as an `understood` event before the
plan. The engine then gets the request with the merged profile in it, so the writer and the
prompt see what was understood rather than re-reading the words on their own.

Reading happens here rather than in the API: the API stays fast and never loads spaCy, and a
worker builds the pipeline once, at startup (`warm`), off its event loop.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from uuid import UUID

import asyncpg
from pydantic import ValidationError

from app import step_queries as steps_q
from app.coaching.profile import Profile, Unplaced
from app.coaching.reading.pipeline import nlp
from app.coaching.reading.reader import Reading, merge, read
from app.models import GenerateRequest

log = logging.getLogger(__name__)


async def warm() -> None:
    """Build the reading pipeline in a thread (about a second): the first job must not pay it on the loop."""
    await asyncio.to_thread(nlp)


async def understand(pool: asyncpg.Pool, job_id: UUID, attempt: int, request: GenerateRequest,
                     stored: Any = None, stored_unplaced: Any = None) -> tuple[GenerateRequest, list[Unplaced]]:
    """The request with the merged profile in it, and the unplaced words; stored and announced the
    first time only. `stored`: the job's profile as an earlier attempt stored it (start_attempt), which
    a retry takes as it is: the model's reading may have added to it (jobs/engines/llm/stepwise.py),
    and re-reading the words would lose that."""
    if stored is not None:
        try:
            return (request.model_copy(update={"profile": Profile.model_validate(stored)}),
                    [Unplaced.model_validate(u) for u in stored_unplaced or []])
        except ValidationError:  # stored by an older contract: read the words again below
            log.warning("job %s: its stored profile no longer reads; reading its words again", job_id)
    try:
        reading = read(request.goal_raw)  # ~1 ms warm; the same words always give the same reading
    except Exception:  # a bug in reading must not cost the person their program: go on with what the caller sent
        log.exception("job %s: reading its words failed; going on with the request's profile", job_id)
        reading = Reading(Profile())
    profile = merge(request.profile, reading.profile)
    stored_now = await steps_q.save_understood(pool, job_id, attempt, profile.model_dump(mode="json"),
                                         [u.model_dump(mode="json") for u in reading.unplaced])
    if stored_now:
        log.info("job %s understood: %d injuries, %d conditions, %d unplaced", job_id, len(profile.injuries),
                 len(profile.conditions), len(reading.unplaced))
    return request.model_copy(update={"profile": profile}), list(reading.unplaced)
