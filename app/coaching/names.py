"""Names as people and models write them, read to a catalogue entry, with their equipment.

"Bench Press (Dumbbell)", "DB bench press" and "dumbbell bench presses" all name the dumbbell bench
press; "Barbell Back Squat" the back squat; "Walking Lunges - each leg" the walking lunge. A name is
read into the words that say which movement (its *base*) and the equipment it states, wherever the
equipment is written (in front, in parentheses, "with dumbbells"). It resolves only to an entry that
can be done with the stated equipment: a name never lands silently on another equipment's entry, it
is rejected instead (and the model asked to repair it). Close misspellings of a base are read with
rapidfuzz above `FUZZY_MIN_SCORE`, chosen by measurement (tests/unit/test_names.py).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from app.coaching.catalogue import EXERCISES, LibraryExercise
from app.coaching.kinds import Equipment

E = Equipment
# Equipment as it is written in names, longest phrases first; each maps to the catalogue's kind.
EQUIPMENT_PHRASES: tuple[tuple[str, Equipment], ...] = (
    ("smith machine", E.machine), ("hammer strength", E.machine), ("leg press machine", E.machine),
    ("trap bar", E.trap_bar), ("hex bar", E.trap_bar), ("ez curl bar", E.barbell), ("ez bar", E.barbell),
    ("e z bar", E.barbell), ("curl bar", E.barbell), ("landmine", E.barbell), ("safety bar", E.barbell),
    ("resistance band", E.band), ("medicine ball", E.med_ball), ("med ball", E.med_ball),
    ("body weight", E.bodyweight), ("bodyweight", E.bodyweight),
    ("kettle bell", E.kettlebell), ("barbell", E.barbell), ("dumbbell", E.dumbbell), ("kettlebell", E.kettlebell),
    ("cable", E.cable),
    ("machine", E.machine), ("lever", E.machine), ("band", E.band), ("banded", E.band), ("sled", E.sled),
)
# Words and abbreviations as people write them, to the words the catalogue uses.
SYNONYMS = {
    "db": "dumbbell", "dbs": "dumbbell", "bb": "barbell", "kb": "kettlebell", "kbs": "kettlebell",
    "sl": "single leg", "rdl": "romanian deadlift", "rdls": "romanian deadlift", "sldl": "stiff leg deadlift",
    "ohp": "overhead press", "bss": "bulgarian split squat", "ghr": "glute ham raise", "bw": "bodyweight",
    "pullup": "pull up", "pushup": "push up", "chinup": "chin up", "situp": "sit up", "stepup": "step up",
    "skullcrusher": "skull crusher", "flye": "fly", "flyes": "fly", "flies": "fly", "hamstring": "hamstring",
    "tricep": "triceps", "bicep": "biceps", "single": "one", "pec": "pec", "lat": "lat", "&": "and", "w": "with",
    "ez": "ez", "hex": "hex", "dumbell": "dumbbell", "barbel": "barbell", "kettlebel": "kettlebell",
}
# What says nothing about which exercise it is: sides, "alternating", "with", stance words.
FILLER = re.compile(r"\b(each|per|every|both) (side|leg|arm|hand)s?\b|\b(left|right) and (left|right)\b"
                    r"|\b(l|r)\s*/\s*(l|r)\b|\be\s*/\s*s\b|/\s*side\b|\bper side\b|\beach\b"
                    r"|\balternating\b|\balternate\b|\bwith\b|\busing\b|\bsets?\b|\ba pair of\b|\bpair\b|\btwo\b"
                    r"|\bor\b")
FUZZY_MIN_SCORE = 85.0


@dataclass(frozen=True, slots=True)
class Reading:
    """What a written name says: which movement (base words) and which equipment."""

    base: str
    equipment: frozenset[Equipment]


def _singular(word: str) -> str:
    if word == "ups":  # pull ups, push ups, sit ups
        return "up"
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("shes", "ches", "sses", "xes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def words(text: str) -> str:
    """A name's words as the catalogue is indexed by: lower case, singular, synonyms and spellings
    resolved ("Pushups" -> "push up", "DB Flyes" -> "dumbbell fly")."""
    text = text.lower().replace("'", "").replace("’", "")
    raw = re.sub(r"[^a-z0-9&/]+", " ", text).split()
    out: list[str] = []
    for word in raw:
        out += SYNONYMS.get(word, SYNONYMS.get(_singular(word), word)).split()
    return " ".join(_singular(w) for w in out)


@functools.lru_cache(maxsize=8192)
def read(name: str) -> Reading:
    """A written name as its base words and the equipment it states. What is in parentheses counts
    only for its equipment ("Bench Press (Dumbbell)"); the rest of it is a variant ("(high bar)")."""
    stated: set[Equipment] = set()
    asides = re.findall(r"\(([^)]*)\)", name)
    for aside in asides:
        _take_equipment(" " + words(aside.replace("-", " ")) + " ", stated)
    text = _take_equipment(" " + words(re.sub(r"\([^)]*\)?", " ", name).replace("-", " ")) + " ", stated)
    text = FILLER.sub(" ", text)
    return Reading(" ".join(text.split()), frozenset(stated))


def _take_equipment(text: str, stated: set[Equipment]) -> str:
    """The text without the equipment it names, which goes into `stated`."""
    for phrase, kind in EQUIPMENT_PHRASES:
        key = f" {words(phrase)} "
        while key in text:
            stated.add(kind)
            text = text.replace(key, " ", 1)
    return text


_INDEX: dict[str, list[tuple[LibraryExercise, frozenset[Equipment]]]] = {}
for _entry in EXERCISES:
    for _key in (_entry.name, *_entry.aliases):
        _reading = read(_key)
        _pairs = _INDEX.setdefault(_reading.base, [])
        if all(e is not _entry or s != _reading.equipment for e, s in _pairs):
            _pairs.append((_entry, _reading.equipment))
_BASES = list(_INDEX)
# A catalogue name written as it is (any case) means that entry, before any reading of its words.
_EXACT: dict[str, LibraryExercise] = {ex.name.lower(): ex for ex in EXERCISES}


def choose(pairs: list[tuple[LibraryExercise, frozenset[Equipment]]],
            stated: frozenset[Equipment]) -> LibraryExercise | None:
    if not stated:
        # No equipment said: the entry named without one ("Back squat", "Lat pulldown"), else the first.
        plain = [e for e, s in pairs if not s]
        return (plain or [pairs[0][0]])[0]
    # Equipment said: only an entry done with it; the one whose own name says so first.
    fits = [(e, s) for e, s in pairs if stated <= (e.equipment | e.needs)]
    named = [e for e, s in fits if s and s <= stated]
    return named[0] if named else fits[0][0] if fits else None


def _find(base: str) -> list[tuple[LibraryExercise, frozenset[Equipment]]] | None:
    if base in _INDEX:
        return _INDEX[base]
    # "Standing dumbbell curl", "seated cable row" where the catalogue names the plain movement.
    for prefix in ("standing ", "flat "):
        if base.startswith(prefix) and base[len(prefix):] in _INDEX:
            return _INDEX[base[len(prefix):]]
    return None


@functools.lru_cache(maxsize=8192)
def lookup(name: str) -> LibraryExercise | None:
    """The catalogue entry a written name means, or None when it names nothing we know with the
    equipment it states."""
    exact = _EXACT.get(name.strip().lower())
    if exact is not None:
        return exact
    reading = read(name)
    pairs = _find(reading.base)
    if pairs is None and len(reading.base) >= 6:
        match = process.extractOne(reading.base, _BASES, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_SCORE)
        pairs = _INDEX[match[0]] if match else None
    return choose(pairs, reading.equipment) if pairs else None


def canonical(name: str) -> str:
    """The catalogue's name for what a written name means, or the name as written when unknown:
    a program stores one name for one exercise, never the model's spelling."""
    entry = lookup(name)
    return entry.name if entry is not None else name
