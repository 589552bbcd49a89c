"""`python -m agent chat`: the coach by text, for a terminal with no audio and no LiveKit server.

Every assistant message is printed when it is added to the conversation, so the replies
the coach makes on its own (progress, the finished program) appear between your turns.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

from livekit.agents import (
    AgentSession,
    CloseEvent,
    ConversationItemAddedEvent,
    ErrorEvent,
    ToolCallUpdated,
    ToolExecutionUpdatedEvent,
)
from livekit.agents import llm as lk_llm

from agent.backend import NowvaBackend
from agent.coach import GREETING, Coach, CoachState

QUIT = {"quit", "exit", "/quit", "/exit", "bye"}

class Transcript:
    """Prints what the person would hear, the silent progress the model is told, and problems
    as one line each (the framework's logs, with tracebacks, are off in the chat)."""

    def __init__(self, write: Callable[[str], None], show_silent: bool = True) -> None:
        self._write = write
        self._show_silent = show_silent
        self.closed = asyncio.Event()

    def attach(self, session: AgentSession[CoachState]) -> None:
        session.on("conversation_item_added", self._on_item)
        session.on("tool_execution_updated", self._on_tool)
        session.on("error", self._on_error)
        session.on("close", self._on_close)

    def _on_item(self, event: ConversationItemAddedEvent) -> None:
        item = event.item
        if isinstance(item, lk_llm.ChatMessage) and item.role == "assistant" and item.text_content:
            self._write(f"coach: {item.text_content}")

    def _on_tool(self, event: ToolExecutionUpdatedEvent) -> None:
        update = event.update
        if self._show_silent and isinstance(update, ToolCallUpdated) and update.silent:
            self._write(f"  ({update.message})")

    def _on_error(self, event: ErrorEvent) -> None:
        error = getattr(event.error, "error", event.error)
        if not getattr(event.error, "recoverable", False):
            self._write(f"  (problem: {error})")

    def _on_close(self, event: CloseEvent) -> None:
        self.closed.set()
        if event.error is not None:
            self._write("  (the session ended after repeated errors; check OPENAI_API_KEY / OPENAI_BASE_URL)")


async def stdin_lines(prompt: str = "you: ") -> AsyncIterator[str]:
    """Lines typed by the person.

    A daemon thread reads with os.read: a blocked read never delays Ctrl-C or exit, and
    holds no lock of sys.stdin that interpreter shutdown would wait for (an abort).
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    fd, tty = sys.stdin.fileno(), sys.stdin.isatty()

    def read() -> None:
        pending = b""
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                if pending:
                    loop.call_soon_threadsafe(queue.put_nowait, pending.decode(errors="replace"))
                loop.call_soon_threadsafe(queue.put_nowait, None)
                return
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                loop.call_soon_threadsafe(queue.put_nowait, line.decode(errors="replace"))

    threading.Thread(target=read, name="chat-stdin", daemon=True).start()
    while True:
        if tty and queue.empty():
            print(prompt, end="", flush=True)
        line = await queue.get()
        if line is None:
            return
        yield line


async def run_chat(
    llm: lk_llm.LLM[Any],
    backend: NowvaBackend,
    lines: AsyncIterator[str],
    write: Callable[[str], None] = print,
    *,
    user_id: str | None = None,
    greet: bool = True,
) -> CoachState:
    """Talk until the input ends or the person says quit; returns what the session established."""
    state = CoachState(user_id=user_id)
    session = AgentSession[CoachState](llm=llm, userdata=state)
    transcript = Transcript(write)
    transcript.attach(session)
    await session.start(Coach(backend))
    try:
        if greet:
            await session.generate_reply(instructions=GREETING)
        async for line in lines:
            text = line.strip()
            if text.lower() in QUIT or transcript.closed.is_set():
                break
            if text:
                try:
                    await session.run(user_input=text)
                except Exception as exc:  # e.g. an unreachable LLM: already reported in one line
                    write(f"  (no reply: {exc})")
    finally:
        await session.aclose()
    return state
