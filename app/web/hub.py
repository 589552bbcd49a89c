"""The events hub: one LISTEN connection per API process, fanned out to in-process subscribers.

NOTIFY is only a doorbell ('<job_id>:<seq>'); the hub reads the event rows the
doorbells name (one query per batch of doorbells) and hands them to the subscriptions
of those jobs. The table stays the truth:

* a follower replays from the table after subscribing, then de-duplicates by seq;
* a gap in seqs (a lost doorbell) makes the follower read the table again;
* after the LISTEN connection drops, the hub reconnects and catches every subscriber
  up from its last seq; and a slow poll does the same in case doorbells stop
  altogether (e.g. behind a transaction-mode pooler, where LISTEN cannot work).

No per-client database connections: followers share the API pool for their reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from uuid import UUID

import asyncpg
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential

from app import queries as q
from app.db import connect
from app.listening import Earshot, is_probe, send_probe
from app.queries import Event, FirehoseCursor
from app.settings import PoolerMode
from app.web.subscription import Subscription

log = logging.getLogger(__name__)

CHANNEL = "nowva_events"
HUB_APPLICATION_NAME = "nowva-hub"  # the LISTEN connection's name in pg_stat_activity
FIRST_RECONNECT_S = 0.1  # after a lost LISTEN connection; then 0.2 s doubling to 5 s while it cannot be made


class Hub:
    def __init__(self, listen_url: str, pool: asyncpg.Pool, poll_interval_s: float = 5.0,
                 pooler: PoolerMode = "session") -> None:
        self._url = listen_url
        self._pooler = pooler
        self._pool = pool
        self._poll_interval_s = poll_interval_s
        self._by_job: dict[UUID, set[Subscription]] = {}
        self._firehose: set[Subscription] = set()
        self._pending: set[tuple[UUID, int]] = set()
        self._flush_scheduled = False
        self._tasks: list[asyncio.Task[None]] = []
        self._listen_conn: asyncpg.Connection | None = None
        self._connected = asyncio.Event()
        self._closing = False
        self._rang = False  # a doorbell rang since the last poll
        self._missed = False  # a read after a doorbell failed
        self._earshot = Earshot("the hub", "events reach their streams by the NOWVA_HUB_POLL poll, that late")
        self._watchers: list[Callable[[UUID], None]] = []
        self._epoch = 0
        self.reconnects = 0
        self.notifications = 0

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen_forever(), name="hub-listen"),
            asyncio.create_task(self._poll_forever(), name="hub-poll"),
        ]
        # Serve even if the database is down at start: the listener keeps retrying.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), timeout=5)

    async def stop(self) -> None:
        self._connected.clear()
        self._epoch += 1
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._listen_conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._listen_conn.close(), timeout=2)

    @property
    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._by_job.values()) + len(self._firehose)

    @property
    def connected(self) -> bool:
        """Listening, and hearing (nowva_hub_listening): a LISTEN that is up but deaf, as
        through a transaction-mode pooler, counts as not listening (app/listening.py)."""
        return self._connected.is_set() and not self._earshot.deaf

    @property
    def epoch(self) -> int:
        """Changes whenever doorbells may have been missed (a new LISTEN connection, a lost one, a
        deaf one): what was learnt from doorbells before a change cannot be trusted after it."""
        return self._epoch

    def watch(self, on_doorbell: Callable[[UUID], None]) -> None:
        """Call `on_doorbell(job_id)` for every doorbell heard, followed or not (the status cache)."""
        self._watchers.append(on_doorbell)

    @property
    def closing(self) -> bool:
        return self._closing

    def close_streams(self) -> None:
        """Make every follower return, as after a terminal event (the process is stopping)."""
        self._closing = True
        for subs in self._by_job.values():
            for sub in subs:
                sub.wake()
        for sub in self._firehose:
            sub.wake()

    # ------------------------------------------------------------ subscribing

    def attach(self, job_id: UUID, after: int = 0) -> Subscription:
        """Start receiving a job's live events; always detach() (see subscribe())."""
        sub = Subscription(job_id, after)
        self._by_job.setdefault(job_id, set()).add(sub)
        return sub

    def detach(self, sub: Subscription) -> None:
        assert sub.job_id is not None
        subs = self._by_job.get(sub.job_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._by_job[sub.job_id]

    @contextlib.asynccontextmanager
    async def subscribe(self, job_id: UUID, after: int = 0) -> AsyncIterator[Subscription]:
        sub = self.attach(job_id, after)
        try:
            yield sub
        finally:
            self.detach(sub)

    @contextlib.asynccontextmanager
    async def subscribe_all(self) -> AsyncIterator[Subscription]:
        """Wake-ups for a firehose follower, which keeps its own cursor (see follow_all)."""
        sub = Subscription(None, 0)
        self._firehose.add(sub)
        try:
            yield sub
        finally:
            self._firehose.discard(sub)

    async def replay(self, sub: Subscription) -> list[Event]:
        """What the table has past the subscription's last seq (call once after attaching)."""
        assert sub.job_id is not None
        events = await q.events_after(self._pool, sub.job_id, sub.last)
        if events:
            sub.last = events[-1].seq
        return events

    async def in_order(self, sub: Subscription) -> list[Event]:
        """The live events handed over since the last call: in order, each once, gaps filled
        from the table (a lost doorbell). Empty after a wake-up without new events."""
        out: list[Event] = []
        pending = sub._pending  # drained in place: events put during a replay are seen too
        for event in pending:
            if event.seq <= sub.last:
                continue  # already replayed or caught up
            if event.seq > sub.last + 1:
                # A doorbell was lost: the table has what we missed, this event included.
                out += await self.replay(sub)
                continue
            sub.last = event.seq
            out.append(event)
        pending.clear()
        return out

    async def follow_all(self, after: FirehoseCursor) -> AsyncIterator[Event]:
        """Every job's events after a firehose cursor, live; never ends.

        Doorbells only wake this follower; it then reads the table in commit-safe order
        (queries.sql: firehose_after), so a resumed client misses nothing and sees nothing twice.
        An event is held back while an older transaction is still running; the next doorbell
        or the hub's poll wakes the follower to read it.
        """
        cursor = after
        async with self.subscribe_all() as sub:
            while not self._closing:
                sub.clear()
                batch = await q.firehose_after(self._pool, cursor, 1000)
                for event in batch:
                    cursor = event.firehose_cursor
                    yield event
                if len(batch) < 1000:
                    await sub.wait()

    # ------------------------------------------------------------ doorbells

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self._earshot.heard(payload)
        if is_probe(payload):
            return
        self.notifications += 1
        self._rang = True
        job_text, _, seq_text = payload.partition(":")
        try:
            key = (UUID(job_text), int(seq_text))
        except ValueError:
            log.warning("ignoring malformed notification %r", payload)
            return
        for watcher in self._watchers:
            watcher(key[0])
        for sub in self._firehose:
            sub.wake()
        if key[0] not in self._by_job:
            return  # nobody here follows that job
        self._pending.add(key)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        # Doorbells that ring while this query runs are batched into the next flush.
        self._flush_scheduled = False
        keys, self._pending = list(self._pending), set()
        try:
            events = await q.events_by_keys(self._pool, keys)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("hub could not read %d events (%s); the next catch-up will", len(keys), exc)
            self._missed = True
            return
        for event in events:
            self._dispatch(event)

    def _dispatch(self, event: Event) -> None:
        for sub in self._by_job.get(event.job_id, ()):
            if event.seq > sub.last:  # a catch-up re-reads what most followers already have
                sub.put(event)

    async def catch_up(self) -> None:
        """Hand every subscriber what the table has past its last seq."""
        afters = [(job_id, min(s.last for s in subs)) for job_id, subs in list(self._by_job.items()) if subs]
        if afters:
            for event in await q.events_after_many(self._pool, afters):
                self._dispatch(event)
        for sub in self._firehose:
            sub.wake()

    # ------------------------------------------------------------ background tasks

    async def _listen_forever(self) -> None:
        while True:
            conn, lost = await self._reconnecting()
            try:
                await self.catch_up()  # whatever happened while we were not listening
                while not lost.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), timeout=self._poll_interval_s)
                    if not lost.is_set() and not await self._alive(conn):
                        break
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("hub listener error: %s", exc)
            self._connected.clear()
            self._epoch += 1
            self._listen_conn = None
            conn.terminate()
            self.reconnects += 1
            log.warning("hub lost its LISTEN connection; reconnecting in %.1fs", FIRST_RECONNECT_S)
            await asyncio.sleep(FIRST_RECONNECT_S)

    async def _reconnecting(self) -> tuple[asyncpg.Connection, asyncio.Event]:
        """The LISTEN connection, tried until it is made: every 0.2 s doubling to 5 s."""

        def before_sleep(state: RetryCallState) -> None:
            assert state.outcome is not None and state.next_action is not None
            self.reconnects += 1
            log.warning("hub listener error: %s; reconnecting in %.1fs", state.outcome.exception(),
                        state.next_action.sleep)

        retryer = AsyncRetrying(retry=retry_if_exception_type(Exception), before_sleep=before_sleep,
                                wait=wait_exponential(multiplier=2 * FIRST_RECONNECT_S, max=5.0))
        return await retryer(self._listen)

    async def _listen(self) -> tuple[asyncpg.Connection, asyncio.Event]:
        lost = asyncio.Event()
        # Named, so an operator (and the tests) can tell the hub's LISTEN backend apart in
        # pg_stat_activity.
        conn = await connect(self._url, timeout=5, pooler=self._pooler,
                             server_settings={"application_name": HUB_APPLICATION_NAME})
        try:
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(CHANNEL, self._on_notify)
        except BaseException:
            conn.terminate()
            raise
        self._listen_conn = conn
        self._earshot.reconnected()
        self._epoch += 1
        self._connected.set()
        log.info("hub listening on %s", CHANNEL)
        return conn, lost

    @staticmethod
    async def _alive(conn: asyncpg.Connection) -> bool:
        try:
            await asyncio.wait_for(conn.fetchval("SELECT 1"), timeout=5)
        except Exception:
            return False
        return True

    async def _poll_forever(self) -> None:
        # The fallback when doorbells stop (silently, as behind a transaction-mode pooler)
        # or a read after one failed. While doorbells ring, a catch-up would only re-read
        # what followers already have; with 10,000 followers its arrays and rows were the
        # largest source of objects promoted to the GC's oldest generation (tests/perf).
        while True:
            await asyncio.sleep(self._poll_interval_s)
            await self._probe()
            if self._rang and not self._missed:
                self._rang = False
                continue
            self._rang = self._missed = False
            try:
                await self.catch_up()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("hub poll failed: %s", exc)

    async def _probe(self) -> None:
        """Check that the LISTEN connection hears (app/listening.py): one NOTIFY a quiet tick."""
        if self._listen_conn is None:
            return
        token = self._earshot.tick(self._poll_interval_s)
        if self._earshot.deaf:
            self._epoch += 1
        if token is None:
            return
        try:
            await send_probe(self._pool, CHANNEL, token)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return  # the database is away: the catch-up below says so
        self._earshot.sent(token)
