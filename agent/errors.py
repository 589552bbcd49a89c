"""The agent's errors from the Nowva API: each a plain sentence the coach can act on (the docstring of
each class is its default message), and the typed error for a non-success answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


class BackendError(Exception):
    """The program service answered in a way I did not expect."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message or (self.__doc__ or "").strip()
        super().__init__(self.message)


class BackendUnavailable(BackendError):
    """The program service cannot be reached right now."""


class AuthRejected(BackendError):
    """The program service rejected the coach's API key; the coach is misconfigured."""


class NotFound(BackendError):
    """The program service does not know that user, job or program."""


class GenerationRunning(BackendError):
    """A program is already being generated for this person."""

    def __init__(self, job_id: str | None, message: str | None = None) -> None:
        super().__init__(message)
        self.job_id = job_id


class RateLimited(BackendError):
    """Too many programs were requested in the last minute."""

    def __init__(self, retry_after_s: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class FieldError:
    field: str
    msg: str
    type: str


class ValidationFailed(BackendError):
    """Some of the details were not accepted."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.msg}" for e in errors) or None)
        self.errors = errors



def _detail(response: httpx.Response) -> Any:
    try:
        return response.json().get("detail")
    except (ValueError, AttributeError):
        return None


def error_for(response: httpx.Response) -> BackendError:
    """The typed error for a non-success answer."""
    code = response.status_code
    detail = _detail(response)
    text = detail if isinstance(detail, str) else None
    if code == 422 and isinstance(detail, list):
        return ValidationFailed([
            FieldError(field=str((d.get("loc") or ["?"])[-1]), msg=str(d.get("msg", "")),
                       type=str(d.get("type", "")))
            for d in detail if isinstance(d, dict)
        ])
    if code in (401, 403):
        return AuthRejected()
    if code == 404:
        return NotFound(text)
    if code == 409:
        try:
            job_id = response.json().get("job_id")
        except (ValueError, AttributeError):
            job_id = None
        return GenerationRunning(job_id, text)
    if code == 429:
        return RateLimited(int(response.headers.get("retry-after", "60") or 60), text)
    if code >= 500:
        return BackendUnavailable("The program service had a problem on its side.")
    return BackendError(f"The program service refused the request (HTTP {code}).")
