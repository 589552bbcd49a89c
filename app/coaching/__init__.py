"""The coaching domain: pure code, no I/O. See docs/architecture.md."""
