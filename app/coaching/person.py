"""The person a program is for: the request and what their words were read into, read once.

An engine reads the person once per attempt and passes this down to every prompt and every check,
so the words are never read twice and every reader sees the same reading.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.coaching.words import Constraints, read_constraints
from app.models import GenerateRequest


@dataclass(frozen=True, slots=True)
class Person:
    request: GenerateRequest
    constraints: Constraints


def read_person(request: GenerateRequest) -> Person:
    return Person(request, read_constraints(request))
