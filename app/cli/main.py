"""The `nowva` command. It only builds settings and hands them to the parts (as uvicorn's CLI does)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.cli.database import database
from app.cli.flags import GENERATE_OPTIONS
from app.settings import Settings

log = logging.getLogger("nowva")

def _install_stop_handlers(on_stop: Callable[[], None]) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_stop)


# ---------------------------------------------------------------- commands


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    from app.migrate import migrate

    with database(settings) as url:
        applied = asyncio.run(migrate(*settings.session_database(url)))
    print("applied: " + (", ".join(applied) if applied else "nothing (up to date)"))
    return 0


def cmd_db_url(settings: Settings, _args: argparse.Namespace) -> int:
    with database(settings) as url:
        print(url)
    return 0


def cmd_keys_create(settings: Settings, args: argparse.Namespace) -> int:
    from app.cli.local import create_key
    from app.migrate import migrate

    with database(settings) as url:
        asyncio.run(migrate(*settings.session_database(url)))
        token = asyncio.run(create_key(url, args.name, args.user_id, pooler=settings.db_pooler))
    kind = f"user key for {args.user_id}" if args.user_id else "service key"
    print(f"Created a {kind}. It is shown only once:", file=sys.stderr)
    print(token)
    return 0


def cmd_keys_revoke(settings: Settings, args: argparse.Namespace) -> int:
    from app.cli.local import revoke_key

    with database(settings) as url:
        found = asyncio.run(revoke_key(url, args.prefix, pooler=settings.db_pooler))
    if not found:
        print(f"no key with prefix {args.prefix}", file=sys.stderr)
        return 1
    print(f"revoked {args.prefix}")
    return 0


def cmd_serve(settings: Settings, _args: argparse.Namespace) -> int:
    from app import runtime, tracing
    from app.cli.serve import serve

    tracing.configure("nowva")  # only when the OTEL_* variables ask for it
    try:
        with database(settings, long_running=True) as url:
            return int(runtime.run(serve(settings, url, embedded=not settings.database_url)))
    finally:
        tracing.shutdown()


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from app import runtime, tracing
    from app.db import retrying
    from app.migrate import migrate
    from jobs.worker import run_worker

    async def main() -> None:
        stop = asyncio.Event()
        _install_stop_handlers(stop.set)  # before the wait for the database: SIGTERM ends it too
        migrated, _ = await runtime.unless_stopped(
            retrying(lambda: migrate(*settings.session_database(url)), "worker start",
                     settings.db_start_timeout_s), stop)
        if not migrated:
            log.info("worker stopped while waiting for the database")
            return
        log.info("worker starting (concurrency %d, engine %s)", settings.concurrency, settings.engine_name)
        await run_worker(settings, url, stop, name=args.name)
        log.info("worker stopped")

    tracing.configure("nowva-worker")  # only when the OTEL_* variables ask for it
    try:
        with database(settings, long_running=True) as url:
            runtime.run(main())
    finally:
        tracing.shutdown()
    return 0


def cmd_generate(settings: Settings, args: argparse.Namespace) -> int:
    from app.cli.client import generate

    return int(asyncio.run(generate(settings, args)))


def cmd_watch(settings: Settings, args: argparse.Namespace) -> int:
    from app.cli.client import watch

    return int(asyncio.run(watch(settings, args)))


# ---------------------------------------------------------------- parsing


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, help="where the embedded database lives (env NOWVA_DATA_DIR, "
                        "default ./.nowva)")
    common.add_argument("--log-format", choices=["text", "json"], help="log lines as text (default) or JSON")
    common.add_argument("--log-level", help="DEBUG, INFO (default), WARNING")

    # The API's clients (generate, watch): NOWVA_API_URL, else the URL `nowva serve` recorded in
    # the data dir, else http://127.0.0.1:8000.
    client = argparse.ArgumentParser(add_help=False)
    client.add_argument("--retry-for", type=float, default=120, metavar="SECONDS",
                        help="when the API goes away while following a job, keep trying this long "
                        "(default 120), then give up with status 1")
    client.add_argument("--verbose", action="store_true", help="log every HTTP request too")

    parser = argparse.ArgumentParser(prog="nowva", description="Nowva program generation service")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", parents=[common], help="migrate, then run the API and an in-process worker")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-worker", action="store_true", help="run the API only")
    p.add_argument("--concurrency", type=int, help="jobs the in-process worker runs at once (default 50)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", parents=[common], help="run a standalone worker (any number may run)")
    p.add_argument("--concurrency", type=int, help="jobs this worker runs at once (default 50)")
    p.add_argument("--name", help="worker name in logs")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("migrate", parents=[common], help="apply database migrations")
    p.set_defaults(func=cmd_migrate)

    db = sub.add_parser("db", help="the database").add_subparsers(dest="db_command", required=True)
    p = db.add_parser("url", parents=[common], help="print the connection URL (for psql)")
    p.set_defaults(func=cmd_db_url)

    keys = sub.add_parser("keys", help="API keys").add_subparsers(dest="keys_command", required=True)
    p = keys.add_parser("create", parents=[common], help="create a key; prints it on the last line")
    p.add_argument("--user-id", help="bind the key to one user (default: a service key)")
    p.add_argument("--name", help="a label for the key")
    p.set_defaults(func=cmd_keys_create)
    p = keys.add_parser("revoke", parents=[common], help="revoke a key by its prefix")
    p.add_argument("prefix", help="the 8 characters after nwv_")
    p.set_defaults(func=cmd_keys_revoke)

    p = sub.add_parser("generate", parents=[common, client], help="submit a generation through the API")
    o = GENERATE_OPTIONS
    p.add_argument(o["user_id"], dest="user_id", metavar="ID", help="an existing user (default: create one)")
    p.add_argument(o["height_cm"], dest="height_cm", type=float, metavar="CM", required=True)
    p.add_argument(o["weight_kg"], dest="weight_kg", type=float, metavar="KG", required=True)
    p.add_argument(o["goal_category"], dest="goal_category", choices=["power", "strength", "hypertrophy"],
                   required=True)
    p.add_argument(o["goal_raw"], dest="goal_raw", default="", metavar="TEXT", help="the goal in the person's words")
    p.add_argument(o["duration_weeks"], dest="duration_weeks", type=int, metavar="WEEKS", required=True)
    p.add_argument(o["days_per_week"], dest="days_per_week", type=int, metavar="DAYS", required=True)
    p.add_argument(o["fitness_level"], dest="fitness_level", choices=["beginner", "intermediate", "advanced"],
                   required=True)
    p.add_argument("--watch", action="store_true", help="show live progress, then print the program")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("watch", parents=[common, client], help="follow a job's progress live")
    p.add_argument("job_id")
    p.set_defaults(func=cmd_watch)

    from app.cli.jobs import add_jobs_commands

    add_jobs_commands(sub, common)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    changes: dict[str, Any] = {}
    if getattr(args, "data_dir", None):
        changes["data_dir"] = args.data_dir
    for name in ("host", "port", "concurrency", "log_format", "log_level"):
        value = getattr(args, name, None)
        if value is not None:
            changes[name] = value
    if getattr(args, "no_worker", False):
        changes["run_worker"] = False
    return settings.with_(**changes) if changes else settings


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = settings_from(args)
    except ValueError as exc:
        print(f"nowva: {exc}", file=sys.stderr)
        return 2
    from app.logs import configure_logging

    configure_logging(settings.log_format, settings.log_level)
    result: int = args.func(settings, args)
    return result


if __name__ == "__main__":
    sys.exit(main())
