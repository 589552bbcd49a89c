"""HTTP plumbing shared by the routes: parsing with pydantic, JSON responses, error mapping."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any, TypeVar
from uuid import UUID

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import to_json
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import database_unavailable
from app.errors import (
    NotFound,
    NowvaError,
    PayloadTooLarge,
    RateLimited,
    RequestInvalid,
    ServiceUnavailable,
    status_code_for,
)
from app.logs import job_id_var, request_id_var
from app.web.auth import Principal
from app.web.state import Services

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def services(request: Request) -> Services:
    svc: Services = request.state.services
    return svc


async def principal(request: Request) -> Principal:
    return await services(request).keys.authenticate(request.headers.get("authorization"))


def _detail(exc: ValidationError, where: str) -> list[dict[str, Any]]:
    return [
        {"loc": [where, *err["loc"]], "msg": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


async def read_model(request: Request, model: type[M]) -> M:
    body = await request.body()
    if not body:
        raise RequestInvalid([{"loc": ["body"], "msg": "Field required", "type": "missing"}])
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise RequestInvalid(_detail(exc, "body")) from None


def parse_param(value: object, adapter: TypeAdapter[T], where: str, name: str) -> T:
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        raise RequestInvalid(
            [{"loc": [where, *([name] if name else []), *err["loc"]], "msg": err["msg"], "type": err["type"]}
             for err in exc.errors(include_url=False, include_context=False, include_input=False)]
        ) from None


def path_uuid(request: Request, name: str) -> UUID:
    """A malformed id is a missing object: 404, never a 500 or a 422."""
    try:
        return UUID(request.path_params[name])
    except (ValueError, KeyError):
        raise NotFound() from None


def json_response(
    content: BaseModel | dict[str, Any] | list[Any], status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    if isinstance(content, BaseModel):
        body = content.model_dump_json().encode()
    else:
        body = to_json(content)
    return Response(body, status_code=status_code, headers=headers, media_type="application/json")


async def handle_nowva_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NowvaError)
    status = status_code_for(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, RequestInvalid):
        return json_response({"detail": exc.errors}, status)
    if isinstance(exc, RateLimited | ServiceUnavailable):
        headers["Retry-After"] = str(exc.retry_after_s)
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return json_response({"detail": exc.message, **exc.extra}, status, headers)


async def handle_http_error(_request: Request, exc: Exception) -> Response:
    """The router's own answers (no such route: 404; a route without this method: 405 with
    Allow) in the API's JSON error body, not Starlette's plain text."""
    assert isinstance(exc, HTTPException)
    detail = NotFound().message if exc.status_code == 404 else exc.detail
    return json_response({"detail": detail}, exc.status_code, dict(exc.headers or {}))


async def handle_database_unavailable(request: Request, exc: Exception) -> Response:
    """PostgreSQL is away (restarting, failing over, unreachable): a 503 the client may retry,
    never a 500. Registered for each class in app.db.UNAVAILABLE, and for asyncpg's
    InternalClientError, of which only app.db.lost_while_idle's kind means that."""
    if not database_unavailable(exc):
        return await handle_unexpected(request, exc)
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return await handle_nowva_error(request, ServiceUnavailable())


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return json_response({"detail": "Internal server error"}, 500)


class BodyLimitMiddleware:
    """Refuse request bodies over the limit with 413, whether or not Content-Length is sent."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        has_body = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = 1  # let the server's parser judge it; count what arrives
                if length > self.max_bytes:
                    await self._reject(scope, receive, send)
                    return
                has_body = has_body or length > 0
            elif name == b"transfer-encoding":
                has_body = True
        if not has_body:
            # No body can follow (HTTP/1.1 frames a body by one of those two headers): no
            # wrapper to keep alive for the whole request, e.g. an event stream's hours.
            await self.app(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise PayloadTooLarge(f"Request body over {self.max_bytes} bytes.")
            return message

        await self.app(scope, limited_receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = json_response({"detail": f"Request body over {self.max_bytes} bytes."}, 413)
        await response(scope, receive, send)


def _sending_headers(send: Send, headers: list[tuple[bytes, bytes]]) -> Send:
    """`send`, with these headers added to the response start unless the app set them."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", [])}
            message["headers"] = [*message.get("headers", []), *((n, v) for n, v in headers if n not in present)]
        await send(message)

    return wrapped


_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_JOB_IN_PATH = re.compile(r"^/api/programs/status/([0-9a-fA-F-]{36})(?:/|$)")


class RequestIdMiddleware:
    """A request id per request (the load balancer's X-Request-ID when it is sane, else a
    new one), in the log context and echoed in the response; and the job_id of the job
    URLs, so every line logged while serving them carries it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        match = _JOB_IN_PATH.match(scope.get("path", ""))
        tokens = [(request_id_var, request_id_var.set(request_id))]
        if match:
            tokens.append((job_id_var, job_id_var.set(match.group(1).lower())))
        try:
            await self.app(scope, receive, _sending_headers(send, [(b"x-request-id", request_id.encode())]))
        finally:
            for var, token in reversed(tokens):
                var.reset(token)


class SecurityHeadersMiddleware:
    """Conservative headers on every response (OWASP API8: security misconfiguration)."""

    HEADERS = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"cache-control", b"no-store"),
    ]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        await self.app(scope, receive, _sending_headers(send, self.HEADERS))
