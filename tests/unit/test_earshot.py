"""The LISTEN probe's judge (app/listening.py), alone: a probe heard, not heard, and heard before its
sender's commit returned (its NOTIFY arrives on the LISTEN connection first: a race seen under load
in the pooler test, which the judge once took for deafness)."""

from __future__ import annotations

import pytest

from app.listening import Earshot


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
    ear = Earshot("the hub", "polls")
    for _ in range(3):
        token = ear.tick(5.0)
        assert token is not None
        ear.sent(token)
    assert ear.deaf and caplog.text.count("hears nothing") == 1
    token = ear.tick(5.0)
    assert token is not None
    ear.sent(token)
    ear.heard(token)
    assert not ear.deaf


def test_a_probe_that_never_went_out_proves_nothing() -> None:
    ear = Earshot("the hub", "polls")
    ear.tick(5.0)  # its send failed: the database was away
    ear.tick(5.0)
    assert not ear.deaf


def test_a_doorbell_means_no_probe_is_needed() -> None:
    ear = Earshot("the hub", "polls")
    ear.heard("job:1")
    assert ear.tick(5.0) is None and not ear.deaf
