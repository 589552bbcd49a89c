"""Prescriptions as written: reps ("8-10", "30 s", "5 per side") and effort ("RPE 8", "2 RIR",
"75% 1RM", "easy pace"), read into numbers the rules can compare.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass

from app.coaching.catalogue import LibraryExercise
from app.coaching.kinds import Pattern
from app.coaching.policy import EASY_RPE
from app.models import Exercise

_REPS = re.compile(r"^(\d{1,3})(?:-(\d{1,3}))?( ?(s|m|sec|yd|per side))?$")


@dataclass(frozen=True)
class Reps:
    low: int
    high: int
    unit: str  # "reps", "s" (a hold) or "distance"


def parse_reps(reps: int | str) -> Reps | None:
    if isinstance(reps, int):
        return Reps(reps, reps, "reps")
    return _parse_reps_text(reps)


# The parsers below are pure functions of short strings that repeat across a program's weeks
# (a 16x4 program has ~400 prescriptions and a few dozen distinct strings), and their results are
# frozen: cached, a program is checked without re-running a regex per exercise.
@functools.lru_cache(maxsize=4096)
def _parse_reps_text(reps: str) -> Reps | None:
    m = _REPS.match(reps.strip())
    if m is None:
        return None
    low = int(m.group(1))
    high = int(m.group(2) or low)
    unit = (m.group(4) or "").strip()
    kind = "s" if unit in ("s", "sec") else "distance" if unit in ("m", "yd") else "reps"
    return Reps(low, high, kind)


# ---------------------------------------------------------------- effort

_RPE = re.compile(r"\bRPE\s*@?\s*(\d+(?:\.\d+)?)(?:\s*(?:-|–|to)\s*(\d+(?:\.\d+)?))?", re.IGNORECASE)
_RIR = re.compile(r"(\d+)(?:\s*(?:-|–|to)\s*(\d+))?\s*(?:RIR|reps? in reserve)", re.IGNORECASE)
_PCT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%\s*)?(?:(?:-|–|to)\s*(\d+(?:\.\d+)?))?\s*%", re.IGNORECASE)
_MAXIMAL = re.compile(r"\b(max(imal|imum)? (effort|sprint|speed|single|attempt|lift)|all[- ]out|flat[- ]out|"
                      r"1 ?RM test|test (a|your) (1 ?RM|max)|true max|as (hard|fast) as (you )?(possibly )?can|"
                      r"as hard as possible|to failure)\b", re.IGNORECASE)
_MAX_WORD = re.compile(r"\bmax", re.IGNORECASE)
_EASY = re.compile(r"\b(easy|light|gentle|conversational|relaxed|pain-free|recovery pace)\b", re.IGNORECASE)
# Reps possible at a share of 1RM (NSCA's table), to turn "%1RM for N reps" into an effort.
_REPS_AT_PCT = ((100, 1), (95, 2), (93, 3), (90, 4), (87, 5), (85, 6), (83, 7), (80, 8), (77, 9), (75, 10),
                (70, 11), (67, 12), (65, 15), (60, 20), (0, 40))


@dataclass(frozen=True, slots=True)
class Effort:
    rpe: float | None  # the highest RPE stated (RIR turned into RPE)
    pct: float | None  # the highest share of a 1RM stated, in percent
    maximal: bool  # all-out: a max sprint, a max single, to failure


@functools.lru_cache(maxsize=4096)
def parse_effort(intensity: str) -> Effort:
    values = [float(v) for m in _RPE.finditer(intensity) for v in m.groups() if v]
    values += [10.0 - float(v) for m in _RIR.finditer(intensity) for v in m.groups()[:1] if v]
    pcts = [float(v) for m in _PCT.finditer(intensity) for v in m.groups() if v]
    return Effort(max(values) if values else None, max(pcts) if pcts else None, bool(_MAXIMAL.search(intensity)))


def reps_possible(pct: float) -> float:
    for (hi_pct, hi_reps), (lo_pct, lo_reps) in itertools.pairwise(_REPS_AT_PCT):
        if pct >= lo_pct:
            return lo_reps + (hi_reps - lo_reps) * (pct - lo_pct) / (hi_pct - lo_pct)
    return 40.0


def rpe_of(ex: Exercise, entry: LibraryExercise | None) -> float | None:
    """How hard a set is, on the RPE scale, from whatever the intensity states; None if it says nothing."""
    e = parse_effort(ex.intensity)
    reps = parse_reps(ex.reps)
    if e.maximal or (entry is not None and entry.pattern is Pattern.sprint and _MAX_WORD.search(ex.intensity)
                     and e.rpe is None):
        return 10.0
    if e.rpe is not None:
        return e.rpe
    if _EASY.search(ex.intensity):
        return EASY_RPE
    if e.pct is not None and reps is not None and reps.unit == "reps":
        return max(1.0, 10.0 - max(0.0, reps_possible(min(e.pct, 100.0)) - reps.high))
    return None


# ---------------------------------------------------------------- a week's row, as models write it

# "4x6-8 @ RPE 8" is the form asked for; models also write "4 x 6-8 RPE 8", "3 sets of 10 at 70%",
# "3x8/side @ RPE 7", "3 x 30 sec, easy" or "4 by 5 (RPE 8)" (and the times sign). The sets and reps are read whatever
# the separators; the intensity is what follows, as written.
_ROW = re.compile(
    r"^\s*(?P<sets>\d{1,2})\s*(?:[xX×*]|sets?\s+(?:of|x)?)\s*"
    r"(?P<reps>\d{1,3}(?:\s*(?:-|–|to)\s*\d{1,3})?)\s*"
    r"(?P<unit>reps?\b|s\b|secs?\b|seconds?\b|m\b|yd\b|(?:/|per\s+|each\s+)(?:side|leg|arm)\b|each\b)?\s*"
    r"(?P<rest>.*?)\s*$", re.IGNORECASE)
_LEAD = re.compile(r"^(?:@|,|;|:|-|–|at\b|\()\s*", re.IGNORECASE)
MAX_INTENSITY = 120


@dataclass(frozen=True, slots=True)
class Row:
    sets: int
    reps: int | str
    intensity: str

    def __str__(self) -> str:
        return f"{self.sets}x{self.reps} @ {self.intensity}"


@functools.lru_cache(maxsize=4096)  # a pure function of a short string that repeats across blocks
def read_row(text: str, unstated: str | None = None) -> Row | None:
    """A week's prescription as (sets, reps, intensity), from any common way of writing it; None
    when it is not one. A row that states no intensity ("3 x 10") gets `unstated` if given (code's
    repair: policy.UNSTATED_EFFORT), else None."""
    m = _ROW.match(text)
    if m is None:
        return None
    sets = int(m["sets"])
    reps = re.sub(r"\s*(?:-|–|to)\s*", "-", m["reps"])
    unit = (m["unit"] or "").lower()
    suffix = ("s" if unit[:1] == "s" and "side" not in unit else "m" if unit == "m" else "yd" if unit == "yd"
              else " per side" if unit and unit not in ("rep", "reps") else "")
    intensity = m["rest"]
    while (stripped := _LEAD.sub("", intensity)) != intensity:
        intensity = stripped
    intensity = intensity.removesuffix(")").strip() or (unstated or "")
    if not 1 <= sets <= 12 or not intensity or len(intensity) > MAX_INTENSITY:
        return None
    full = reps + suffix
    return Row(sets, int(full) if full.isdigit() else full, intensity)
