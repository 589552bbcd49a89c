"""The distribution's PostgreSQL server and PgBouncer, started from their binaries for a test.

scripts/test installs Debian's `postgresql` and `pgbouncer` packages; a test that needs them
skips, saying why, only when they cannot be had. Each server runs in a temporary folder on a
free loopback port, as the `postgres` user when we are root (neither runs as root), and is
ended by its own pid.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import free_port

POSTGRES_BINS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
                       if p.parent.name.isdigit() else 0)


def _user() -> str | None:
    """The user the servers run as: ourselves, or `postgres` when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and there is no `postgres` user to run PostgreSQL and PgBouncer as")
    return "postgres"


def binaries() -> tuple[Path, Path]:
    """(PostgreSQL's bin folder, pgbouncer), or a skip naming what is missing."""
    bins = [b for b in POSTGRES_BINS if (b / "initdb").exists() and (b / "postgres").exists()]
    pgbouncer = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)
    if not bins or pgbouncer is None:
        pytest.skip("the distribution's PostgreSQL server and PgBouncer are not installed "
                    "(scripts/test installs Debian's postgresql and pgbouncer packages)")
    return bins[-1], Path(pgbouncer)


def _wait_port(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        with socket.socket() as s, contextlib.suppress(OSError):
            s.connect(("127.0.0.1", port))
            return
        time.sleep(0.1)
    raise RuntimeError(f"not listening on {port} after {timeout}s:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(proc: subprocess.Popen[bytes], sig: int, timeout: float = 30) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)


class DistroPostgres:
    """A PostgreSQL server from the distribution's package (not the embedded one)."""

    def __init__(self, root: Path, bin_dir: Path, user: str | None) -> None:
        self.root, self.bin_dir, self.user = root, bin_dir, user
        self.port = free_port()
        self.data = root / "pgdata"
        self.log = root / "postgres.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def version(self) -> str:
        return self.bin_dir.parent.name

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        if not self.data.exists():
            subprocess.run([self.bin_dir / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                            "--no-sync"], check=True, capture_output=True, user=self.user)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [self.bin_dir / "postgres", "-D", self.data, "-p", str(self.port), "-k", self.root,
                 "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "fsync=off",
                 "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
                stdout=log, stderr=subprocess.STDOUT, user=self.user)
        _wait_port(self.port, self.proc, self.log)

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc, signal.SIGINT)  # fast shutdown


class PgBouncer:
    """PgBouncer in transaction mode with a small server pool, in front of one PostgreSQL."""

    def __init__(self, root: Path, binary: Path, user: str | None, server: DistroPostgres, pool_size: int) -> None:
        self.root, self.binary, self.user = root, binary, user
        self.port = free_port()
        self.config = root / "pgbouncer.ini"
        self.log = root / "pgbouncer.log"
        (root / "userlist.txt").write_text('"postgres" ""\n')
        self.config.write_text(f"""[databases]
* = host=127.0.0.1 port={server.port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = trust
auth_file = {root / "userlist.txt"}
admin_users = postgres
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 2000
logfile = {self.log}
pidfile = {root / "pgbouncer.pid"}
""")
        self.proc: subprocess.Popen[bytes] | None = None

    def version(self) -> str:
        return subprocess.run([self.binary, "--version"], capture_output=True, text=True).stdout.split("\n")[0]

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self.proc = subprocess.Popen([self.binary, self.config], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                     user=self.user)
        _wait_port(self.port, self.proc, self.log)

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc, signal.SIGTERM)  # immediate shutdown: every client is cut off
            self.proc = None


@contextlib.contextmanager
def postgres_behind_pgbouncer(pool_size: int) -> Iterator[tuple[DistroPostgres, PgBouncer]]:
    bin_dir, pgbouncer = binaries()
    user = _user()
    root = Path(tempfile.mkdtemp(prefix="nowva-test-pooler-"))
    try:
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        server = DistroPostgres(root, bin_dir, user)
        server.start()
        bouncer = PgBouncer(root, pgbouncer, user, server, pool_size)
        try:
            bouncer.start()
            yield server, bouncer
        finally:
            bouncer.stop()
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
