"""What the plan call heard in the person's words (issue 24, item 2): the model's reading, in the
profile's terms (plan.Heard, the plan's first field; the first field of the one-call answer too),
merged with what was understood on the cautious side (app/coaching/reading/reader.py: merge_heard).
It rides on the plan call: no call of its own, a few dozen output tokens.

If the model found more (an injury or a condition the offline reader missed, a more cautious
status), the job's profile is stored again and announced as a second `understood` event
(`revised`), before the plan's own event, and every block and check of the attempt is for the
person as now understood. A retried attempt starts from the stored profile, so it hears nothing new.
"""

from __future__ import annotations

import logging
import re

import jiter
from pydantic import ValidationError

from app.coaching.person import Person
from app.coaching.profile import Profile, Unplaced
from app.coaching.reading.reader import merge_heard
from app.coaching.telling import told_program
from app.models import ProgramContent
from jobs.engines.base import StepStore
from jobs.engines.llm.plan import Heard, nothing_heard

log = logging.getLogger(__name__)


async def hear(said: Heard, person: Person, store: StepStore | None) -> Person:
    """The person as the model heard them: the same one when it heard nothing new."""
    understood = person.request.profile or Profile()
    heard = said.profile()
    merged = merge_heard(understood, heard)
    if merged == understood:
        return person
    unplaced = [u for u in person.unplaced if not placed(u, heard)]
    log.info("the plan heard more in the person's words than the reader: %d injuries, %d conditions now "
             "(were %d, %d); %d unplaced (were %d)", len(merged.injuries), len(merged.conditions),
             len(understood.injuries), len(understood.conditions), len(unplaced), len(person.unplaced))
    if store is not None:
        await store.heard(merged.model_dump(mode="json"), [u.model_dump(mode="json") for u in unplaced])
    return person.with_profile(merged, unplaced)


def heard_in(text: str) -> Heard:
    """The `heard` of a one-call answer (HeardProgram), or nothing heard when it has none that reads."""
    try:
        answer = jiter.from_json(text.encode(), partial_mode="trailing-strings")
        return Heard.model_validate(answer.get("heard")) if isinstance(answer, dict) and "heard" in answer \
            else nothing_heard()
    except (ValueError, ValidationError):
        return nothing_heard()


def _norm(text: str | None) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", (text or "").lower()))


def placed(unplaced: Unplaced, heard: Profile) -> bool:
    """Whether the model placed what the reader could not: an item it heard came from those words."""
    theirs = _norm(unplaced.words)
    return any(words and (words in theirs or theirs in words)
               for words in (_norm(i.words) for i in [*heard.injuries, *heard.conditions]))


def told(program: ProgramContent, person: Person) -> ProgramContent:
    """The model's summary, then what the program was adapted for and what was not accounted for:
    code's sentences, from the profile as the plan heard it (app/coaching/telling.py)."""
    return told_program(program, person.request.profile, person.unplaced)
