"""Does a program fit the request and the person? The validator both engines end at.

`validate` runs every registered rule (rules/, one function per rule id) and returns the
`Violation`s; empty means the program may be given to the person. The rules check the program
against the catalogue and against what the person's words set, never against the writer's
templates, so a blind spot of the writer cannot hide. They have some slack: they catch programs
that are wrong or unsafe, not programs a coach would merely write differently.
"""

from __future__ import annotations

from pydantic import ValidationError

# Importing a rules module registers its rules (listed in the order of `Rule`, whatever the import order).
from app.coaching.rules import (  # noqa: F401
    details,
    doses,
    emphasis,
    equipment,
    exercises,
    goals,
    health,
    length,
    people,
    periodization,
    sessions,
    sport,
    volume,
    wording,
)
from app.coaching.rules.registry import WORDS_RULES, Rule, Subject, Violation, run_all
from app.coaching.rules.walk import walk
from app.coaching.words import Constraints, read_constraints
from app.models import GenerateRequest, ProgramContent

__all__ = ["WORDS_RULES", "Rule", "Violation", "check_program", "parse_program", "subject", "summarize", "validate"]


def subject(program: ProgramContent, request: GenerateRequest, constraints: Constraints | None = None) -> Subject:
    """What the rules look at; the person's words are read here only when the caller has not read them."""
    c = read_constraints(request) if constraints is None else constraints
    return Subject(program, request, c, walk(program))


def validate(program: ProgramContent, request: GenerateRequest,
             constraints: Constraints | None = None) -> list[Violation]:
    """Every rule the program breaks for this request and person; empty means it may be given."""
    return run_all(subject(program, request, constraints))


def check_program(program: ProgramContent, request: GenerateRequest,
                  constraints: Constraints | None = None) -> list[str]:
    """The violations as text, each ending with the rule it breaks."""
    return [str(v) for v in validate(program, request, constraints)]


def parse_program(text: str) -> tuple[ProgramContent | None, list[str]]:
    """The model's text as a program, or why it is not one."""
    try:
        return ProgramContent.model_validate_json(text), []
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if any(e["type"] == "json_invalid" for e in errors):
            return None, [f"the output is not valid JSON ({errors[0]['msg']})"]
        return None, [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors]


def summarize(violations: list[str], limit: int = 8) -> str:
    """One line for an error message: the first few violations and how many more."""
    shown = "; ".join(violations[:limit])
    more = len(violations) - limit
    return shown + (f"; and {more} more" if more > 0 else "")
