"""Persistent state in one SQLite file (``GRUNDLAGBOT_DB``).

What is kept, and what is never kept:

* subscriptions, Teams conversation references and MED chairs: needed to post proactively;
* the exactly-once record of scheduled posts, keyed by (job, period, target);
* feedback votes per knowledge entry and daily answer counts, with no user or channel;
* texts of questions the bot could not answer, with no user or channel id, deleted after the
  retention period (a daily job calls :meth:`Storage.purge_questions`);
* the admin audit log (admin id, time, action, outcome): it never holds question text.

No call blocks the event loop: every statement runs in a worker thread, writes on one
connection and thread (SQLite has one writer at a time anyway), reads on another, so in WAL mode a
read never waits behind a write another process holds. Waits for a lock are short
(:data:`BUSY_TIMEOUT`): a locked, full or broken database raises
:class:`~handlers.services.StoreError` (its message names no user and no text) instead of holding
anyone up, and the callers decide what it costs (statistics: nothing; a subscription: a "try
again" reply).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from handlers.services import Claim, PostRecord, StoreError

logger = logging.getLogger(__name__)
T = TypeVar("T")

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
CREATE TABLE IF NOT EXISTS organization_counts (
    day TEXT NOT NULL, organization TEXT NOT NULL, answered INTEGER NOT NULL DEFAULT 0,
    declined INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (day, organization));
CREATE TABLE IF NOT EXISTS unanswered (
    id INTEGER PRIMARY KEY, day TEXT NOT NULL, text TEXT NOT NULL, organization TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, admin TEXT NOT NULL, action TEXT NOT NULL,
    outcome TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS slack_events (
    event_id TEXT PRIMARY KEY, seen_at REAL NOT NULL);
"""

MAX_STORED_QUESTION = 500  # characters of an unanswered question kept for HR's statistics
BUSY_TIMEOUT = 2.0  # seconds a statement waits for another process's lock before it fails
EVENT_TTL = 60 * 60  # seconds a Slack event id is remembered; Slack retries within minutes
SWEEP_EVERY = 10 * 60  # seconds between sweeps of expired event ids


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _age(stamp: str) -> float:
    """Seconds since a ``_now()`` timestamp."""
    return (datetime.now(UTC) - datetime.fromisoformat(stamp)).total_seconds()


class Storage:
    """The bot's SQLite database; its methods are coroutines that never block the event loop.

    Opening checks the file at once: a path that cannot be a database (a directory, a read-only
    folder, a file that is not SQLite or is damaged) raises :class:`StoreError` naming it.
    """

    def __init__(self, path: Path | str, *, busy_timeout: float = BUSY_TIMEOUT) -> None:
        self.path = str(path)
        self._writer = self._open(busy_timeout)
        # ":memory:" is one database per connection: then reads share the writer's.
        self._reader = self._writer if self.path == ":memory:" else self._open(busy_timeout, schema=False)
        self._write_thread = ThreadPoolExecutor(1, thread_name_prefix="storage-write")
        self._read_thread = ThreadPoolExecutor(1, thread_name_prefix="storage-read")
        self._swept = 0.0

    def _open(self, busy_timeout: float, *, schema: bool = True) -> sqlite3.Connection:
        db: sqlite3.Connection | None = None
        if self.path != ":memory:":
            _check_path(Path(self.path))
        try:
            db = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=busy_timeout
            )
            if schema:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across crashes of the process
                db.executescript(SCHEMA)
                _migrate(db)
                if (found := db.execute("PRAGMA quick_check(1)").fetchone()[0]) != "ok":
                    raise sqlite3.DatabaseError(f"damaged ({found})")
            return db
        except (OSError, sqlite3.Error) as exc:
            if db is not None:
                db.close()
            raise StoreError(f"cannot use the database {self.path}: {_reason(exc)}") from exc

    def close(self) -> None:
        """Finish the statements under way, then close (call once, after the event loop's work)."""
        self._write_thread.shutdown(wait=True)
        self._read_thread.shutdown(wait=True)
        self._writer.close()
        if self._reader is not self._writer:
            self._reader.close()

    async def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in one transaction on the writer's thread."""

        def transaction() -> T:
            self._writer.execute("BEGIN IMMEDIATE")
            try:
                result = work(self._writer)
            except BaseException:
                if self._writer.in_transaction:  # SQLite ends it by itself on some errors (a full disk)
                    self._writer.execute("ROLLBACK")
                raise
            self._writer.execute("COMMIT")
            return result

        return await self._run(self._write_thread, transaction)

    async def _all(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        return await self._run(self._read_thread, lambda: list(self._reader.execute(sql, args).fetchall()))

    async def _run(self, thread: ThreadPoolExecutor, work: Callable[[], T]) -> T:
        try:
            return await asyncio.get_running_loop().run_in_executor(thread, work)
        except sqlite3.Error as exc:
            raise StoreError(_reason(exc)) from exc

    # -- subscriptions (weekly theme) ------------------------------------------------------------
    async def subscribe(self, platform: str, channel: str, organization: str) -> bool:
        """Subscribe a channel; False when it already was (to the same organisation)."""

        def work(db: sqlite3.Connection) -> bool:
            row = db.execute(
                "SELECT organization FROM subscriptions WHERE platform=? AND channel=?", (platform, channel)
            ).fetchone()
            db.execute(
                "INSERT OR REPLACE INTO subscriptions VALUES (?, ?, ?, ?)",
                (platform, channel, organization, _now()),
            )
            return row is None or row[0] != organization

        return await self._write(work)

    async def unsubscribe(self, platform: str, channel: str) -> bool:
        sql = "DELETE FROM subscriptions WHERE platform=? AND channel=?"
        return await self._write(lambda db: db.execute(sql, (platform, channel)).rowcount > 0)

    async def subscriptions(self, organization: str | None = None) -> list[tuple[str, str, str]]:
        """(platform, channel, organization) in subscription order."""
        rows = await self._all(
            "SELECT platform, channel, organization FROM subscriptions ORDER BY created_at, channel"
        )
        return [(p, c, o) for p, c, o in rows if organization is None or o == organization]

    # -- Teams conversation references -----------------------------------------------------------
    async def save_reference(self, key: str, kind: str, reference: dict[str, Any]) -> None:
        row = (key, kind, json.dumps(reference, ensure_ascii=False), _now())
        await self._write(
            lambda db: db.execute("INSERT OR REPLACE INTO conversation_refs VALUES (?, ?, ?, ?)", row)
        )

    async def reference(self, key: str) -> dict[str, Any] | None:
        rows = await self._all("SELECT reference FROM conversation_refs WHERE key=?", key)
        return json.loads(rows[0][0]) if rows else None

    async def references(self, kind: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        rows = await self._all("SELECT key, kind, reference FROM conversation_refs ORDER BY key")
        return [(k, json.loads(r)) for k, kd, r in rows if kind is None or kd == kind]

    async def delete_reference(self, key: str) -> bool:
        """Forget a conversation (the bot was removed from it); False if none was stored."""
        sql = "DELETE FROM conversation_refs WHERE key=?"
        return await self._write(lambda db: db.execute(sql, (key,)).rowcount > 0)

    # -- MED chairs registered from chat ---------------------------------------------------------
    async def add_chair(self, platform: str, user_key: str, organization: str, committee: str) -> None:
        row = (platform, user_key, organization, committee)
        await self._write(lambda db: db.execute("INSERT OR REPLACE INTO med_chairs VALUES (?, ?, ?, ?)", row))

    async def remove_chair(self, platform: str, user_key: str) -> bool:
        sql = "DELETE FROM med_chairs WHERE platform=? AND user_key=?"
        return await self._write(lambda db: db.execute(sql, (platform, user_key)).rowcount > 0)

    async def chairs(self, organization: str | None = None) -> list[tuple[str, str, str, str]]:
        rows = await self._all(
            "SELECT platform, user_key, organization, committee FROM med_chairs ORDER BY user_key"
        )
        return [(p, u, o, c) for p, u, o, c in rows if organization is None or o == organization]

    # -- exactly-once record of scheduled posts ----------------------------------------------------
    async def claim_post(
        self, job: str, period: str, target: str, *, pending_for: float | None = None
    ) -> Claim | None:
        """Claim (job, period, target) for posting; None if it was already posted.

        With ``pending_for`` (seconds), an unfinished claim younger than that is respected too: it
        belongs to a post under way in another process (or job), which must not be doubled. The
        :class:`Claim` says when an unfinished earlier claim was made, if this one takes it over.
        """
        key = (job, period, target)

        def work(db: sqlite3.Connection) -> Claim | None:
            row = db.execute(
                "SELECT status, updated_at FROM post_log WHERE job=? AND period=? AND target=?", key
            ).fetchone()
            if row and row[0] == "posted":
                return None
            if row and row[0] == "pending" and pending_for is not None and _age(row[1]) < pending_for:
                return None
            db.execute(
                "INSERT INTO post_log (job, period, target, status, attempts, updated_at) VALUES (?, ?, ?, 'pending', 0, ?)"
                " ON CONFLICT (job, period, target) DO UPDATE SET status='pending', updated_at=excluded.updated_at",
                (*key, _now()),
            )
            return Claim(datetime.fromisoformat(row[1]) if row and row[0] == "pending" else None)

        return await self._write(work)

    async def finish_post(
        self,
        job: str,
        period: str,
        target: str,
        *,
        ok: bool,
        attempts: int,
        error: str | None = None,
        ref: str | None = None,
    ) -> None:
        """Mark a claimed post posted (``ref``: the platform's id of the message) or failed."""
        row = ("posted" if ok else "failed", attempts, error, ref, _now(), job, period, target)
        await self._write(
            lambda db: db.execute(
                "UPDATE post_log SET status=?, attempts=attempts+?, error=?, ref=COALESCE(?, ref), updated_at=?"
                " WHERE job=? AND period=? AND target=?",
                row,
            )
        )

    async def post_status(self, job: str, period: str, target: str) -> str | None:
        """ "posted", "failed", "pending", or None when (job, period, target) was never claimed."""
        sql = "SELECT status FROM post_log WHERE job=? AND period=? AND target=?"
        rows = await self._all(sql, job, period, target)
        return str(rows[0][0]) if rows else None

    async def post_records(self, status: str | None = None, limit: int = 50) -> list[PostRecord]:
        rows = await self._all(
            "SELECT job, period, target, status, attempts, error, updated_at, ref FROM post_log"
            " WHERE (? IS NULL OR status=?) ORDER BY updated_at DESC LIMIT ?",
            status,
            status,
            limit,
        )
        return [PostRecord(*r) for r in rows]

    # -- Slack event ids, so that a retried delivery is answered once ----------------------------
    async def first_delivery(self, event_id: str) -> bool:
        """Record ``event_id``; False if it was recorded within :data:`EVENT_TTL` (a retry).

        The unique key makes this one statement safe between processes sharing the database.
        Expired ids are swept now and then, in the same transaction.
        """
        now = time.time()
        sweep = now - self._swept > SWEEP_EVERY

        def work(db: sqlite3.Connection) -> bool:
            if sweep:
                db.execute("DELETE FROM slack_events WHERE seen_at < ?", (now - EVENT_TTL,))
            db.execute(
                "DELETE FROM slack_events WHERE event_id=? AND seen_at < ?", (event_id, now - EVENT_TTL)
            )
            sql = "INSERT OR IGNORE INTO slack_events (event_id, seen_at) VALUES (?, ?)"
            return db.execute(sql, (event_id, now)).rowcount == 1

        first = await self._write(work)
        if sweep:
            self._swept = now
        return first

    # -- anonymous statistics ---------------------------------------------------------------------
    async def record_answer(
        self,
        answered: bool,
        question: str | None = None,
        day: date | None = None,
        organization: str | None = None,
    ) -> None:
        """Count an answer; keep the text of an unanswered question, with no identity at all (the
        asker's organisation, when known, is kept with the count and the text: never a user)."""
        d = (day or datetime.now(UTC).date()).isoformat()
        column = "answered" if answered else "declined"
        text = (
            question.strip()[:MAX_STORED_QUESTION] if not answered and question and question.strip() else None
        )

        def work(db: sqlite3.Connection) -> None:
            db.execute(
                f"INSERT INTO answer_counts (day, {column}) VALUES (?, 1)"
                f" ON CONFLICT (day) DO UPDATE SET {column}={column}+1",
                (d,),
            )
            if organization:
                db.execute(
                    f"INSERT INTO organization_counts (day, organization, {column}) VALUES (?, ?, 1)"
                    f" ON CONFLICT (day, organization) DO UPDATE SET {column}={column}+1",
                    (d, organization),
                )
            if text:
                db.execute(
                    "INSERT INTO unanswered (day, text, organization) VALUES (?, ?, ?)",
                    (d, text, organization or ""),
                )

        await self._write(work)

    async def answer_counts(
        self, since: date | None = None, organization: str | None = None
    ) -> tuple[int, int]:
        """Answered and declined questions: all, or those asked by ``organization``'s employees."""
        table, where, args = "answer_counts", "", [(since or date.min).isoformat()]
        if organization is not None:
            table, where = "organization_counts", " AND organization = ?"
            args.append(organization)
        rows = await self._all(
            f"SELECT COALESCE(SUM(answered), 0), COALESCE(SUM(declined), 0) FROM {table} WHERE day >= ?{where}",
            *args,
        )
        return int(rows[0][0]), int(rows[0][1])

    async def unanswered(self, since: date | None = None, organization: str | None = None) -> list[str]:
        """Unanswered question texts: all, or those asked by ``organization``'s employees ("": by
        employees of no known organisation)."""
        where, args = "", [(since or date.min).isoformat()]
        if organization is not None:
            where = " AND organization = ?"
            args.append(organization)
        rows = await self._all(f"SELECT text FROM unanswered WHERE day >= ?{where} ORDER BY id", *args)
        return [r[0] for r in rows]

    async def question_organizations(self) -> list[str]:
        """The organisations whose employees' questions have been counted, by name."""
        rows = await self._all("SELECT DISTINCT organization FROM organization_counts ORDER BY organization")
        return [r[0] for r in rows]

    async def purge_questions(self, older_than_days: int, today: date | None = None) -> int:
        """Delete the texts of unanswered questions asked more than ``older_than_days`` ago.

        The text is gone from the file too, not only from the table: secure_delete overwrites
        the freed space, and a checkpoint moves the overwritten pages out of the write-ahead log.
        """
        cutoff = ((today or datetime.now(UTC).date()) - timedelta(days=older_than_days)).isoformat()

        def purge() -> int:
            db = self._writer
            db.execute("PRAGMA secure_delete=ON")
            db.execute("BEGIN IMMEDIATE")
            try:
                removed = db.execute("DELETE FROM unanswered WHERE day < ?", (cutoff,)).rowcount
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return int(removed)

        return await self._run(self._write_thread, purge)

    async def record_feedback(self, entry_id: str, up: bool, day: date | None = None) -> None:
        d = (day or datetime.now(UTC).date()).isoformat()
        column = "up" if up else "down"
        await self._write(
            lambda db: db.execute(
                f"INSERT INTO feedback (entry_id, day, {column}) VALUES (?, ?, 1)"
                f" ON CONFLICT (entry_id, day) DO UPDATE SET {column}={column}+1",
                (entry_id, d),
            )
        )

    async def feedback(self) -> dict[str, tuple[int, int]]:
        rows = await self._all(
            "SELECT entry_id, SUM(up), SUM(down) FROM feedback GROUP BY entry_id ORDER BY entry_id"
        )
        return {e: (int(u), int(d)) for e, u, d in rows}

    # -- admin audit log --------------------------------------------------------------------------
    async def audit(self, admin: str, action: str, outcome: str, detail: str = "") -> None:
        row = (_now(), admin, action, outcome, detail)
        sql = "INSERT INTO audit (at, admin, action, outcome, detail) VALUES (?, ?, ?, ?, ?)"
        await self._write(lambda db: db.execute(sql, row))

    async def last_audit(
        self, action: str, outcomes: tuple[str, ...]
    ) -> tuple[str, str, str, str, str] | None:
        """The newest (at, admin, action, outcome, detail) of ``action`` with one of ``outcomes``."""
        marks = ", ".join("?" * len(outcomes))
        rows = await self._all(
            f"SELECT at, admin, action, outcome, detail FROM audit WHERE action=? AND outcome IN ({marks})"
            " ORDER BY id DESC LIMIT 1",
            action, *outcomes,
        )  # fmt: skip
        return (rows[0][0], rows[0][1], rows[0][2], rows[0][3], rows[0][4]) if rows else None

    async def audit_log(self, limit: int = 20) -> list[tuple[str, str, str, str, str]]:
        rows = await self._all(
            "SELECT at, admin, action, outcome, detail FROM audit ORDER BY id DESC LIMIT ?", limit
        )
        return [tuple(r) for r in rows]


def _migrate(db: sqlite3.Connection) -> None:
    """Columns added since a table was first created (``grundlagbot db upgrade`` will own this)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(post_log)")}
    if "ref" not in columns:
        db.execute("ALTER TABLE post_log ADD COLUMN ref TEXT")
    columns = {row[1] for row in db.execute("PRAGMA table_info(unanswered)")}
    if "organization" not in columns:
        db.execute("ALTER TABLE unanswered ADD COLUMN organization TEXT NOT NULL DEFAULT ''")


def _check_path(path: Path) -> None:
    """The mistakes SQLite reports only as "unable to open database file", named plainly."""
    if path.is_dir():
        raise StoreError(f"cannot use the database {path}: it is a directory, not a database file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot use the database {path}: cannot create its folder ({_reason(exc)})"
        ) from exc
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise StoreError(f"cannot use the database {path}: the file or its folder is read-only")


def _reason(exc: BaseException) -> str:
    """What went wrong, in the words of SQLite or the operating system; never a statement's data."""
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    if str(exc) == "unable to open database file":
        return "cannot open or create the file (is its folder writable?)"
    return str(exc) or type(exc).__name__
