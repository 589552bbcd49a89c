"""Tests that need no database: the coaching domain, the event contract, pure helpers (seconds)."""
