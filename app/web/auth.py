"""Who is calling: Bearer API keys (service or user keys) and job-scoped stream tokens."""

from __future__ import annotations

import time
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from app import queries as q
from app.errors import Forbidden, NotFound, Unauthorized
from app.keys import secret_matches, split_key

_CACHE_TTL_S = 5.0  # a revoked key stops working within this long on every API process


@dataclass(frozen=True, slots=True)
class Principal:
    key_prefix: str
    user_id: UUID | None  # None: a service key, which may act for any user

    @property
    def is_service(self) -> bool:
        return self.user_id is None

    def require_access(self, owner: UUID | None) -> None:
        """Another user's object answers 404 exactly as a missing one would."""
        if owner is None or (self.user_id is not None and owner != self.user_id):
            raise NotFound()

    def require_service(self) -> None:
        if not self.is_service:
            raise Forbidden()


@dataclass(frozen=True, slots=True)
class _CachedKey:
    secret_hash: bytes
    user_id: UUID | None
    revoked: bool


class KeyCache:
    """Verifies keys against the database, remembering each prefix for a few seconds."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._cache: dict[str, _CachedKey | None] = {}
        self._fetched: dict[str, float] = {}

    async def authenticate(self, authorization: str | None) -> Principal:
        if not authorization:
            raise Unauthorized()
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer":
            raise Unauthorized()
        parts = split_key(token.strip())
        if parts is None:
            raise Unauthorized()
        prefix, secret = parts
        entry = await self._lookup(prefix)
        if entry is None or entry.revoked or not secret_matches(secret, entry.secret_hash):
            raise Unauthorized()
        return Principal(prefix, entry.user_id)

    async def _lookup(self, prefix: str) -> _CachedKey | None:
        now = time.monotonic()
        if prefix in self._cache and now - self._fetched[prefix] < _CACHE_TTL_S:
            return self._cache[prefix]
        row = await q.get_api_key(self._pool, prefix)
        entry = (None if row is None
                 else _CachedKey(row["secret_hash"], row["user_id"], row["revoked_at"] is not None))
        if len(self._cache) > 10_000:  # bound memory against random-prefix floods
            self._cache.clear()
            self._fetched.clear()
        self._cache[prefix] = entry
        self._fetched[prefix] = now
        return entry
