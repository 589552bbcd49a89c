"""Names as people and models write them ("DB bench", "RDLs"), read to a catalogue entry.

The validator places every exercise a program names this way, and rejects one it cannot place.
"""

from __future__ import annotations

import functools
import re

from app.coaching.catalogue import EXERCISES, LibraryExercise

_SYNONYMS = {"db": "dumbbell", "dbs": "dumbbell", "bb": "barbell", "kb": "kettlebell", "pullup": "pull up",
             "pushup": "push up", "chinup": "chin up", "situp": "sit up", "hex": "hex", "ez": "ez",
             "&": "and", "w": "with"}
_EQUIPMENT_WORDS = ("barbell", "dumbbell", "kettlebell", "cable", "machine", "band", "bodyweight", "weighted")


def _singular(word: str) -> str:
    if word == "ups":  # pull ups, push ups, sit ups
        return "up"
    if len(word) <= 3 or word.endswith("ss"):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("shes", "ches", "sses", "xes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def normalize(name: str) -> str:
    """A name reduced to what identifies it: lower case, no punctuation, no plurals."""
    text = re.sub(r"\([^)]*\)", " ", name.lower())  # "Back squat (high bar)" is a back squat
    text = text.replace("'", "").replace("’", "")
    words = re.sub(r"[^a-z0-9&]+", " ", text).split()
    out: list[str] = []
    for word in words:
        out += _SYNONYMS.get(word, word).split()
    return " ".join(_singular(w) for w in out)


_INDEX: dict[str, LibraryExercise] = {}
for _entry in EXERCISES:
    for _key in (_entry.name, *_entry.aliases):
        _INDEX.setdefault(normalize(_key), _entry)


@functools.lru_cache(maxsize=4096)
def lookup(name: str) -> LibraryExercise | None:
    """The lexicon entry a written name means, or None when it names nothing we know."""
    key = normalize(name)
    if key in _INDEX:
        return _INDEX[key]
    words = key.split()
    # "Barbell back squat", "Dumbbell goblet squat": a leading equipment word the entry already implies.
    while words and words[0] in _EQUIPMENT_WORDS:
        words = words[1:]
        if " ".join(words) in _INDEX:
            return _INDEX[" ".join(words)]
    return None
