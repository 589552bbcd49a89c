"""A coach's jargon in a beginner's program (issue 25, item 9): the words of policy.JARGON said
without their meaning, and plain words for them (rule plain-names; repairs_details.py)."""

from __future__ import annotations

import re

from app.coaching.policy import JARGON

_WORD = re.compile(r"\b(" + "|".join(JARGON) + r")\b(?!\s*[(:\u2013\u2014]|\s+-\s)", re.IGNORECASE)
# What each block word means, for code to say it for a model that did not.
PLAIN = {"accumulation": "Foundation (learn the lifts, build up the work)",
         "intensification": "Build (heavier loads, fewer reps)",
         "realization": "Peak (your heaviest weeks)", "realisation": "Peak (your heaviest weeks)"}


def unexplained(text: str) -> list[str]:
    """The jargon words in the text not followed by their meaning (in brackets, after a colon or a dash)."""
    return [m.group(1) for m in _WORD.finditer(text)]


def plain(text: str) -> str:
    """The block words said plainly; other jargon is left for the model to explain."""
    return _WORD.sub(lambda m: PLAIN.get(m.group(1).lower(), m.group(1)), text)
