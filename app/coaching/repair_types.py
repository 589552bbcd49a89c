"""A code repair's record: which rule it keeps, where, and what changed (repairs.py, repairs_details.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Fix:
    rule: str  # the validator's rule id it keeps (or "name" for a catalogue name)
    where: str
    change: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "where": self.where, "change": self.change}
