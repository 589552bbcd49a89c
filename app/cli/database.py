"""Where the commands find the database: DATABASE_URL, or the embedded server in the data dir.

Shared by `nowva serve/worker/migrate/keys` (app/cli/main.py) and `nowva jobs` (app/cli/jobs.py)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from app.settings import Settings

log = logging.getLogger("nowva")


@contextlib.contextmanager
def database(settings: Settings, *, long_running: bool = False) -> Iterator[str]:
    """DATABASE_URL when set; else the embedded server in the data dir, released on exit."""
    from app.embedded import EmbeddedPostgres, data_dir_behind

    if settings.database_url:
        behind = data_dir_behind(settings.database_url) if long_running else None
        if behind is not None:
            # Only the processes on a data dir keep its server up; one handed the URL holds nothing.
            log.warning("DATABASE_URL names the embedded PostgreSQL of the data dir %s: it stops when the "
                        "last nowva process on that data dir stops, under this one. To keep it up while this "
                        "one runs, start it with --data-dir %s instead of DATABASE_URL.", behind, behind)
        yield settings.database_url
        return

    embedded = EmbeddedPostgres(settings.data_dir)
    url = embedded.start()
    try:
        yield url
    finally:
        embedded.stop()
