"""Settings: built once (from the environment and the CLI) and passed in, never read again.

Core module: no web framework, queue or LLM imports.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

GeneratorChoice = Literal["auto", "builtin", "openai"]
OpenAIStrategy = Literal["single", "blocks"]
OpenAIApi = Literal["auto", "responses", "chat"]
FallbackChoice = Literal["builtin", "none"]


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    return default if raw in (None, "") else int(raw)


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    return default if raw in (None, "") else float(raw)


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    # where the data lives
    database_url: str | None = None
    data_dir: Path = Path(".nowva")
    # the API
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None
    max_body_bytes: int = 64 * 1024
    stream_token_ttl_s: int = 3600
    sse_ping_s: float = 15.0
    sse_retry_ms: int = 3000
    hub_poll_s: float = 5.0
    long_poll_max_s: float = 60.0
    api_pool_size: int = 10
    # the worker
    run_worker: bool = True
    concurrency: int = 50
    worker_pool_size: int = 4
    generator: GeneratorChoice = "auto"
    builtin_week_delay_s: float = 0.0
    # At most one progress event per job per this many seconds (jobs/progress.py); 0: every report.
    progress_interval_s: float = 0.5
    job_deadline_s: float = 300.0
    max_attempts: int = 3
    # When the model fails for good: "builtin" completes the job with the built-in writer's
    # program for the same request (jobs/fallback.py); "none" fails the job.
    fallback: FallbackChoice = "builtin"
    stall_after_s: float = 30.0
    # How often the worker stores how far its background responses in flight were read
    # (jobs/checkpoints.py); 0: never (a retry reads each stream from its start).
    checkpoint_s: float = 2.0
    shutdown_grace_s: float = 20.0
    # How long `serve` and `worker` wait for an unreachable database at start before exiting.
    db_start_timeout_s: float = 120.0
    # limits: generations started per rate window, counted per person (whichever key asked for
    # them), per user key, and per service key (the voice agent's key stands for everyone it talks to)
    generate_rate_window_s: float = 60.0
    generate_rate_per_user: int = 5
    generate_rate_per_key: int = 30
    generate_rate_per_service_key: int = 3000
    max_active_jobs_per_user: int = 1
    # OpenAI
    openai_api_key: str | None = field(default=None, repr=False)
    openai_base_url: str | None = None
    openai_model: str = "gpt-5-mini"
    openai_timeout_s: float = 120.0
    openai_max_retries: int = 2
    # "blocks": a plan, then one call per block in parallel (DESIGN §5b); "single": one call.
    openai_strategy: OpenAIStrategy = "blocks"
    # "responses": every call a background, stored Responses call a retried attempt can re-attach
    # to; "chat": Chat Completions. "auto": responses on OpenAI itself, chat when OPENAI_BASE_URL
    # names another server (most compatible servers speak only Chat Completions).
    openai_api: OpenAIApi = "auto"
    # Concurrent LLM calls per worker process: one job opens a call per block.
    openai_max_concurrency: int = 1000
    # The output rate the API plans with when it refuses what one answer cannot write in time
    # (app/sizing.py; `single` only).
    openai_tokens_per_s: float = 100.0
    # operations
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    access_log: bool = True
    metrics_enabled: bool = True
    metrics_require_key: bool = False
    # A direct (session) connection for the hub's LISTEN, when DATABASE_URL goes through a
    # transaction-mode pooler (PgBouncer), where LISTEN cannot work. None: DATABASE_URL.
    listen_database_url: str | None = field(default=None, repr=False)
    # retention: finished jobs, their events and queue rows older than this are pruned
    # (0 turns the periodic pruning off); the maintenance tasks' own queue rows sooner.
    retention_days: float = 30.0
    retention_maintenance_hours: float = 24.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        e: Mapping[str, str] = os.environ if env is None else env
        generator = e.get("NOWVA_GENERATOR", "auto") or "auto"
        if generator not in ("auto", "builtin", "openai"):
            raise ValueError(f"NOWVA_GENERATOR must be auto, builtin or openai, not {generator!r}")
        if e.get("NOWVA_GENERATE_RATE_PER_MINUTE"):
            # Not quietly ignored: it capped every key alike, the voice agent's one key for everyone too.
            raise ValueError("NOWVA_GENERATE_RATE_PER_MINUTE is replaced by NOWVA_GENERATE_RATE_PER_USER, "
                             "NOWVA_GENERATE_RATE_PER_KEY (user keys) and NOWVA_GENERATE_RATE_PER_SERVICE_KEY, "
                             "each per NOWVA_GENERATE_RATE_WINDOW seconds: set those instead")
        api = e.get("NOWVA_OPENAI_API", "auto") or "auto"
        if api not in ("auto", "responses", "chat"):
            raise ValueError(f"NOWVA_OPENAI_API must be responses or chat (or auto), not {api!r}")
        strategy = e.get("NOWVA_OPENAI_STRATEGY", "blocks") or "blocks"
        if strategy not in ("single", "blocks"):
            raise ValueError(f"NOWVA_OPENAI_STRATEGY must be single or blocks, not {strategy!r}")
        fallback = e.get("NOWVA_FALLBACK", "builtin") or "builtin"
        if fallback not in ("builtin", "none"):
            raise ValueError(f"NOWVA_FALLBACK must be builtin or none, not {fallback!r}")
        log_format = e.get("NOWVA_LOG_FORMAT", "text") or "text"
        if log_format not in ("text", "json"):
            raise ValueError(f"NOWVA_LOG_FORMAT must be text or json, not {log_format!r}")
        return cls(
            database_url=e.get("DATABASE_URL") or None,
            data_dir=Path(e.get("NOWVA_DATA_DIR") or ".nowva"),
            public_url=e.get("NOWVA_PUBLIC_URL") or None,
            concurrency=_int(e, "NOWVA_CONCURRENCY", 50),
            generator=generator,  # type: ignore[arg-type]
            builtin_week_delay_s=_float(e, "NOWVA_BUILTIN_WEEK_DELAY", 0.0),
            progress_interval_s=_float(e, "NOWVA_PROGRESS_INTERVAL", 0.5),
            job_deadline_s=_float(e, "NOWVA_JOB_DEADLINE", 300.0),
            max_attempts=_int(e, "NOWVA_MAX_ATTEMPTS", 3),
            fallback=fallback,  # type: ignore[arg-type]
            stall_after_s=_float(e, "NOWVA_STALL_AFTER", 30.0),
            checkpoint_s=_float(e, "NOWVA_CHECKPOINT_S", 2.0),
            shutdown_grace_s=_float(e, "NOWVA_SHUTDOWN_GRACE", 20.0),
            db_start_timeout_s=_float(e, "NOWVA_DB_START_TIMEOUT", 120.0),
            hub_poll_s=_float(e, "NOWVA_HUB_POLL", 5.0),
            generate_rate_window_s=_float(e, "NOWVA_GENERATE_RATE_WINDOW", 60.0),
            generate_rate_per_user=_int(e, "NOWVA_GENERATE_RATE_PER_USER", 5),
            generate_rate_per_key=_int(e, "NOWVA_GENERATE_RATE_PER_KEY", 30),
            generate_rate_per_service_key=_int(e, "NOWVA_GENERATE_RATE_PER_SERVICE_KEY", 3000),
            max_active_jobs_per_user=_int(e, "NOWVA_MAX_ACTIVE_JOBS_PER_USER", 1),
            stream_token_ttl_s=_int(e, "NOWVA_STREAM_TOKEN_TTL", 3600),
            openai_api_key=e.get("OPENAI_API_KEY") or None,
            openai_base_url=e.get("OPENAI_BASE_URL") or None,
            openai_model=e.get("PROGRAM_CREATION_MODEL") or "gpt-5-mini",
            openai_timeout_s=_float(e, "NOWVA_OPENAI_TIMEOUT", 120.0),
            openai_max_retries=_int(e, "NOWVA_OPENAI_MAX_RETRIES", 2),
            openai_strategy=strategy,  # type: ignore[arg-type]
            openai_api=api,  # type: ignore[arg-type]
            openai_max_concurrency=max(1, _int(e, "NOWVA_OPENAI_MAX_CONCURRENCY", 1000)),
            openai_tokens_per_s=_float(e, "NOWVA_OPENAI_TOKENS_PER_S", 100.0),
            log_format=log_format,  # type: ignore[arg-type]
            log_level=e.get("NOWVA_LOG_LEVEL") or "INFO",
            access_log=_bool(e, "NOWVA_ACCESS_LOG", True),
            metrics_enabled=_bool(e, "NOWVA_METRICS", True),
            metrics_require_key=_bool(e, "NOWVA_METRICS_REQUIRE_KEY", False),
            listen_database_url=e.get("NOWVA_LISTEN_DATABASE_URL") or None,
            retention_days=_float(e, "NOWVA_RETENTION_DAYS", 30.0),
            retention_maintenance_hours=_float(e, "NOWVA_RETENTION_MAINTENANCE_HOURS", 24.0),
        )

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def engine_name(self) -> Literal["builtin", "openai"]:
        if self.generator == "auto":
            return "openai" if self.openai_api_key else "builtin"
        return self.generator

    @property
    def openai_api_used(self) -> Literal["responses", "chat"]:
        if self.openai_api == "auto":
            return "chat" if self.openai_base_url else "responses"
        return self.openai_api

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        return self.local_url

    @property
    def local_url(self) -> str:
        """The API as a client on this machine reaches it: the bind address, never the proxy's."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    @property
    def saved_key_path(self) -> Path:
        """Where `serve` saves the first service key for local tools (CLI, agent)."""
        return self.data_dir / "service_key"

    @property
    def saved_url_path(self) -> Path:
        """Where `serve` on the embedded database records its URL while it runs, for local tools.
        The agent reads the same file name (agent/config.py) without importing us."""
        return self.data_dir / "api_url"
