"""The one-call strategy (NOWVA_OPENAI_STRATEGY=single): the whole program in one streamed
answer, checked, repaired at most once.

Flow: "prompting" (5%) -> stream the program, reporting "Week k of N drafted" (10-90%) as week
objects complete in the partial JSON -> "validating" (92%) with the validator -> on violations,
"repairing" (94%): one more call that shows the model its output and what was wrong -> validate
again. An answer's time grows with its length (about 140 s for 12 weeks x 4 days at 100 tokens/s),
which is why `blocks` is the default.
"""

from __future__ import annotations

import logging

import jiter

from app.coaching import validator as checks
from app.coaching.person import Person
from app.coaching.policy import SUMMARY_WORDS
from app.coaching.repairs import Fix, repair
from app.coaching.telling import told_program
from app.models import ProgramContent
from jobs.engines.base import EngineError, ProgressReporter, StepStore
from jobs.engines.llm import budget, prompt
from jobs.engines.llm.answers import Answer, Tally, fatal
from jobs.engines.llm.calls import Caller, response_format
from jobs.engines.llm.hearing import hear, heard_in
from jobs.engines.llm.plan import HeardProgram

log = logging.getLogger(__name__)

MAX_REPAIR_VIOLATIONS = 30
FORMAT = response_format(HeardProgram, "training_program")


class WeekCounter:
    """Counts the week objects completed so far in a streaming program.

    Parsing the whole buffer on every token would be quadratic, so the partial JSON is parsed
    only when a `"week"` key may have started (once per week): a new week object starting
    means the one before it is complete.
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._tail = ""
        self.completed = 0

    def feed(self, delta: str) -> bool:
        """Add text; True when another week was completed."""
        self._parts.append(delta)
        # Keep one character less than the key, so a key seen once never triggers twice.
        window = self._tail + delta
        self._tail = window[-5:]
        if '"week"' not in window:
            return False
        try:
            partial = jiter.from_json("".join(self._parts).encode(), partial_mode="trailing-strings")
        except ValueError:
            return False  # not JSON (yet); validation will say so
        weeks = partial.get("weeks") if isinstance(partial, dict) else None
        started = len(weeks) if isinstance(weeks, list) else 0
        if started - 1 > self.completed:
            self.completed = started - 1
            return True
        return False


async def generate_single(caller: Caller, person: Person, report: ProgressReporter,
                          tally: Tally, store: StepStore | None = None) -> tuple[ProgramContent, list[Fix]]:
    request = person.request
    weeks = request.duration_weeks
    await report(5, "prompting", f"Asking {caller.model} for a {weeks}-week program")
    reported = 0

    async def drafted(k: int) -> None:
        nonlocal reported
        k = min(k, weeks)  # a model that writes extra weeks must not push progress past 90
        if k > reported:
            reported = k
            await report(10 + 80 * k // weeks, "drafting", f"Week {k} of {weeks} drafted")

    async def call(messages: list[dict[str, str]], progress: bool) -> Answer:
        counter = WeekCounter()

        async def on_text(delta: str) -> None:
            if counter.feed(delta) and progress:
                await drafted(counter.completed)

        out = await caller.call(messages, FORMAT, budget.single_tokens(request), tally, on_text=on_text,
                                what="program call")
        final = _count_weeks(out.text) if out.finish_reason == "stop" else 0
        if final > counter.completed and progress:
            await drafted(final)  # the last week has no successor to announce it
        return out

    out = await call(prompt.messages(person), True)
    # What the model heard in the words, first in its answer: kept on the cautious side, stored and
    # told, and the program judged (and repaired) for the person as heard (jobs/engines/llm/hearing.py).
    person = await hear(heard_in(out.text), person, store)
    await report(92, "validating", "Checking the program")
    program, violations, fixes = _judge(out, person)
    if program is not None and not violations:
        return program, fixes

    log.info("program failed validation (%d problems), repairing: %s", len(violations),
             checks.summarize(violations, 3))
    await report(94, "repairing", f"Fixing {len(violations)} problem(s): {checks.summarize(violations, 1)}")
    shown = violations[:MAX_REPAIR_VIOLATIONS]
    if len(violations) > len(shown):
        shown.append(f"and {len(violations) - len(shown)} more problems of the same kinds")
    out = await call(prompt.repair_messages(person, out.text, shown), False)
    await report(97, "validating", "Checking the repaired program")
    program, violations, fixes = _judge(out, person)
    if program is None or violations:
        raise EngineError("The generated program did not pass validation: " + checks.summarize(violations))
    return program, fixes


def _count_weeks(text: str) -> int:
    try:
        weeks = jiter.from_json(text.encode()).get("weeks")
    except (ValueError, AttributeError):
        return 0
    return len(weeks) if isinstance(weeks, list) else 0


def _judge(out: Answer, person: Person) -> tuple[ProgramContent | None, list[str], list[Fix]]:
    """Fatal problems raise; what code can fix is fixed (code repairs first); what is left (invalid
    JSON, rule violations) is returned for the model to repair."""
    fatal(out)
    program, problems = checks.parse_program(out.text)
    if program is None:
        return None, problems, []
    # The model's own words within their budget; code's sentences about what was heard come after
    # them (app/coaching/telling.py), and the validator judges the summary as it will be read.
    words = len(program.summary.split())
    own = [f"the summary has {words} words; it is spoken, so at most {SUMMARY_WORDS}"] if words > SUMMARY_WORDS else []
    program = told_program(program, person.request.profile, person.unplaced)
    program, fixes = repair(program, person)
    return program, own + checks.check_program(program, person.request, person.constraints), fixes
