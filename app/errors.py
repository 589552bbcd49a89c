"""Domain errors and the one table that maps them to HTTP status codes.

As in Procrastinate, an exception's docstring is its default message.
"""

from __future__ import annotations

from typing import Any


class NowvaError(Exception):
    """Something went wrong."""

    def __init__(self, message: str | None = None, **extra: Any) -> None:
        self.message = message or (self.__doc__ or "").strip()
        self.extra = extra
        super().__init__(self.message)


class NotFound(NowvaError):
    """Not found."""


class Unauthorized(NowvaError):
    """Missing or invalid API key. Send 'Authorization: Bearer <key>'."""


class Forbidden(NowvaError):
    """This endpoint needs a service key."""


class Conflict(NowvaError):
    """The request conflicts with the current state."""


class RateLimited(NowvaError):
    """Too many requests."""

    def __init__(self, retry_after_s: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class PayloadTooLarge(NowvaError):
    """Request body too large."""


class BadRequest(NowvaError):
    """Malformed request."""


class RequestInvalid(NowvaError):
    """Validation failed: the FastAPI-style list of errors is in ``errors``."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__()
        self.errors = errors


class ServiceUnavailable(NowvaError):
    """The database is unreachable right now; retry shortly."""

    def __init__(self, retry_after_s: int = 5, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


STATUS_CODES: dict[type[NowvaError], int] = {
    BadRequest: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PayloadTooLarge: 413,
    RequestInvalid: 422,
    RateLimited: 429,
    ServiceUnavailable: 503,
}


def status_code_for(error: NowvaError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]
    return 500
