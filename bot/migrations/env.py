"""Alembic's environment: migrations run on the connection :func:`bot.migrate.upgrade` hands in.

There is no ``alembic.ini``: the storage runs the migrations itself, at start and for
``grundlagbot db upgrade``, on whichever database ``GRUNDLAGBOT_DB`` names.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from bot.schema import metadata

MIGRATION_LOCK = 0x6772756E  # a PostgreSQL advisory lock: replicas starting together migrate one at a time

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    context.run_migrations()
