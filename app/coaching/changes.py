"""What a revision changed (issue 26), as the API, the `revision` event and the stored program
carry it. Its own module, with no import of app.models, so the models can name it: the revision
itself (app/coaching/revision.py) reads and compares programs, which are app.models types."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DayRef(BaseModel):
    week: int
    day: int


class ExerciseChange(BaseModel):
    name: str
    weeks: list[int] = Field(description="The weeks it was added to, removed from, or changed in.")


class Changes(BaseModel):
    """What a revision changed: a sentence a voice can say, and the data behind it."""

    said: str = Field(description="Speakable: what changed, then whether the rest is as it was.")
    from_week: int
    rewritten: bool = Field(description="The structure changed (days per week): every week from from_week is new.")
    weeks_changed: list[int]
    days_added: list[DayRef]
    days_removed: list[DayRef]
    exercises_added: list[ExerciseChange]
    exercises_removed: list[ExerciseChange]
    exercises_changed: list[ExerciseChange] = Field(description="The same exercise with other sets, reps or load.")
    profile_changed: list[str] = Field(description="The profile fields the change set.")
