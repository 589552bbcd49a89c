"""GET /api/health: the load balancer's check. No key needed."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response

from app import __version__
from app import queries as q
from app.models import HealthOut
from app.web.http import json_response, services

SERVICE = "Nowva Program Generator API"


async def health(request: Request) -> Response:
    try:
        await asyncio.wait_for(q.check_connection(services(request).pool), timeout=2)
    except Exception:
        return json_response(HealthOut(status="unhealthy", service=SERVICE, version=__version__), 503)
    return json_response(HealthOut(status="healthy", service=SERVICE, version=__version__))
