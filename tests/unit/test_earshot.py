"""The LISTEN probe's judge (app/listening.py), alone: a probe heard, not heard, and heard before its
sender's commit returned (its NOTIFY arrives on the LISTEN connection first: a race seen under load
in the pooler test, which the judge once took for deafness)."""

from __future__ import annotations

import logging

import pytest

from app.listening import HEARD_TO_RECOVER, Earshot


def test_a_probe_heard_keeps_the_connection_hearing() -> None:
    ear = Earshot("the hub", "polls")
    token = ear.tick(5.0)
    assert token is not None
    ear.sent(token)
    ear.heard(token)
    ear.tick(5.0)
    assert not ear.deaf


def test_a_probe_heard_before_its_commit_returned_counts(caplog: pytest.LogCaptureFixture) -> None:
    ear = Earshot("the hub", "polls")
    token = ear.tick(5.0)
    assert token is not None
    ear.heard(token)  # the NOTIFY came back before send_probe returned
    ear.sent(token)
    ear.tick(5.0)
    assert not ear.deaf and "hears nothing" not in caplog.text


def test_a_probe_not_heard_is_deafness_said_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    ear = Earshot("the hub", "polls")
    for _ in range(3):
        token = ear.tick(5.0)
        assert token is not None
        ear.sent(token)
    assert ear.deaf and caplog.text.count("hears nothing") == 1
    for _ in range(HEARD_TO_RECOVER):
        assert ear.deaf
        token = ear.tick(5.0)
        assert token is not None
        ear.sent(token)
        ear.heard(token)
    assert not ear.deaf and "hears its LISTEN connection again" in caplog.text


def _probe(ear: Earshot, *, heard: bool) -> None:
    token = ear.tick(5.0)
    assert token is not None
    ear.sent(token)
    if heard:
        ear.heard(token)


def test_a_chance_hearing_behind_a_pooler_is_not_recovery(caplog: pytest.LogCaptureFixture) -> None:
    """Behind a transaction pooler the listener's liveness query sometimes borrows the server
    connection where a LISTEN ran and brings its queued probe back (CI's pooler test): one probe
    heard among unheard ones is chance, and deafness is not warned of twice."""
    caplog.set_level(logging.INFO)
    ear = Earshot("the hub", "polls")
    for heard in (False, False, True, False, True, True, False, False):
        _probe(ear, heard=heard)
    assert ear.deaf
    assert caplog.text.count("hears nothing") == 1 and "again" not in caplog.text


def test_a_relapse_after_recovery_is_only_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    ear = Earshot("the hub", "polls")
    for heard in (False, False, *([True] * HEARD_TO_RECOVER), False, False):
        _probe(ear, heard=heard)
    assert ear.deaf
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "deaf to its LISTEN connection again" in caplog.text


def test_a_probe_that_never_went_out_proves_nothing() -> None:
    ear = Earshot("the hub", "polls")
    ear.tick(5.0)  # its send failed: the database was away
    ear.tick(5.0)
    assert not ear.deaf


def test_a_doorbell_means_no_probe_is_needed() -> None:
    ear = Earshot("the hub", "polls")
    ear.heard("job:1")
    assert ear.tick(5.0) is None and not ear.deaf
