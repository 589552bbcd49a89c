"""The flags of `nowva generate`, named once: the parser (app/cli/main.py) is built from this
table, and the client (app/cli/client.py) reports a field the API's models refuse as the flag
the person typed. Its own module, so that neither command module imports the other."""

from __future__ import annotations

GENERATE_OPTIONS = {
    "user_id": "--user-id",
    "height_cm": "--height-cm",
    "weight_kg": "--weight-kg",
    "goal_category": "--goal",
    "goal_raw": "--goal-raw",
    "duration_weeks": "--weeks",
    "days_per_week": "--days",
    "fitness_level": "--level",
}
