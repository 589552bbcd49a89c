"""The OpenAPI 3.1 document, generated from the same pydantic models that validate requests.

Starlette has no schema generator of its own that reads pydantic models, so this small
builder does it: each operation names its body and response models; pydantic writes
their JSON Schemas into components.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app import __version__
from app.models import ErrorOut, ValidationErrorOut


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # path | query | header
    schema: dict[str, Any]
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    responses: dict[int, type[BaseModel] | str]  # a model, or a description for non-JSON bodies
    body: type[BaseModel] | None = None
    params: tuple[Param, ...] = ()
    description: str = ""
    auth: bool = True
    stream: bool = False
    extra_errors: tuple[int, ...] = field(default=())


_ERROR_TEXT = {
    400: "Malformed request",
    401: "Missing, invalid or revoked API key",
    403: "Needs a service key",
    404: "Not found (or not yours)",
    409: "Conflicts with the job's state",
    413: "Body over 64 KiB",
    422: "Validation error naming the field",
    429: "Rate limited; see Retry-After",
    503: "Database unreachable",
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def build_spec(operations: list[Operation], base_url: str | None = None) -> dict[str, Any]:
    models: set[type[BaseModel]] = {ErrorOut, ValidationErrorOut}
    for op in operations:
        if op.body is not None:
            models.add(op.body)
        models.update(m for m in op.responses.values() if isinstance(m, type))
    bodies = {op.body for op in operations if op.body is not None}
    keyed: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = [
        (m, "validation" if m in bodies else "serialization") for m in sorted(models, key=lambda m: m.__name__)
    ]
    _, schema = models_json_schema(keyed, ref_template="#/components/schemas/{model}")
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    spec: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Nowva Program Generator API",
            "version": __version__,
            "description": (
                "Generates multi-week training programs as jobs. `POST /api/programs/generate` answers "
                "202 at once; follow the job by polling, long-polling (`?wait=&after=`) or the SSE stream "
                "in `events_url`. Authenticate with `Authorization: Bearer <key>`."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schema.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
    if base_url:
        spec["servers"] = [{"url": base_url}]
    return spec


def _operation(op: Operation) -> dict[str, Any]:
    out: dict[str, Any] = {
        "summary": op.summary,
        "tags": [op.tag],
        "operationId": f"{op.method.lower()}_{op.path.strip('/').replace('/', '_').replace('{', '').replace('}', '')}",
    }
    if op.description:
        out["description"] = op.description
    if op.params:
        out["parameters"] = [
            {"name": p.name, "in": p.where, "required": p.required or p.where == "path", "schema": p.schema,
             **({"description": p.description} if p.description else {})}
            for p in op.params
        ]
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(op.body)}}}
    responses: dict[str, Any] = {}
    for code, model in op.responses.items():
        if code == 204:
            responses[str(code)] = {"description": model if isinstance(model, str) else "No Content"}
        elif isinstance(model, str):
            responses[str(code)] = {"description": model,
                                    "content": {"text/event-stream": {"schema": {"type": "string"}}}}
        else:
            # An error code with a body of its own (the health check's 503) is described as
            # the error it is, not by its model, which 200 shares.
            description = (_ERROR_TEXT[code] if code in _ERROR_TEXT
                           else model.__doc__.strip().splitlines()[0] if model.__doc__ else "OK")
            responses[str(code)] = {"description": description,
                                    "content": {"application/json": {"schema": _ref(model)}}}
    errors = list(op.extra_errors)
    if op.auth:
        errors.append(401)
    if op.body is not None:
        errors += [413, 422]
    elif any(p.where in ("query", "header") for p in op.params):
        errors.append(422)
    for code in sorted(set(errors)):
        model = ValidationErrorOut if code == 422 else ErrorOut
        responses[str(code)] = {"description": _ERROR_TEXT[code],
                                "content": {"application/json": {"schema": _ref(model)}}}
    out["responses"] = responses
    if op.auth:
        out["security"] = [{"bearer": []}]
    return out
