"""The person a program is for: the request and what their words were read into, read once.

An engine reads the person once per attempt and passes this down to every prompt and every check,
so the words are never read twice and every reader sees the same reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.coaching.profile import Profile, Unplaced
from app.coaching.words import Constraints, read_constraints
from app.models import GenerateRequest


@dataclass(frozen=True, slots=True)
class Person:
    request: GenerateRequest  # its profile: what was understood of the person (jobs/understanding.py)
    constraints: Constraints
    unplaced: tuple[Unplaced, ...] = ()  # what their words named that nothing could place

    def with_profile(self, profile: Profile, unplaced: Sequence[Unplaced] | None = None) -> Person:
        """The same person, understood better (a second reading of their words): read again."""
        return read_person(self.request.model_copy(update={"profile": profile}),
                           self.unplaced if unplaced is None else unplaced)


def read_person(request: GenerateRequest, unplaced: Sequence[Unplaced] = ()) -> Person:
    return Person(request, read_constraints(request), tuple(unplaced))
