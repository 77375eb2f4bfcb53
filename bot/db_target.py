"""Which back end ``GRUNDLAGBOT_DB`` names, decided without importing the database libraries."""

from __future__ import annotations

from pathlib import Path

POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+asyncpg://")


def is_postgres(target: str | Path) -> bool:
    """A ``postgresql://`` URL (PostgreSQL, shared by replicas); anything else is a SQLite path."""
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)
