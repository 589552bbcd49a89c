"""Settings: built once (from the environment and the CLI) and passed in, never read again.

A pydantic-settings model: each field that the environment may set names its variable
(`env("NOWVA_...")`); the others are set by the CLI or by code. `Settings()` is the defaults
alone, `Settings.from_env()` reads the process environment (or a given mapping, for tests).

Core module: no web framework, queue or LLM imports.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

GeneratorChoice = Literal["auto", "builtin", "openai"]
OpenAIStrategy = Literal["single", "blocks"]
OpenAIApi = Literal["auto", "responses", "chat"]
PoolerMode = Literal["session", "transaction"]
FallbackChoice = Literal["builtin", "none"]

RETIRED = {
    # Not quietly ignored: it capped every key alike, the voice agent's one key for everyone too.
    "NOWVA_GENERATE_RATE_PER_MINUTE": "NOWVA_GENERATE_RATE_PER_MINUTE is replaced by NOWVA_GENERATE_RATE_PER_USER, "
    "NOWVA_GENERATE_RATE_PER_KEY (user keys) and NOWVA_GENERATE_RATE_PER_SERVICE_KEY, "
    "each per NOWVA_GENERATE_RATE_WINDOW seconds: set those instead",
}


def _flag(raw: object) -> object:
    # As before pydantic-settings: 1/true/yes/on (any case) is on, any other word off.
    return raw.strip().lower() in ("1", "true", "yes", "on") if isinstance(raw, str) else raw


Flag = Annotated[bool, BeforeValidator(_flag)]


def env(name: str, default: Any, **kwargs: Any) -> Any:
    """A field the environment variable `name` sets (an empty value counts as unset)."""
    return Field(default, validation_alias=name, **kwargs)


# The mapping `from_env` reads; None (plain `Settings(...)`): defaults and arguments only.
_ENVIRONMENT: ContextVar[Mapping[str, str] | None] = ContextVar("nowva_settings_env", default=None)


class _NamedVariables(EnvSettingsSource):
    """The environment source, over a given mapping, for the fields that name a variable only:
    `host` or `port` are never read from HOST or PORT."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls, case_sensitive=True, env_ignore_empty=True)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {name: value for name, value in self._environ.items() if value != ""}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        if field.validation_alias is None:
            return None, field_name, False
        return super().get_field_value(field, field_name)


class Settings(BaseSettings):
    # validate_by_name: code and tests build Settings(data_dir=..., hub_poll_s=...) by field name.
    model_config = SettingsConfigDict(frozen=True, validate_by_name=True, validate_by_alias=True, extra="forbid")

    # where the data lives
    database_url: str | None = env("DATABASE_URL", None)
    data_dir: Path = env("NOWVA_DATA_DIR", Path(".nowva"))
    # the API
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = env("NOWVA_PUBLIC_URL", None)
    max_body_bytes: int = 64 * 1024
    stream_token_ttl_s: int = env("NOWVA_STREAM_TOKEN_TTL", 3600)
    sse_ping_s: float = 15.0
    sse_retry_ms: int = 3000
    hub_poll_s: float = env("NOWVA_HUB_POLL", 5.0)
    # How long a job's status row may be served from memory while no doorbell of the job rang
    # (app/web/status_cache.py); 0 reads the table on every poll.
    status_cache_s: float = env("NOWVA_STATUS_CACHE", 30.0, ge=0)
    api_pool_size: int = 10
    # the worker
    run_worker: bool = True
    concurrency: int = env("NOWVA_CONCURRENCY", 50)
    worker_pool_size: int = 4
    generator: GeneratorChoice = env("NOWVA_GENERATOR", "auto")
    builtin_week_delay_s: float = env("NOWVA_BUILTIN_WEEK_DELAY", 0.0)
    # At most one progress event per job per this many seconds (jobs/progress.py); 0: every report.
    progress_interval_s: float = env("NOWVA_PROGRESS_INTERVAL", 0.5)
    job_deadline_s: float = env("NOWVA_JOB_DEADLINE", 300.0)
    max_attempts: int = env("NOWVA_MAX_ATTEMPTS", 3)
    # When the model fails for good: "builtin" completes the job with the built-in writer's
    # program for the same request (jobs/fallback.py); "none" fails the job.
    fallback: FallbackChoice = env("NOWVA_FALLBACK", "builtin")
    stall_after_s: float = env("NOWVA_STALL_AFTER", 30.0)
    # How often the worker stores how far its background responses in flight were read
    # (jobs/checkpoints.py); 0: never (a retry reads each stream from its start).
    checkpoint_s: float = env("NOWVA_CHECKPOINT_S", 2.0)
    shutdown_grace_s: float = env("NOWVA_SHUTDOWN_GRACE", 20.0)
    # How long `serve` and `worker` wait for an unreachable database at start before exiting.
    db_start_timeout_s: float = env("NOWVA_DB_START_TIMEOUT", 120.0)
    # limits: generations started per rate window, counted per person (whichever key asked for
    # them), per user key, and per service key (the voice agent's key stands for everyone it talks to)
    generate_rate_window_s: float = env("NOWVA_GENERATE_RATE_WINDOW", 60.0)
    generate_rate_per_user: int = env("NOWVA_GENERATE_RATE_PER_USER", 5)
    generate_rate_per_key: int = env("NOWVA_GENERATE_RATE_PER_KEY", 30)
    generate_rate_per_service_key: int = env("NOWVA_GENERATE_RATE_PER_SERVICE_KEY", 3000)
    max_active_jobs_per_user: int = env("NOWVA_MAX_ACTIVE_JOBS_PER_USER", 1)
    # OpenAI
    openai_api_key: str | None = env("OPENAI_API_KEY", None, repr=False)
    openai_base_url: str | None = env("OPENAI_BASE_URL", None)
    openai_model: str = env("PROGRAM_CREATION_MODEL", "gpt-5-mini")
    openai_timeout_s: float = env("NOWVA_OPENAI_TIMEOUT", 120.0)
    openai_max_retries: int = env("NOWVA_OPENAI_MAX_RETRIES", 2)
    # "blocks": a plan, then one call per block in parallel (DESIGN §5b); "single": one call.
    openai_strategy: OpenAIStrategy = env("NOWVA_OPENAI_STRATEGY", "blocks")
    # "responses": every call a background, stored Responses call a retried attempt can re-attach
    # to; "chat": Chat Completions. "auto": responses on OpenAI itself, chat when OPENAI_BASE_URL
    # names another server (most compatible servers speak only Chat Completions).
    openai_api: OpenAIApi = env("NOWVA_OPENAI_API", "auto")
    # Concurrent LLM calls per worker process: one job opens a call per block (at least 1).
    openai_max_concurrency: int = env("NOWVA_OPENAI_MAX_CONCURRENCY", 1000)
    # The output rate the API plans with when it refuses what one answer cannot write in time
    # (app/sizing.py; `single` only).
    openai_tokens_per_s: float = env("NOWVA_OPENAI_TOKENS_PER_S", 100.0)
    # The most one job's model calls may cost, in US dollars (jobs/engines/llm/prices.py): a call
    # that could pass it is not made, and the job fails saying so. None: no ceiling.
    job_max_cost_usd: float | None = env("NOWVA_JOB_MAX_COST_USD", None)
    # operations
    log_format: Literal["text", "json"] = env("NOWVA_LOG_FORMAT", "text")
    log_level: str = env("NOWVA_LOG_LEVEL", "INFO")
    access_log: Flag = env("NOWVA_ACCESS_LOG", True)
    metrics_enabled: Flag = env("NOWVA_METRICS", True)
    metrics_require_key: Flag = env("NOWVA_METRICS_REQUIRE_KEY", False)
    # What needs a session, when DATABASE_URL goes through a transaction-mode pooler (PgBouncer,
    # Supavisor, RDS Proxy, Neon's pooler), where LISTEN hears nothing and session locks do not
    # hold: the hub's and the workers' LISTEN and the migrations. PostgreSQL itself or a
    # session-mode pooler (docs/deployment.md). None: DATABASE_URL.
    listen_database_url: str | None = env("NOWVA_LISTEN_DATABASE_URL", None, repr=False)
    # "transaction": DATABASE_URL is a transaction-mode pooler: no named prepared statements
    # (asyncpg's statement cache off, psycopg never prepares), which PgBouncer before 1.21
    # and Supavisor cannot route. "session": PostgreSQL itself or a session-mode pooler.
    db_pooler: PoolerMode = env("NOWVA_DB_POOLER", "session")
    # retention: finished jobs, their events and queue rows older than this are pruned
    # (0 turns the periodic pruning off); the maintenance tasks' own queue rows sooner.
    retention_days: float = env("NOWVA_RETENTION_DAYS", 30.0)
    retention_maintenance_hours: float = env("NOWVA_RETENTION_MAINTENANCE_HOURS", 24.0)

    @field_validator("openai_max_concurrency")
    @classmethod
    def _at_least_one(cls, value: int) -> int:
        return max(1, value)

    @field_validator("job_max_cost_usd")
    @classmethod
    def _zero_is_no_ceiling(cls, value: float | None) -> float | None:
        return value or None

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # No .env file, no secrets dir, and the environment only through from_env().
        environ = _ENVIRONMENT.get()
        if environ is None:
            return (init_settings,)
        return init_settings, _NamedVariables(settings_cls, environ)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings the environment (os.environ, or `env`) gives; a ValueError naming the
        variable for a value it cannot take."""
        e: Mapping[str, str] = os.environ if env is None else env
        for name, message in RETIRED.items():
            if e.get(name):
                raise ValueError(message)
        with _reading(e):
            try:
                return cls()
            except ValidationError as exc:
                raise ValueError("; ".join(_explain(err) for err in exc.errors())) from None

    def with_(self, **changes: object) -> Settings:
        unknown = set(changes) - set(type(self).model_fields)
        if unknown:
            raise TypeError(f"Settings has no field {', '.join(sorted(unknown))}")
        return self.model_copy(update=changes)

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

    def session_database(self, database_url: str) -> tuple[str, PoolerMode]:
        """Where what needs a session goes (LISTEN, migrations), and how to talk to it:
        NOWVA_LISTEN_DATABASE_URL (a session), else `database_url` as it is configured."""
        if self.listen_database_url:
            return self.listen_database_url, "session"
        return database_url, self.db_pooler

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


@contextmanager
def _reading(environ: Mapping[str, str]) -> Iterator[None]:
    token = _ENVIRONMENT.set(environ)
    try:
        yield
    finally:
        _ENVIRONMENT.reset(token)


def _explain(err: Any) -> str:
    """One error as the variable's name and what it takes: 'NOWVA_GENERATOR must be auto, builtin
    or openai, not 'x''."""
    name = ".".join(str(part) for part in err["loc"]) or "settings"
    if err["type"] == "literal_error":
        choices = [str(c) for c in get_args(_literal_of(name))] or [err["ctx"].get("expected", "")]
        allowed = ", ".join(choices[:-1]) + " or " + choices[-1] if len(choices) > 1 else choices[0]
        return f"{name} must be {allowed}, not {err['input']!r}"
    return f"{name}: {err['msg'].lower()}, not {err['input']!r}"


def _literal_of(variable: str) -> Any:
    for field in Settings.model_fields.values():
        if field.validation_alias == variable:
            return field.annotation
    return None
