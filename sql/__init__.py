"""Plain SQL: numbered migrations and the named queries, shipped as package data."""

from pathlib import Path

SQL_DIR = Path(__file__).parent
MIGRATIONS_DIR = SQL_DIR / "migrations"
