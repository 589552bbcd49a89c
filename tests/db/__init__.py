"""Tests against a real PostgreSQL (the embedded one), with in-process servers and workers."""
