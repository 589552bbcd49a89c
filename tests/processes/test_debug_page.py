"""The debug page in a real browser: Debian's headless Chromium driven by Playwright.

One walk through the page as a person would use it: a wrong key, the right key, a new user,
a rejected form, a generation followed live to its program, then (with no worker running) a
pending job that conflicts with a second submit and is cancelled from the page.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from app.logs import ContextFilter
from app.settings import Settings
from tests.support import ROOT, api_server, worker_task

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("NOWVA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# If the page ever injected API data as HTML, one of these would run.
EVIL_GOAL = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 1"> get strong'
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
REQUEST = {"height_cm": 180.0, "weight_kg": 80.0, "goal_category": "strength", "goal_raw": "get strong",
           "duration_weeks": 2, "days_per_week": 2, "fitness_level": "beginner"}

# Records every aria-valuenow a job row's progress bar takes, per job, as the firehose moves it.
WATCH_PROGRESS = """() => {
  window.__progress = {};
  new MutationObserver((records) => {
    for (const m of records) {
      const tr = m.target.closest('tr[data-job-id]');
      if (!tr) continue;
      (window.__progress[tr.dataset.jobId] ||= []).push(Number(m.target.getAttribute('aria-valuenow')));
    }
  }).observe(document.body, {subtree: true, attributes: true, attributeFilter: ['aria-valuenow']});
}"""


def chromium_path() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("NOWVA_SKIP_BROWSER") == "1":
        pytest.skip("Chromium is not installed and NOWVA_SKIP_BROWSER=1")
    pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's `chromium` package (or set "
                "NOWVA_CHROMIUM to its path). Set NOWVA_SKIP_BROWSER=1 to skip the browser test knowingly.")


async def test_debug_page_follows_a_generation_and_cancels_a_pending_job(
    settings: Settings, db_url: str, service_key: str
) -> None:
    executable = chromium_path()
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=15_000)
    # Every weekly report becomes an event (no coalescing), so the page surely shows some in between.
    s = settings.with_(builtin_week_delay_s=0.25, progress_interval_s=0.0)
    ARTIFACTS.mkdir(exist_ok=True)
    requests: list[str] = []
    page_errors: list[str] = []
    csp_violations: list[str] = []

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            csp_violations.append(message.text)

    async with api_server(s, db_url) as base, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1440, "height": 1000})
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            page.on("console", on_console)
            tid = page.get_by_test_id

            await page.goto(f"{base}/debug")
            await expect(tid("health")).to_contain_text("healthy")

            # A wrong key: the page says what to do about it.
            await tid("api-key").fill("nwv_00000000_not-a-real-key-at-all")
            await tid("key-save").click()
            await expect(tid("error")).to_contain_text("check the key")
            await expect(tid("key-status")).to_contain_text("401")
            await expect(tid("jobs-empty")).to_have_text(
                "The API refused this key (401): no jobs can be shown. Check the key above.")

            await tid("api-key").fill(service_key)
            await tid("key-save").click()
            await expect(tid("key-status")).to_contain_text("Connected")
            await expect(tid("error")).to_be_hidden()
            await expect(tid("live")).to_contain_text("live")
            await expect(tid("stat-pending")).to_have_text("0")
            assert await page.evaluate("localStorage.getItem('nowva.apiKey')") == service_key

            # Create a user; the page selects it.
            await tid("new-user-toggle").click()
            await tid("new-user-name").fill("Alex <b>Test</b>")
            await tid("new-user-height").fill("182")
            await tid("new-user-weight").fill("81")
            await tid("new-user-level").select_option("advanced")
            await tid("create-user").click()
            await expect(tid("user-current")).to_contain_text("Alex <b>Test</b> · 182 cm · 81 kg · advanced")
            user_id = await tid("user-select").input_value()
            assert UUID_RE.match(user_id), user_id
            assert await tid("gen-level").input_value() == "advanced"  # prefilled from the profile

            # A 422 names the field.
            await tid("gen-weeks").fill("0")
            await tid("gen-submit").click()
            await expect(tid("gen-error")).to_contain_text("duration_weeks: Input should be greater than or equal to 1")
            await expect(tid("gen-weeks")).to_have_class(re.compile(r"\binvalid\b"))

            await page.evaluate(WATCH_PROGRESS)
            async with worker_task(s, db_url):
                await tid("gen-weeks").fill("6")
                await tid("gen-days").fill("3")
                await tid("gen-goal").select_option("strength")
                await tid("gen-goal-raw").fill(EVIL_GOAL)
                await tid("gen-submit").click()
                await expect(tid("gen-error")).to_be_empty()
                await expect(tid("detail-id")).to_have_text(UUID_RE)
                job_id = await tid("detail-id").text_content()
                assert job_id is not None
                # The "Accepted" note follows the job it started.
                running_note = re.compile(rf"^Accepted: job {job_id} \(in progress, \d+%\)\.$")
                await expect(tid("gen-ok")).to_have_text(running_note)
                row = page.locator(f'tr[data-job-id="{job_id}"]')

                # The table row, driven by the firehose, runs to 100%; the job's own stream shows the rest.
                await expect(row.get_by_test_id("job-progress")).to_have_attribute("aria-valuenow", "100")
                await expect(row.get_by_test_id("job-status")).to_have_text("Completed")
                await expect(tid("detail-status")).to_have_text("Completed")
                await expect(tid("detail-progress")).to_have_attribute("aria-valuenow", "100")
                await expect(tid("stat-completed")).to_have_text("1")
                await expect(tid("gen-ok")).to_have_text(f"Accepted: job {job_id} (completed).")

                seen: list[int] = (await page.evaluate("window.__progress"))[job_id]
                assert seen == sorted(seen), f"progress went backwards: {seen}"
                assert any(0 < p < 100 for p in seen), f"no intermediate progress shown: {seen}"
                assert seen[-1] == 100

                log_rows = tid("event-row")
                await expect(log_rows.last).to_have_attribute("data-type", "completed")
                types = await log_rows.evaluate_all("rows => rows.map(r => r.dataset.type)")
                seqs = await log_rows.evaluate_all("rows => rows.map(r => Number(r.dataset.seq))")
                assert types[0] == "status" and "progress" in types and "understood" in types, types
                assert seqs == list(range(1, len(seqs) + 1)), seqs
                # What was understood from the words (issue 24): nothing but the goal, so a full gym
                await expect(tid("understood")).to_be_visible()
                await expect(tid("understood-item")).to_have_text(["A full gym"])
                await expect(tid("understood-unplaced")).to_be_hidden()

                # The program, readable: 6 weeks of 3 days, each with exercises; week 4 is a deload.
                await expect(tid("program")).to_be_visible()
                await expect(tid("program-name")).not_to_be_empty()
                await expect(tid("program-summary")).not_to_be_empty()
                await expect(tid("program-week")).to_have_count(6)
                await expect(tid("program-day")).to_have_count(18)
                deloads = await tid("program-week").evaluate_all("ws => ws.map(w => w.dataset.deload)")
                assert deloads == ["false", "false", "false", "true", "false", "false"], deloads
                await expect(tid("program-week").nth(3).get_by_test_id("deload-badge")).to_have_text("Deload")
                await tid("expand-weeks").click()
                await expect(tid("program-day").nth(17)).to_be_visible()
                assert await tid("program-exercise").count() >= 18
                first = await tid("program-exercise").first.inner_text()
                assert re.search(r"\d+ × \S+", first), first
                assert re.search(r"rest", first), first
                await tid("expand-weeks").click()
                await expect(tid("program-day").first).to_be_hidden()
                await tid("program-week").first.locator("summary").click()  # week 1 open for the screenshot
                await expect(tid("program-day").first).to_be_visible()
                await page.screenshot(path=str(ARTIFACTS / "debug-page.png"), full_page=True)

            # API text is text, never markup.
            assert await page.evaluate("window.__pwned") is None
            assert await page.locator("#program script, #program img, #jobs-body img").count() == 0
            description = await tid("program-description").text_content() or ""
            if "get strong" in description:
                assert "<script>" in description, description

            # No worker now: the next job stays pending, a second submit conflicts, and the page cancels it.
            await tid("gen-weeks").fill("2")
            await tid("gen-goal-raw").fill("stay pending")
            await tid("gen-submit").click()
            await expect(tid("detail-id")).not_to_have_text(job_id)
            pending_id = await tid("detail-id").text_content()
            assert pending_id is not None and UUID_RE.match(pending_id)
            pending_row = page.locator(f'tr[data-job-id="{pending_id}"]')
            await expect(tid("detail-status")).to_have_text("Pending")
            await expect(tid("gen-ok")).to_have_text(f"Accepted: job {pending_id} (pending).")
            await expect(pending_row.get_by_test_id("job-status")).to_have_text("Pending")
            await expect(tid("event-row").first).to_have_attribute("data-type", "status")
            await expect(tid("stat-pending")).to_have_text("1")

            await tid("gen-submit").click()
            await expect(tid("gen-error")).to_contain_text(f"already running: job {pending_id}")

            await tid("cancel-button").click()
            await expect(tid("detail-status")).to_have_text("Cancelled")
            await expect(pending_row.get_by_test_id("job-status")).to_have_text("Cancelled")
            await expect(tid("cancel-button")).to_be_hidden()
            await expect(tid("event-row").last).to_have_attribute("data-type", "cancelled")
            await expect(tid("stat-cancelled")).to_have_text("1")
            await expect(tid("stat-pending")).to_have_text("0")
            await page.screenshot(path=str(ARTIFACTS / "debug-page-cancelled.png"), full_page=True)
        finally:
            await browser.close()

    assert page_errors == [], page_errors
    assert csp_violations == [], csp_violations
    foreign = [u for u in requests
               if urlsplit(u).scheme not in ("data", "about", "blob") and urlsplit(u).hostname not in LOCAL_HOSTS]
    assert foreign == [], f"the page reached outside this server: {foreign}"
    assert any("/api/events?token=" in u for u in requests)  # the firehose was used


# Six EventSources on one finished job, none of which ever calls close(): what a page that
# forgets to close its streams does. Each records the ids it saw and whether it errored.
OPEN_FORGETFUL_SOURCES = """(url) => {
  window.__sources = [];
  for (let i = 0; i < 6; i++) {
    const es = new EventSource(url);
    const seen = { es, ids: [], errors: 0 };
    for (const t of ["status", "progress", "understood", "completed", "failed", "cancelled"]) {
      es.addEventListener(t, (m) => seen.ids.push(Number(m.lastEventId)));
    }
    es.onerror = () => { seen.errors += 1; };
    window.__sources.push(seen);
  }
}"""


ALL_CLOSED = "() => window.__sources.every((s) => s.es.readyState === EventSource.CLOSED)"


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []
        self.addFilter(ContextFilter())  # request_id and job_id, as the service's own handler adds them

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_an_eventsource_left_open_on_a_finished_job_ends_closed(
    settings: Settings, db_url: str, service_key: str
) -> None:
    """The browser reconnects after the stream's end, gets a 204, and stops for good."""
    executable = chromium_path()
    from playwright.async_api import async_playwright

    s = settings.with_(sse_retry_ms=200)  # a reconnect, if one came, would come within 0.2 s
    access = logging.getLogger("nowva.access")
    lines = _Lines()
    access.addHandler(lines)
    level = access.level
    access.setLevel(logging.INFO)
    stream_path = "/api/programs/status/{job_id}/events"
    try:
        async with api_server(s, db_url) as base, async_playwright() as pw:
            async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {service_key}"},
                                         timeout=10) as c:
                user = (await c.post("/api/users", json={})).json()["id"]
                accepted = (await c.post("/api/programs/generate", json={"user_id": user, **REQUEST})).json()
                async with worker_task(s, db_url):
                    status = (await c.get(f"/api/programs/status/{accepted['job_id']}", params={"wait": 20})).json()
                    while status["status"] != "completed":
                        status = (await c.get(f"/api/programs/status/{accepted['job_id']}",
                                              params={"wait": 20, "after": status["seq"]})).json()
            last_seq = status["seq"]
            browser = await pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
            try:
                page = await browser.new_page()
                answers: list[int] = []
                requests: list[str] = []
                page.on("request", lambda r: requests.append(r.url) if "/events" in r.url else None)
                page.on("response", lambda r: answers.append(r.status) if "/events" in r.url else None)
                await page.goto(f"{base}/debug")  # the API's origin; the page holds no key
                events_url = urlsplit(accepted["events_url"])
                await page.evaluate(OPEN_FORGETFUL_SOURCES, f"{events_url.path}?{events_url.query}")
                await page.wait_for_function(ALL_CLOSED, timeout=15_000)
                sources = await page.evaluate("window.__sources.map((s) => ({ids: s.ids, errors: s.errors}))")
                # Each saw every event once; two errors: the stream's end (it reconnects), then the
                # reconnect's 204 (it stops).
                assert [src["ids"] for src in sources] == [list(range(1, last_seq + 1))] * 6, sources
                assert all(src["errors"] == 2 for src in sources), sources
                await page.wait_for_timeout(2_000)  # ten retry intervals: nothing more may come
                assert sorted(answers) == [200] * 6 + [204] * 6, answers
                assert len(requests) == 12, requests
                # The connections are free again: the page's other requests get through.
                assert await page.evaluate("fetch('/api/health').then((r) => r.status)") == 200
            finally:
                await browser.close()
    finally:
        access.removeHandler(lines)
        access.setLevel(level)
    # The server saw the same: six streams and six 204s, and nothing after them.
    served = [r for r in lines.records if getattr(r, "route", None) == stream_path]
    assert sorted(r.status for r in served) == [200] * 6 + [204] * 6
    assert {getattr(r, "job_id", None) for r in served} == {accepted["job_id"]}
    closed = [r for r in lines.records if getattr(r, "stream", None) == "job" and hasattr(r, "reason")]
    assert [(r.events_sent, r.reason) for r in closed] == [(last_seq, "job ended")] * 6
