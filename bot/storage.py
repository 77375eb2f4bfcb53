"""Persistent state in one SQLite file (``GRUNDLAGBOT_DB``).

What is kept, and what is never kept:

* subscriptions, Teams conversation references and MED chairs: needed to post proactively;
* the exactly-once record of scheduled posts, keyed by (job, period, target);
* feedback votes per knowledge entry and daily answer counts, with no user or channel;
* texts of questions the bot could not answer, with no user or channel id, deleted after the
  retention period (a daily job calls :meth:`Storage.purge_questions`);
* the admin audit log (admin id, time, action, outcome): it never holds question text.

SQLite calls are short and local; they run on the event loop's thread on purpose (one
connection, serialised by a lock) rather than through a thread pool.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from handlers.services import PostRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS subscriptions (
    platform TEXT NOT NULL, channel TEXT NOT NULL, organization TEXT NOT NULL,
    created_at TEXT NOT NULL, PRIMARY KEY (platform, channel));
CREATE TABLE IF NOT EXISTS conversation_refs (
    key TEXT PRIMARY KEY, kind TEXT NOT NULL, reference TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS med_chairs (
    platform TEXT NOT NULL, user_key TEXT NOT NULL, organization TEXT NOT NULL, committee TEXT NOT NULL,
    PRIMARY KEY (platform, user_key, organization));
CREATE TABLE IF NOT EXISTS post_log (
    job TEXT NOT NULL, period TEXT NOT NULL, target TEXT NOT NULL, status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, error TEXT, updated_at TEXT NOT NULL,
    PRIMARY KEY (job, period, target));
CREATE TABLE IF NOT EXISTS feedback (
    entry_id TEXT NOT NULL, day TEXT NOT NULL, up INTEGER NOT NULL DEFAULT 0, down INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (entry_id, day));
CREATE TABLE IF NOT EXISTS answer_counts (
    day TEXT PRIMARY KEY, answered INTEGER NOT NULL DEFAULT 0, declined INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS unanswered (
    id INTEGER PRIMARY KEY, day TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, admin TEXT NOT NULL, action TEXT NOT NULL,
    outcome TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');
"""

MAX_STORED_QUESTION = 500  # characters of an unanswered question kept for HR's statistics


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _age(stamp: str) -> float:
    """Seconds since a ``_now()`` timestamp."""
    return (datetime.now(UTC) - datetime.fromisoformat(stamp)).total_seconds()


class Storage:
    """The bot's SQLite database. Safe to share between the event loop and worker threads."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across crashes of the process
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _all(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._db.execute(sql, args).fetchall())

    # -- subscriptions (weekly theme) ------------------------------------------------------------
    def subscribe(self, platform: str, channel: str, organization: str) -> bool:
        """Subscribe a channel; False when it already was (to the same organisation)."""
        with self._tx() as db:
            row = db.execute(
                "SELECT organization FROM subscriptions WHERE platform=? AND channel=?", (platform, channel)
            ).fetchone()
            db.execute(
                "INSERT OR REPLACE INTO subscriptions VALUES (?, ?, ?, ?)",
                (platform, channel, organization, _now()),
            )
        return row is None or row[0] != organization

    def unsubscribe(self, platform: str, channel: str) -> bool:
        with self._tx() as db:
            cur = db.execute("DELETE FROM subscriptions WHERE platform=? AND channel=?", (platform, channel))
        return cur.rowcount > 0

    def subscriptions(self, organization: str | None = None) -> list[tuple[str, str, str]]:
        """(platform, channel, organization) in subscription order."""
        rows = self._all(
            "SELECT platform, channel, organization FROM subscriptions ORDER BY created_at, channel"
        )
        return [(p, c, o) for p, c, o in rows if organization is None or o == organization]

    # -- Teams conversation references -----------------------------------------------------------
    def save_reference(self, key: str, kind: str, reference: dict[str, Any]) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO conversation_refs VALUES (?, ?, ?, ?)",
                (key, kind, json.dumps(reference, ensure_ascii=False), _now()),
            )

    def reference(self, key: str) -> dict[str, Any] | None:
        rows = self._all("SELECT reference FROM conversation_refs WHERE key=?", key)
        return json.loads(rows[0][0]) if rows else None

    def references(self, kind: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        rows = self._all("SELECT key, kind, reference FROM conversation_refs ORDER BY key")
        return [(k, json.loads(r)) for k, kd, r in rows if kind is None or kd == kind]

    def delete_reference(self, key: str) -> bool:
        """Forget a conversation (the bot was removed from it); False if none was stored."""
        with self._tx() as db:
            cur = db.execute("DELETE FROM conversation_refs WHERE key=?", (key,))
        return cur.rowcount > 0

    # -- MED chairs registered from chat ---------------------------------------------------------
    def add_chair(self, platform: str, user_key: str, organization: str, committee: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO med_chairs VALUES (?, ?, ?, ?)",
                (platform, user_key, organization, committee),
            )

    def remove_chair(self, platform: str, user_key: str) -> bool:
        with self._tx() as db:
            cur = db.execute("DELETE FROM med_chairs WHERE platform=? AND user_key=?", (platform, user_key))
        return cur.rowcount > 0

    def chairs(self, organization: str | None = None) -> list[tuple[str, str, str, str]]:
        rows = self._all(
            "SELECT platform, user_key, organization, committee FROM med_chairs ORDER BY user_key"
        )
        return [(p, u, o, c) for p, u, o, c in rows if organization is None or o == organization]

    # -- exactly-once record of scheduled posts ----------------------------------------------------
    def claim_post(self, job: str, period: str, target: str, *, pending_for: float | None = None) -> bool:
        """Claim (job, period, target) for posting; False if it was already posted.

        With ``pending_for`` (seconds), an unfinished claim younger than that is respected too: it
        belongs to a post under way in another process (or job), which must not be doubled.
        """
        with self._tx() as db:
            row = db.execute(
                "SELECT status, updated_at FROM post_log WHERE job=? AND period=? AND target=?",
                (job, period, target),
            ).fetchone()
            if row and row[0] == "posted":
                return False
            if row and row[0] == "pending" and pending_for is not None and _age(row[1]) < pending_for:
                return False
            db.execute(
                "INSERT INTO post_log (job, period, target, status, attempts, updated_at) VALUES (?, ?, ?, 'pending', 0, ?)"
                " ON CONFLICT (job, period, target) DO UPDATE SET status='pending', updated_at=excluded.updated_at",
                (job, period, target, _now()),
            )
        return True

    def finish_post(
        self, job: str, period: str, target: str, *, ok: bool, attempts: int, error: str | None = None
    ) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE post_log SET status=?, attempts=attempts+?, error=?, updated_at=? WHERE job=? AND period=? AND target=?",
                ("posted" if ok else "failed", attempts, error, _now(), job, period, target),
            )

    def post_status(self, job: str, period: str, target: str) -> str | None:
        """ "posted", "failed", "pending", or None when (job, period, target) was never claimed."""
        sql = "SELECT status FROM post_log WHERE job=? AND period=? AND target=?"
        rows = self._all(sql, job, period, target)
        return str(rows[0][0]) if rows else None

    def post_records(self, status: str | None = None, limit: int = 50) -> list[PostRecord]:
        rows = self._all(
            "SELECT job, period, target, status, attempts, error, updated_at FROM post_log"
            " WHERE (? IS NULL OR status=?) ORDER BY updated_at DESC LIMIT ?",
            status,
            status,
            limit,
        )
        return [PostRecord(*r) for r in rows]

    # -- anonymous statistics ---------------------------------------------------------------------
    def record_answer(self, answered: bool, question: str | None = None, day: date | None = None) -> None:
        """Count an answer; keep the text of an unanswered question, with no identity at all."""
        d = (day or datetime.now(UTC).date()).isoformat()
        column = "answered" if answered else "declined"
        with self._tx() as db:
            db.execute(
                f"INSERT INTO answer_counts (day, {column}) VALUES (?, 1)"
                f" ON CONFLICT (day) DO UPDATE SET {column}={column}+1",
                (d,),
            )
            if not answered and question and question.strip():
                db.execute(
                    "INSERT INTO unanswered (day, text) VALUES (?, ?)",
                    (d, question.strip()[:MAX_STORED_QUESTION]),
                )

    def answer_counts(self, since: date | None = None) -> tuple[int, int]:
        rows = self._all(
            "SELECT COALESCE(SUM(answered), 0), COALESCE(SUM(declined), 0) FROM answer_counts WHERE day >= ?",
            (since or date.min).isoformat(),
        )
        return int(rows[0][0]), int(rows[0][1])

    def unanswered(self, since: date | None = None) -> list[str]:
        rows = self._all(
            "SELECT text FROM unanswered WHERE day >= ? ORDER BY id", (since or date.min).isoformat()
        )
        return [r[0] for r in rows]

    def purge_questions(self, older_than_days: int, today: date | None = None) -> int:
        """Delete the texts of unanswered questions asked more than ``older_than_days`` ago.

        The text is gone from the file too, not only from the table: secure_delete overwrites
        the freed space, and a checkpoint moves the overwritten pages out of the write-ahead log.
        """
        cutoff = ((today or datetime.now(UTC).date()) - timedelta(days=older_than_days)).isoformat()
        with self._lock:
            self._db.execute("PRAGMA secure_delete=ON")
        with self._tx() as db:
            cur = db.execute("DELETE FROM unanswered WHERE day < ?", (cutoff,))
        with self._lock:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return cur.rowcount

    def record_feedback(self, entry_id: str, up: bool, day: date | None = None) -> None:
        d = (day or datetime.now(UTC).date()).isoformat()
        column = "up" if up else "down"
        with self._tx() as db:
            db.execute(
                f"INSERT INTO feedback (entry_id, day, {column}) VALUES (?, ?, 1)"
                f" ON CONFLICT (entry_id, day) DO UPDATE SET {column}={column}+1",
                (entry_id, d),
            )

    def feedback(self) -> dict[str, tuple[int, int]]:
        rows = self._all(
            "SELECT entry_id, SUM(up), SUM(down) FROM feedback GROUP BY entry_id ORDER BY entry_id"
        )
        return {e: (int(u), int(d)) for e, u, d in rows}

    # -- admin audit log --------------------------------------------------------------------------
    def audit(self, admin: str, action: str, outcome: str, detail: str = "") -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO audit (at, admin, action, outcome, detail) VALUES (?, ?, ?, ?, ?)",
                (_now(), admin, action, outcome, detail),
            )

    def last_audit(self, action: str, outcomes: tuple[str, ...]) -> tuple[str, str, str, str, str] | None:
        """The newest (at, admin, action, outcome, detail) of ``action`` with one of ``outcomes``."""
        marks = ", ".join("?" * len(outcomes))
        rows = self._all(
            f"SELECT at, admin, action, outcome, detail FROM audit WHERE action=? AND outcome IN ({marks})"
            " ORDER BY id DESC LIMIT 1",
            action, *outcomes,
        )  # fmt: skip
        return (rows[0][0], rows[0][1], rows[0][2], rows[0][3], rows[0][4]) if rows else None

    def audit_log(self, limit: int = 20) -> list[tuple[str, str, str, str, str]]:
        rows = self._all(
            "SELECT at, admin, action, outcome, detail FROM audit ORDER BY id DESC LIMIT ?", limit
        )
        return [tuple(r) for r in rows]
