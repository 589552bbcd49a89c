"""The event contract (app/events.py) and every reader of it: the CLI's models, the OpenAPI
document's words, and the voice agent's own parser (it may not import app, so it is held to the
same examples here)."""

from __future__ import annotations

from typing import Any

import pytest

from agent.backend import update_from_event
from app.events import DATA, EVENT_TYPES, EXAMPLES, FINISHED, Event, describe
from app.models import JobStatus


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{e['type']}-{e['seq']}" for e in EXAMPLES])
def test_every_example_keeps_the_contract(example: dict[str, Any]) -> None:
    event = Event.model_validate(example)
    assert isinstance(event.payload(), DATA[event.type])
    assert event.finished == (event.type in FINISHED)


def test_every_event_type_has_an_example_a_model_and_words() -> None:
    assert {e["type"] for e in EXAMPLES} == set(EVENT_TYPES) == set(DATA)
    assert all(f"`{kind}`" in describe() for kind in EVENT_TYPES)


def test_finished_states_are_one_list() -> None:
    assert {s.value for s in JobStatus if s.is_terminal} == FINISHED


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{e['type']}-{e['seq']}" for e in EXAMPLES])
def test_the_agent_reads_every_example(example: dict[str, Any]) -> None:
    update = update_from_event(example, None)
    assert update.type == example["type"] and update.seq == example["seq"]
    assert update.terminal == (example["type"] in FINISHED)
    data = example["data"]
    if "progress" in data:
        assert update.progress == data["progress"]
    if example["type"] == "completed":
        assert update.status == "completed" and update.program_id == data["program_id"]
        assert update.fallback_reason == data.get("fallback_reason")
    if example["type"] == "failed":
        assert update.error_message == data["error_message"]
    if example["type"] == "plan":
        assert update.plan is not None and update.plan["name"] == data["name"]
    if example["type"] == "block":
        assert update.blocks_done == data["done"]
    if example["type"] == "understood":
        assert update.understood is not None and update.understood["unplaced"] == data["unplaced"]
