"""The OpenAI engine: a plan and its blocks (or one call) over the Responses or Chat Completions API."""
