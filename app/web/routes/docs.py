"""/openapi.json, Swagger UI at /docs and ReDoc at /redoc, with assets served locally (no CDN)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

ASSETS = Path(str(files("drf_spectacular_sidecar"))) / "static" / "drf_spectacular_sidecar"

SWAGGER_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Nowva API · Swagger UI</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/docs-assets/swagger-ui-dist/favicon-32x32.png">
<link rel="stylesheet" href="/docs-assets/swagger-ui-dist/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs-assets/swagger-ui-dist/swagger-ui-bundle.js"></script>
<script src="/docs-assets/swagger-ui-dist/swagger-ui-standalone-preset.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
  persistAuthorization: true, presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout"});
</script></body></html>"""

REDOC_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Nowva API · ReDoc</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="/docs-assets/redoc/bundles/redoc.standalone.js"></script></body></html>"""

# The documentation pages need inline scripts and blob workers; the API itself sends none.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'")


async def openapi_json(request: Request) -> Response:
    spec = request.app.state.openapi
    return JSONResponse(spec)


async def swagger(_request: Request) -> Response:
    return HTMLResponse(SWAGGER_HTML, headers={"Content-Security-Policy": DOCS_CSP})


async def redoc(_request: Request) -> Response:
    return HTMLResponse(REDOC_HTML, headers={"Content-Security-Policy": DOCS_CSP})


assets = Mount("/docs-assets", app=StaticFiles(directory=ASSETS), name="docs-assets")
