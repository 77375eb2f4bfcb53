"""The database's tables, as SQLAlchemy Core sees them: one description for SQLite and PostgreSQL.

The migrations in ``bot/migrations/versions`` create and change them; this module is what the
queries in :mod:`bot.storage` are written against. Times are ISO 8601 text in UTC (as SQLite kept
them from the start), so that both back ends order and compare them alike.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, MetaData, Table, Text

metadata = MetaData()

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("platform", Text, primary_key=True),
    Column("channel", Text, primary_key=True),
    Column("organization", Text, nullable=False),
    Column("created_at", Text, nullable=False),
)
conversation_refs = Table(
    "conversation_refs",
    metadata,
    Column("key", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("reference", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
)
med_chairs = Table(
    "med_chairs",
    metadata,
    Column("platform", Text, primary_key=True),
    Column("user_key", Text, primary_key=True),
    Column("organization", Text, primary_key=True),
    Column("committee", Text, nullable=False),
)
post_log = Table(
    "post_log",
    metadata,
    Column("job", Text, primary_key=True),
    Column("period", Text, primary_key=True),
    Column("target", Text, primary_key=True),
    Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    Column("updated_at", Text, nullable=False),
    Column("ref", Text),
)
feedback = Table(
    "feedback",
    metadata,
    Column("entry_id", Text, primary_key=True),
    Column("day", Text, primary_key=True),
    Column("up", Integer, nullable=False, server_default="0"),
    Column("down", Integer, nullable=False, server_default="0"),
)
answer_counts = Table(
    "answer_counts",
    metadata,
    Column("day", Text, primary_key=True),
    Column("answered", Integer, nullable=False, server_default="0"),
    Column("declined", Integer, nullable=False, server_default="0"),
)
organization_counts = Table(
    "organization_counts",
    metadata,
    Column("day", Text, primary_key=True),
    Column("organization", Text, primary_key=True),
    Column("answered", Integer, nullable=False, server_default="0"),
    Column("declined", Integer, nullable=False, server_default="0"),
)
unanswered = Table(
    "unanswered",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("day", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("organization", Text, nullable=False, server_default=""),
)
audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Text, nullable=False),
    Column("admin", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("detail", Text, nullable=False, server_default=""),
)
slack_events = Table(
    "slack_events",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("seen_at", Float, nullable=False),
)
# The knowledge version the replicas should serve: one row, written at start and by a reload.
knowledge_state = Table(
    "knowledge_state",
    metadata,
    Column("name", Text, primary_key=True),
    Column("version", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
)
