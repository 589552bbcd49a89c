"""Knowing that a LISTEN connection hears: a probe NOTIFY sent through the pool must come back.

A LISTEN sent through a transaction-mode pooler (PgBouncer, Supavisor, RDS Proxy) is accepted
and then hears nothing: the backend that ran it goes back to the pooler's pool, and its
notifications to whichever client holds it then, or to no one. Nothing fails, so without a
check a process would report itself listening while every event waits for a poll. So while
no doorbell rings, a listener sends itself a probe (its own NOTIFY, through the pooled URL,
as every writer's NOTIFY goes) at each tick of its poll, and judges it at the next tick: not
heard, and the process is deaf until probes come back again, several in a row. Deafness is said
once, in a warning naming the setting that fixes it.

Several in a row, because behind a transaction pooler a probe is sometimes heard by chance: the
listener's own liveness query (`SELECT 1`) borrows whichever server connection is free, and when
that is one where a LISTEN ran, the notifications queued there come back with the answer. One
chance hearing used to read as recovery, and the next probe as a second deafness, warned again
(seen in CI's pooler test). A relapse after a recovery is only logged at INFO: its cause was said.

Core module: no web or queue imports.
"""

from __future__ import annotations

import logging
import uuid

from app.queries import QUERIES, Executor

log = logging.getLogger(__name__)

PROBE_PREFIX = "probe:"
# Probes heard in a row before a deaf connection counts as hearing again: at a 1-in-4 chance per
# probe (about what the pooler test shows with two LISTENs behind PgBouncer), three in a row by
# chance is 1 in 64 ticks, and even then it only costs an INFO line.
HEARD_TO_RECOVER = 3
LISTEN_SETTING = "NOWVA_LISTEN_DATABASE_URL"


def is_probe(payload: str) -> bool:
    """A probe, ours or another process's (on a shared channel): never a doorbell."""
    return payload.startswith(PROBE_PREFIX)


async def send_probe(db: Executor, channel: str, token: str) -> None:
    await db.execute(QUERIES["notify_probe"], channel, token)


class Earshot:
    """Whether one LISTEN connection hears, judged by probes: see the module's docstring."""

    def __init__(self, who: str, meanwhile: str) -> None:
        self._who = who  # "the hub", "worker w1"
        self._meanwhile = meanwhile  # what still works while deaf, for the warning
        # The probe of this tick, from the moment it is made: its NOTIFY can come back on the LISTEN
        # connection before the sender's own commit returns (another connection, another read), so
        # it must be recognised before `sent`. None once heard.
        self._waiting: str | None = None
        self._committed = False  # the probe's NOTIFY went out: not hearing it by the next tick counts
        self._rang = False  # a doorbell rang since the last tick
        self._heard_in_row = 0  # probes heard in a row while deaf
        self._warned = False
        self.deaf = False

    def heard(self, payload: str) -> None:
        """Every notification the LISTEN connection delivers, probes included."""
        if not is_probe(payload):
            self._rang = True
        elif payload == self._waiting:
            self._waiting = None
            if self.deaf:
                self._heard_in_row += 1
                if self._heard_in_row >= HEARD_TO_RECOVER:
                    self.deaf = False
                    log.info("%s hears its LISTEN connection again", self._who)

    def reconnected(self) -> None:
        """A new LISTEN connection: a probe sent before it proves nothing."""
        self._waiting = None

    def tick(self, interval_s: float) -> str | None:
        """Judge the last probe; the token of the next one to send, or None when a doorbell
        rang since the last tick (the connection hears, or probes are answered: no need)."""
        unheard = self._waiting is not None and self._committed
        self._waiting, self._committed = None, False
        if unheard:
            self._heard_in_row = 0
        if unheard and not self.deaf:
            self.deaf = True
            if self._warned:
                log.info("%s went deaf to its LISTEN connection again (the warning above says why)", self._who)
            else:
                self._warned = True
                log.warning(
                    "%s hears nothing on its LISTEN connection: a NOTIFY it sent through the pool did not "
                    "come back within %.1fs. A LISTEN through a transaction-mode pooler (PgBouncer, Supavisor, "
                    "RDS Proxy, Neon's pooled URL) is accepted and never delivers: set %s to PostgreSQL itself "
                    "or a session-mode pooler (docs/deployment.md). Meanwhile %s.",
                    self._who, interval_s, LISTEN_SETTING, self._meanwhile)
        rang, self._rang = self._rang, False
        if rang and not self.deaf:
            return None
        self._waiting = f"{PROBE_PREFIX}{uuid.uuid4().hex}"
        return self._waiting

    def sent(self, token: str) -> None:
        """The probe went out (committed): unless already heard, the next tick expects to have heard it."""
        if token == self._waiting:
            self._committed = True
