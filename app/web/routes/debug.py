"""The debug page: one static HTML file with plain JS and EventSource (no CDN, no build)."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

PAGE = Path(__file__).resolve().parent.parent / "static" / "debug.html"

# The page only talks to this origin; inline script and style live in the one file.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'")


async def page(_request: Request) -> Response:
    return HTMLResponse(PAGE.read_text(encoding="utf-8"), headers={"Content-Security-Policy": CSP})


async def home(_request: Request) -> Response:
    return RedirectResponse("/debug")
