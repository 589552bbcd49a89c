"""API keys and job-scoped stream tokens. Core: no web framework imports.

A key looks like ``nwv_<prefix>_<secret>``: the 8-hex-digit prefix is public and used
for lookup, the secret is 256 random bits of which only the sha256 is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

KEY_PREFIX = "nwv_"


@dataclass(frozen=True)
class NewKey:
    prefix: str
    secret_hash: bytes
    token: str  # the whole key: shown once, never stored or logged


def new_key() -> NewKey:
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    return NewKey(prefix, hash_secret(secret), f"{KEY_PREFIX}{prefix}_{secret}")


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def split_key(token: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed key, else None."""
    if not token.startswith(KEY_PREFIX) or len(token) < len(KEY_PREFIX) + 10:
        return None
    prefix, sep, secret = token[len(KEY_PREFIX):].partition("_")
    if not sep or len(prefix) != 8 or not secret:
        return None
    return prefix, secret


def secret_matches(secret: str, stored_hash: bytes) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)


class StreamTokens:
    """Short-lived HMAC tokens scoped to one stream, for EventSource (no headers)."""

    def __init__(self, secret: bytes, ttl_s: int) -> None:
        self._secret = secret
        self._ttl_s = ttl_s

    def issue(self, scope: str, now: float | None = None) -> str:
        expires = int((now if now is not None else time.time()) + self._ttl_s)
        return f"{expires}.{self._sign(scope, expires)}"

    def verify(self, token: str, scope: str, now: float | None = None) -> bool:
        expires_s, sep, signature = token.partition(".")
        if not sep or not expires_s.isdigit():
            return False
        if int(expires_s) < (now if now is not None else time.time()):
            return False
        return hmac.compare_digest(signature, self._sign(scope, int(expires_s)))

    def _sign(self, scope: str, expires: int) -> str:
        mac = hmac.new(self._secret, f"{scope}|{expires}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
