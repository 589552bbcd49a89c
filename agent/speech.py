"""What the coach says of a refused request, a backend failure and a finished program."""

from __future__ import annotations

from livekit.agents import ToolError

from agent.backend import (
    AuthRejected,
    BackendError,
    BackendUnavailable,
    Program,
    RateLimited,
    ValidationFailed,
)

FIELD_NAMES = {
    "height_cm": "height", "weight_kg": "weight", "goal_category": "goal", "goal_raw": "goal description",
    "duration_weeks": "number of weeks", "days_per_week": "training days per week",
    "fitness_level": "fitness level",
}


def rejected_fields(error: ValidationFailed, height_cm: float, weight_kg: float) -> str:
    """Which details the service refused and why, so the model asks for exactly those again."""
    said = {"height_cm": f"{height_cm:g} cm", "weight_kg": f"{weight_kg:g} kg"}
    parts = []
    for e in error.errors:
        name = FIELD_NAMES.get(e.field, e.field.replace("_", " "))
        value = f" ({said[e.field]})" if e.field in said else ""
        parts.append(f"the {name}{value} was not accepted: {e.msg.lower()}")
    return ("The program was not started because " + "; ".join(parts)
            + ". Ask the person for that detail again, then confirm and retry.")


def problem(error: BackendError, doing: str) -> ToolError:
    """A backend failure as one plain sentence for the model to relay (never a traceback)."""
    if isinstance(error, BackendUnavailable):
        return ToolError(f"The program service can't be reached right now, so I couldn't {doing}. "
                         "Apologise and offer to try again in a minute.")
    if isinstance(error, AuthRejected):
        return ToolError(f"The coach isn't allowed to use the program service (a setup problem on our side), "
                         f"so I couldn't {doing}. Apologise; this needs the Nowva team.")
    if isinstance(error, RateLimited):
        minutes = max(1, round(error.retry_after_s / 60))
        return ToolError(f"Too many programs were requested just now, so I couldn't {doing}. "
                         f"Ask the person to try again in about {minutes} minute(s).")
    return ToolError(f"The program service refused the request, so I couldn't {doing}: {error.message}")


def next_steps(program: Program) -> str:
    first_day = next((d for w in program.weeks for d in w.get("days", [])), None)
    if first_day is None:
        return "It is saved in their Nowva account."
    exercises = [e["name"] for e in first_day.get("exercises", [])][:3]
    opener = f", starting with {', '.join(exercises)}" if exercises else ""
    return (f"Their first session is week 1, day 1: {first_day.get('name', 'the first workout')}{opener}. "
            "The full program is saved in their Nowva account.")
