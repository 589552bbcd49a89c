"""Feet, inches and pounds to the centimetres and kilograms the API takes.

The model passes what the person said (number and unit) and this module converts it:
language models are unreliable at arithmetic, and a wrong height silently makes a
wrong program.
"""

from __future__ import annotations

from typing import Literal

HeightUnit = Literal["cm", "m", "ft", "in"]
WeightUnit = Literal["kg", "lb"]

CM_PER_INCH = 2.54
INCHES_PER_FOOT = 12
KG_PER_POUND = 0.45359237  # exact, by definition


def feet_inches_to_cm(feet: float, inches: float = 0.0) -> float:
    return round((feet * INCHES_PER_FOOT + inches) * CM_PER_INCH, 1)


def pounds_to_kg(pounds: float) -> float:
    return round(pounds * KG_PER_POUND, 1)


def height_to_cm(value: float, unit: HeightUnit, extra_inches: float = 0.0) -> float:
    """`extra_inches` only counts with feet: "6 foot 2" is (6, "ft", 2)."""
    if unit == "cm":
        return round(value, 1)
    if unit == "m":
        return round(value * 100, 1)
    if unit == "ft":
        return feet_inches_to_cm(value, extra_inches)
    return round(value * CM_PER_INCH, 1)


def weight_to_kg(value: float, unit: WeightUnit) -> float:
    return round(value, 1) if unit == "kg" else pounds_to_kg(value)
