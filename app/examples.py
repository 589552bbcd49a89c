"""Examples for the OpenAPI document (shown by /docs and /redoc). Core: plain data."""

from __future__ import annotations

from typing import Any

HEALTH: dict[str, Any] = {"status": "healthy", "service": "Nowva Program Generator API", "version": "1.0.0"}

USER: dict[str, Any] = {
    "id": "7d8e4c1a-2f6b-4a7e-9a51-3c3f0e9f8b21",
    "display_name": "Sam",
    "height_cm": 190.5,
    "weight_kg": 87.5,
    "fitness_level": "intermediate",
    "created_at": "2026-11-25T22:00:00Z",
}

ACCEPTED: dict[str, Any] = {
    "job_id": "7f1c2e9a-4b1d-4c55-9e0f-2a6b8d3c1e47",
    "status": "pending",
    "message": "Program generation started",
    "status_url": "http://127.0.0.1:8000/api/programs/status/7f1c2e9a-4b1d-4c55-9e0f-2a6b8d3c1e47",
    "events_url": "http://127.0.0.1:8000/api/programs/status/7f1c2e9a-4b1d-4c55-9e0f-2a6b8d3c1e47/events?token=1795646528.q_upMom__Vv1IGl9xqpQvgIdhkhGoBG-UY4eDcIUiBs",
}

JOB_STATUS: dict[str, Any] = {
    "job_id": "7f1c2e9a-4b1d-4c55-9e0f-2a6b8d3c1e47",
    "user_id": "7d8e4c1a-2f6b-4a7e-9a51-3c3f0e9f8b21",
    "status": "in_progress",
    "progress": 65,
    "stage": "drafting",
    "attempt": 1,
    "seq": 9,
    "created_at": "2026-11-25T22:00:00Z",
    "started_at": "2026-11-25T22:00:01Z",
    "completed_at": None,
    "program_id": None,
    "error_message": None,
    "events_url": "http://127.0.0.1:8000/api/programs/status/7f1c2e9a-4b1d-4c55-9e0f-2a6b8d3c1e47/events?token=1795646528.q_upMom__Vv1IGl9xqpQvgIdhkhGoBG-UY4eDcIUiBs",
    "plan": {
        "name": "12-Week Hypertrophy Program",
        "summary": "Three four-week blocks, four days a week: a volume block, a heavier block, then a peak.",
        "description": "A 12-week upper/lower program, four days a week.",
        "split": [{"day": 1, "name": "Upper A"}, {"day": 2, "name": "Lower A"}, {"day": 3, "name": "Upper B"},
                  {"day": 4, "name": "Lower B"}],
        "blocks": [{"index": 0, "weeks": [1, 4], "focus": "Accumulation", "deload_weeks": [4]},
                   {"index": 1, "weeks": [5, 8], "focus": "Intensification", "deload_weeks": [8]},
                   {"index": 2, "weeks": [9, 12], "focus": "Realization", "deload_weeks": []}],
    },
    "blocks_done": 2,
    "cost_usd": 0.0183,
    "engine": "openai",
    "fallback_reason": None,
}

PROGRAM: dict[str, Any] = {
    "id": "42fc1e5c-f8ab-47e6-98c9-b9c0de3618e2",
    "user_id": "7d8e4c1a-2f6b-4a7e-9a51-3c3f0e9f8b21",
    "job_id": "7f1c2e9a-4b1d-4c55-9e0f-2a6b8d3c1e47",
    "name": "12-Week Hypertrophy Program",
    "description": "A 12-week upper/lower program, four days a week.",
    "summary": "Twelve weeks, four days a week: upper and lower sessions with eight to twelve reps close to "
    "failure.",
    "goal_category": "hypertrophy",
    "fitness_level": "intermediate",
    "duration_weeks": 12,
    "days_per_week": 4,
    "engine": "builtin",
    "model": None,
    "created_at": "2026-11-25T22:02:00Z",
    "weeks": [
        {
            "week": 1,
            "focus": "Accumulation block 1, week 1",
            "deload": False,
            "days": [
                {
                    "day": 1,
                    "name": "Upper A",
                    "warm_up": "5 minutes of easy cardio and dynamic mobility, then two or three lighter ramp-up "
                               "sets of the barbell bench press.",
                    "exercises": [
                        {
                            "name": "Barbell bench press",
                            "sets": 3,
                            "reps": "8-10",
                            "intensity": "RPE 7",
                            "rest_seconds": 120,
                            "notes": "Shoulder blades pinned.",
                        }
                    ],
                }
            ],
        }
    ],
}

VALIDATION_ERROR: dict[str, Any] = {
    "detail": [
        {
            "loc": ["body", "height_cm"],
            "msg": "Input should be greater than or equal to 100",
            "type": "greater_than_equal",
        }
    ]
}

ERROR: dict[str, Any] = {"detail": "Not found."}

PROGRAM_VERSIONS: dict[str, Any] = {"items": [
    {"id": "5b0e7f7e-3c1d-4d2a-8f7b-0a9c1e2d3f40", "parent_id": "42fc1e5c-f8ab-47e6-98c9-b9c0de3618e2", "version": 2,
     "job_id": "7d8e4c1a-2f6b-4a7e-9a51-3c3f0e9f8b21", "name": "12-Week Hypertrophy Program",
     "summary": "Four days a week of upper and lower sessions.", "duration_weeks": 12, "days_per_week": 4,
     "engine": "builtin", "created_at": "2026-12-07T15:02:11Z",
     "changes": {"said": "Back squat swapped for leg press in weeks 5-12; the rest is as it was.", "from_week": 5,
                 "rewritten": False, "weeks_changed": [5, 6, 7, 8, 9, 10, 11, 12], "days_added": [],
                 "days_removed": [], "exercises_added": [{"name": "Leg press", "weeks": [5, 6, 7, 8, 9, 10, 11, 12]}],
                 "exercises_removed": [{"name": "Back squat", "weeks": [5, 6, 7, 8, 9, 10, 11, 12]}],
                 "exercises_changed": [], "profile_changed": ["avoid"]}},
    {"id": "42fc1e5c-f8ab-47e6-98c9-b9c0de3618e2", "parent_id": None, "version": 1,
     "job_id": "7f1c2e9a-4b1d-4c55-9e0f-2a6b8d3c1e47", "name": "12-Week Hypertrophy Program",
     "summary": "Four days a week of upper and lower sessions.", "duration_weeks": 12, "days_per_week": 4,
     "engine": "builtin", "created_at": "2026-12-07T14:40:02Z", "changes": None},
]}
