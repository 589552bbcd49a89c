"""A compact way to write spaCy token patterns for the vocabulary tables.

"pull|chin up bar" is three tokens, the first either word; a token ending in "?" is optional;
"~shoulder" matches the word with a typo or two (spaCy's FUZZY); "#" is any number ("45",
"forty"), "#+" one or more of them ("thirty five"), "@year" a year ("2019"). Between two tokens an optional hyphen is
allowed, so "pull up bar" also matches "pull-up bar", and "off season" "off-season".
"""

from __future__ import annotations

from typing import Any

Pattern = list[dict[str, Any]]
HYPHEN: dict[str, Any] = {"TEXT": {"IN": ["-", "/"]}, "OP": "?"}


def _token(word: str) -> dict[str, Any]:
    optional = word.endswith("?") and len(word) > 1
    word = word[:-1] if optional else word
    token: dict[str, Any]
    if word == "#":
        token = {"LIKE_NUM": True}
    elif word == "#+":
        token = {"LIKE_NUM": True, "OP": "+"}
    elif word == "@year":
        token = {"TEXT": {"REGEX": r"^(19|20)\d\d$"}}
    elif word.startswith("~"):
        # FUZZY1 for short words: a two-edit fuzz on "knee" would match "keen" and "kne" both.
        # The word's other number is not a typo of it: "~shoulder" is not "shoulders", which says both.
        stem = word[1:]
        other = stem[:-1] if stem.endswith("s") else stem + "s"
        token = {"LOWER": {"FUZZY2" if len(stem) >= 8 else "FUZZY1": stem, "NOT_IN": [other]}}
    elif "|" in word:
        token = {"LOWER": {"IN": word.split("|")}}
    else:
        token = {"LOWER": word}
    if optional:
        token["OP"] = "?"
    return token


def pattern(phrase: str) -> Pattern:
    out: Pattern = []
    for i, word in enumerate(phrase.split()):
        if i:
            out.append(dict(HYPHEN))
        out.append(_token(word))
    return out
