"""`python -m agent console|dev|start|connect|download-files` through the LiveKit CLI, and
`python -m agent chat`: the coach by text, with no audio device and no LiveKit server."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import warnings
from dataclasses import replace
from typing import Any

from agent.config import AgentConfig

INSTALL_HINT = "pip install -e '.[agent]'  (in the checkout, into the same environment)"
CHAT_HELP = "Talk with the coach by text: no audio device, no LiveKit server. Type 'quit' (or Ctrl-D) to leave."
# LiveKit's CLI leaves `start` and `connect` undescribed and calls its own commands deprecated;
# docs/voice-agent.md tells people to use them, so the help says what each does here.
DESCRIPTIONS = {
    "console": "Talk with the coach through your microphone and speakers (no LiveKit server).",
    "start": "Run the coach for production: register with the LiveKit server and join the rooms it dispatches.",
    "dev": "Run the coach for development: like start, with debug logs and a reload when the code changes.",
    "connect": "Join one room (--room) on the LiveKit server now, e.g. to try a deployment.",
    "download-files": "Download the plugins' model files ahead of time.",
}


def missing_extra() -> str | None:
    """What of the `agent` extra is not installed, or None (the agent needs it for every command)."""
    try:
        import livekit.agents
        import livekit.plugins.openai  # noqa: F401
    except ImportError as exc:
        return exc.name or str(exc)
    return None


def chat_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m agent chat", description=CHAT_HELP)
    parser.add_argument("--user-id", help="an existing Nowva user id (default: create a user)")
    parser.add_argument("--model", help="the LLM model (default: NOWVA_AGENT_MODEL or gpt-4.1-mini)")
    parser.add_argument("--verbose", action="store_true", help="show the framework's logs too")
    args = parser.parse_args(argv)
    config = AgentConfig.from_env()
    if args.model:
        config = replace(config, llm_model=args.model)
    if not config.api_key:
        print("agent: no API key for the Nowva API: set NOWVA_API_KEY, or start `nowva serve` once "
              "(it saves a key under NOWVA_DATA_DIR, default ./.nowva)", file=sys.stderr)
        return 2
    if not (config.openai_api_key or config.openai_base_url):
        print("agent: the coach needs an LLM: set OPENAI_API_KEY (or OPENAI_BASE_URL for an "
              "OpenAI-compatible server)", file=sys.stderr)
        return 2
    # The chat shows the conversation and reports problems in one line each; the framework's
    # logs (tracebacks of retried LLM calls, a tool's reported problem) only with --verbose.
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.verbose:
        logging.getLogger("livekit").setLevel(logging.CRITICAL)

    from agent.backend import NowvaBackend
    from agent.chat import run_chat, stdin_lines
    from agent.voice import make_llm

    async def talk() -> None:
        async with NowvaBackend.from_config(config) as backend:
            await run_chat(make_llm(config), backend, stdin_lines(), user_id=args.user_id)

    print(f"Nowva coach (text) · API {config.api_url} · model {config.llm_model} · 'quit' to leave")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(talk())
    return 0


LIVEKIT_SETTINGS = (("LIVEKIT_URL", "--url", "livekit_url"), ("LIVEKIT_API_KEY", "--api-key", "livekit_api_key"),
                    ("LIVEKIT_API_SECRET", "--api-secret", "livekit_api_secret"))


def preflight(argv: list[str], config: AgentConfig) -> list[str]:
    """What a LiveKit command lacks, found before the worker starts: without it the worker
    logs a traceback and then waits to drain forever."""
    command = next((a for a in argv if not a.startswith("-")), None)
    problems: list[str] = []
    if "--help" in argv:
        return problems
    if command in ("dev", "start", "connect"):
        for env, option, attr in LIVEKIT_SETTINGS:
            if not getattr(config, attr) and not any(a == option or a.startswith(option + "=") for a in argv):
                problems.append(f"{env} is not set (or pass {option})")
    if command in ("console", "dev", "start", "connect") and not config.openai_api_key:
        problems.append("OPENAI_API_KEY is not set (the coach's speech-to-text, LLM and voice need it)")
    if command in ("console", "dev", "start", "connect") and not config.api_key:
        problems.append("no key for the Nowva API: set NOWVA_API_KEY, or start `nowva serve` once")
    return problems


def livekit_main() -> int:
    problems = preflight(sys.argv[1:], AgentConfig.from_env())
    if problems:
        for problem in problems:
            print(f"agent: {problem}", file=sys.stderr)
        return 2

    from livekit.agents import cli

    from agent.voice import server

    # The rich CLI (console with audio, dev, start) warns that it is deprecated in favour of
    # the separate `lk` tool; it is still the one-command way to run without installing it.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="the built-in Python CLI is deprecated",
                                category=DeprecationWarning)
        app = described_cli(server)
        if app is None:
            cli.run_app(server)
        else:
            app()
    return 0


def described_cli(server: Any) -> Any:
    """LiveKit's own command line (what `cli.run_app` runs), with every command described and
    `chat` listed beside them; None if this LiveKit version builds it differently."""
    try:
        import typer
        from livekit.agents.cli._legacy import _build_cli
    except ImportError:
        return None
    app = _build_cli(server)
    for info in app.registered_commands:
        name = info.name or (info.callback.__name__.replace("_", "-") if info.callback else "")
        if name in DESCRIPTIONS:
            info.help = DESCRIPTIONS[name]

    # main() runs `chat` before LiveKit's CLI is built; this entry lists it in the help.
    def chat(ctx: typer.Context) -> None:
        raise typer.Exit(chat_main(list(ctx.args)))

    chat.__annotations__ = {"ctx": typer.Context, "return": None}  # typer reads them; not as strings
    app.command(help=CHAT_HELP, context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(chat)
    return app


def main() -> int:
    missing = missing_extra()
    if missing:
        print(f"agent: the voice agent needs the optional `agent` extra ({missing} is not installed).\n"
              f"Install it with:  {INSTALL_HINT}", file=sys.stderr)
        return 2
    if sys.argv[1:2] == ["chat"]:
        return chat_main(sys.argv[2:])
    return livekit_main()


if __name__ == "__main__":
    sys.exit(main())
