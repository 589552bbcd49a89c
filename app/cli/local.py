"""Key management used by the CLI and by `serve`'s first start."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from uuid import UUID

from app import queries as q
from app.db import connect
from app.keys import new_key
from app.settings import PoolerMode

log = logging.getLogger(__name__)


async def create_key(url: str, name: str | None, user_id: str | UUID | None, *, pooler: PoolerMode = "session") -> str:
    key = new_key()
    conn = await connect(url, pooler=pooler)
    try:
        uid = UUID(str(user_id)) if user_id else None
        if uid is not None and await q.get_user(conn, uid) is None:
            raise SystemExit(f"nowva: no user {uid}")
        await q.create_api_key(conn, key.prefix, key.secret_hash, name, uid)
    finally:
        await conn.close()
    return key.token


async def revoke_key(url: str, prefix: str, *, pooler: PoolerMode = "session") -> bool:
    conn = await connect(url, pooler=pooler)
    try:
        return await q.revoke_api_key(conn, prefix.removeprefix("nwv_")[:8])
    finally:
        await conn.close()


async def ensure_local_service_key(url: str, path: Path) -> str | None:
    """On a fresh data dir, create a service key for local tools and save it (mode 600).

    Returns the new key (to print once), or None when one was saved before.
    """
    if path.exists():  # noqa: ASYNC240 - one stat at start-up
        return None
    token = await create_key(url, "local tools (created by nowva serve)", None)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    return token


def read_saved(path: Path) -> str | None:
    """The first line of a file `serve` saved in the data dir (its key, its URL), or None."""
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def save_local_url(path: Path, url: str) -> None:
    """Record where this `nowva serve` listens, so local tools find it on any port.

    Written whole and renamed into place: a client never reads half a URL.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(url + "\n")
    partial.replace(path)


def forget_local_url(path: Path, url: str) -> None:
    """Remove the record at a clean stop, unless another `nowva serve` has written its own since."""
    if read_saved(path) == url:
        path.unlink(missing_ok=True)
