"""The schema as the SQLite storage kept it before migrations: every table, created if missing.

A database made by an earlier version has some of the tables, maybe without the columns added
later (``post_log.ref``, ``unanswered.organization``): they are added; nothing is dropped.

Revision ID: 0001
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None

ZERO = sa.text("0")


def _text(name: str, **kw: Any) -> sa.Column[Any]:
    return sa.Column(name, sa.Text, **kw)


def tables() -> dict[str, list[sa.Column[Any]]]:
    key = {"primary_key": True}
    return {
        "subscriptions": [
            _text("platform", **key), _text("channel", **key),
            _text("organization", nullable=False), _text("created_at", nullable=False),
        ],
        "conversation_refs": [
            _text("key", **key), _text("kind", nullable=False),
            _text("reference", nullable=False), _text("updated_at", nullable=False),
        ],
        "med_chairs": [
            _text("platform", **key), _text("user_key", **key), _text("organization", **key),
            _text("committee", nullable=False),
        ],
        "post_log": [
            _text("job", **key), _text("period", **key), _text("target", **key),
            _text("status", nullable=False),
            sa.Column("attempts", sa.Integer, nullable=False, server_default=ZERO),
            _text("error"), _text("updated_at", nullable=False), _text("ref"),
        ],
        "feedback": [
            _text("entry_id", **key), _text("day", **key),
            sa.Column("up", sa.Integer, nullable=False, server_default=ZERO),
            sa.Column("down", sa.Integer, nullable=False, server_default=ZERO),
        ],
        "answer_counts": [
            _text("day", **key),
            sa.Column("answered", sa.Integer, nullable=False, server_default=ZERO),
            sa.Column("declined", sa.Integer, nullable=False, server_default=ZERO),
        ],
        "organization_counts": [
            _text("day", **key), _text("organization", **key),
            sa.Column("answered", sa.Integer, nullable=False, server_default=ZERO),
            sa.Column("declined", sa.Integer, nullable=False, server_default=ZERO),
        ],
        "unanswered": [
            sa.Column("id", sa.Integer, primary_key=True), _text("day", nullable=False),
            _text("text", nullable=False), _text("organization", nullable=False, server_default=""),
        ],
        "audit": [
            sa.Column("id", sa.Integer, primary_key=True), _text("at", nullable=False),
            _text("admin", nullable=False), _text("action", nullable=False),
            _text("outcome", nullable=False), _text("detail", nullable=False, server_default=""),
        ],
        "slack_events": [_text("event_id", **key), sa.Column("seen_at", sa.Float, nullable=False)],
    }  # fmt: skip


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    existing = set(inspector.get_table_names())
    for name, columns in tables().items():
        if name not in existing:
            op.create_table(name, *columns)
            continue
        have = {c["name"] for c in inspector.get_columns(name)}
        for column in columns:
            if column.name not in have:  # added to the table after it was first created
                op.add_column(name, column)


def downgrade() -> None:
    for name in reversed(tables()):
        op.drop_table(name)
