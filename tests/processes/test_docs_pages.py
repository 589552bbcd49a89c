"""/docs (Swagger UI) and /redoc render our OpenAPI 3.1 document in a real browser, offline."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.async_api import async_playwright

from tests.processes.test_debug_page import CHROMIUM_ARGS, chromium_path
from tests.support import Live

pytestmark = pytest.mark.browser


async def test_swagger_ui_and_redoc_render_every_operation(api_only: Live) -> None:
    executable = chromium_path()
    foreign: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()

            # ReDoc's bundle asks for its logo on a CDN; our Content-Security-Policy blocks it, so
            # nothing may ever come back from anywhere but this server.
            def on_response(response: Any) -> None:
                if not response.url.startswith((api_only.base_url, "data:", "blob:")):
                    foreign.append(response.url)

            page.on("response", on_response)
            # Every operation the document has (14 with issue 26's revisions), not a number kept by hand.
            async with httpx.AsyncClient(base_url=api_only.base_url) as client:
                document = (await client.get("/openapi.json")).json()
            operations = sum(1 for path in document["paths"].values() for method in path
                             if method in ("get", "post", "put", "patch", "delete"))
            assert operations >= 14
            await page.goto(f"{api_only.base_url}/docs")
            await page.wait_for_selector(".opblock", timeout=20_000)
            assert await page.locator(".opblock").count() == operations
            assert await page.locator("text=OAS 3.1").count() == 1
            await page.goto(f"{api_only.base_url}/redoc")
            await page.wait_for_selector("h2:has-text(\"Start generating a program\")", timeout=20_000)
            assert await page.locator("text=Unable to render").count() == 0
        finally:
            await browser.close()
    assert foreign == [], foreign
