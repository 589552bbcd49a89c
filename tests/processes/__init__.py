"""Tests with real processes: workers and signals, the CLI, browsers, containers, the soak."""
