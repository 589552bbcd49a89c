"""Numbers as people say them: "45", "forty five", "thirty-two", "a" (as in "a month")."""

from __future__ import annotations

from collections.abc import Iterable

UNITS = {"zero": 0, "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
         "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "couple": 2, "few": 3}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
        "ninety": 90, "hundred": 100}


def number(words: Iterable[str]) -> float | None:
    """The number said by a run of number words ("thirty", "five" → 35), or None."""
    total: float | None = None
    for word in words:
        w = word.lower().replace(",", "")
        value: float | None
        try:
            value = float(w)
        except ValueError:
            value = TENS.get(w, UNITS.get(w))
        if value is None:
            continue
        # "thirty five": a unit after a ten adds to it; any other run keeps the first number
        if total is not None and total % 10 == 0 and total >= 20 and value < 10:
            total += value
        elif total is None:
            total = value
    return total
