"""Persistent state: a SQLite file by default, or PostgreSQL for replicas (``GRUNDLAGBOT_DB``).

What is kept, and what is never kept:

* subscriptions, Teams conversation references and MED chairs: needed to post proactively;
* the exactly-once record of scheduled posts, keyed by (job, period, target);
* feedback votes per knowledge entry and daily answer counts, with no user or channel;
* texts of questions the bot could not answer, with no user or channel id, deleted after the
  retention period (a daily job calls :meth:`Storage.purge_questions`);
* the admin audit log (admin id, time, action, outcome): it never holds question text;
* Slack event ids for an hour (to drop Slack's retries) and the knowledge version to serve.

One storage layer for both back ends, in SQLAlchemy Core (``bot/schema.py``), run by
``bot/database.py`` on a loop of its own, so no statement blocks the event loop. Opening a
database applies the packaged Alembic migrations (``bot/migrations``), as ``grundlagbot db
upgrade`` does. On SQLite, writes take the one writer connection with ``BEGIN IMMEDIATE`` and
reads another connection, so in WAL mode a read never waits behind a write another process holds;
waits for a lock are short (:data:`BUSY_TIMEOUT`). A locked, full, unreachable or broken database
raises :class:`~handlers.services.StoreError` (its message names no user and no text) instead of
holding anyone up, and the callers decide what it costs (statistics: nothing; a subscription: a
"try again" reply).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Select, and_, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.expression import Executable

from bot import schema as t
from bot.database import (
    FAILURES,
    EventLoopThread,
    in_transaction,
    one_statement,
    postgres_engines,
    postgres_url,
    reason,
    shown,
    sqlite_engines,
    upgrade,
)
from bot.db_target import is_postgres
from handlers.services import Claim, PostRecord, StoreError

logger = logging.getLogger(__name__)
T = TypeVar("T")

MAX_STORED_QUESTION = 500  # characters of an unanswered question kept for HR's statistics
BUSY_TIMEOUT = 2.0  # seconds a statement waits for another process's lock before it fails
EVENT_TTL = 60 * 60  # seconds a Slack event id is remembered; Slack retries within minutes
SWEEP_EVERY = 10 * 60  # seconds between sweeps of expired event ids
LEADER_LOCK = 0x67626F74  # the PostgreSQL advisory lock the replica running the scheduler holds
KNOWLEDGE_ROW = "serving"
OPENING_FAILURES: tuple[type[BaseException], ...] = (StoreError, *FAILURES)
CLOSE_WAIT = 10.0  # seconds closing waits for the statements under way


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _age(stamp: str) -> float:
    """Seconds since a ``_now()`` timestamp."""
    return (datetime.now(UTC) - datetime.fromisoformat(stamp)).total_seconds()


class Storage:
    """The bot's database; its methods are coroutines that never block the event loop.

    ``target`` is a SQLite path or a ``postgresql://`` URL. Opening checks the database at once and
    migrates it: a path that cannot be a database (a directory, a read-only folder, a file that is
    not SQLite or is damaged) or a server that cannot be reached raises :class:`StoreError`
    naming it (a URL without its password).
    """

    def __init__(self, target: Path | str, *, busy_timeout: float = BUSY_TIMEOUT) -> None:
        self.shared = is_postgres(target)  # PostgreSQL: shared by replicas
        self.path = str(target)
        self._insert = postgresql.insert if self.shared else sqlite.insert
        self._swept = 0.0
        self._leading: AsyncConnection | None = None
        self._engines: list[AsyncEngine] = []
        self._closed = False
        self._loop = EventLoopThread("storage")
        try:
            self.revision = self._loop.run(self._open(busy_timeout))
        except OPENING_FAILURES as exc:
            self._loop.run(self._dispose())
            self._loop.stop()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"cannot use the database {shown(target)}: {reason(exc)}") from exc

    async def _open(self, busy_timeout: float) -> str:
        if self.shared:
            self._writer, self._leader = postgres_engines(postgres_url(self.path))
            self._reader = self._writer
            self._engines = [self._writer, self._leader]
            return await upgrade(self._writer)
        if self.path != ":memory:":
            _check_path(Path(self.path))
        self._writer, self._reader = sqlite_engines(self.path, busy_timeout)
        self._engines = list(dict.fromkeys([self._writer, self._reader]))
        async with self._writer.connect() as conn:
            if await self._pragma(conn, "PRAGMA journal_mode=WAL") is None:
                raise StoreError(f"cannot use the database {self.path}: no answer to PRAGMA")
        revision = await upgrade(self._writer)
        async with self._writer.connect() as conn:
            if (found := await self._pragma(conn, "PRAGMA quick_check(1)")) != "ok":
                raise StoreError(f"cannot use the database {self.path}: damaged ({found})")
        return revision

    @staticmethod
    async def _pragma(conn: AsyncConnection, sql: str) -> Any:
        """Run a SQLite PRAGMA outside any transaction (some may not run inside one)."""
        raw = await conn.get_raw_connection()
        cursor = await raw.driver_connection.execute(sql)  # type: ignore[union-attr]
        row = await cursor.fetchone()
        await cursor.close()
        return row[0] if row else None

    def close(self) -> None:
        """Finish the statements under way, release the connections (and the scheduler's
        leadership, if held), then stop (call once, after the event loop's work)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._loop.run(self._dispose())
        finally:
            self._loop.stop()

    async def _dispose(self) -> None:
        await self._loop.drain(CLOSE_WAIT)
        if self._leading is not None:
            await self._drop_leadership()
        for engine in self._engines:
            await engine.dispose()

    @property
    def engine(self) -> AsyncEngine:
        """The engine for other libraries' tables (slack_sdk's OAuth stores); use with :meth:`run`."""
        return self._writer

    async def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Await ``work`` (which uses :attr:`engine`) on the storage's loop; StoreError on failure."""
        return await self._call(work)

    async def _call(self, work: Coroutine[Any, Any, T]) -> T:
        if self._closed:
            work.close()
            raise StoreError("the database is closed")
        try:
            return await self._loop.call(work)
        except FAILURES as exc:
            raise StoreError(reason(exc)) from exc

    async def _write(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run ``work`` in one transaction (SQLite: on the one writer connection)."""
        return await self._call(in_transaction(self._writer, work))

    async def _write_one(self, statement: Executable) -> int:
        """Run one write statement, atomic by itself; the number of rows it changed."""
        return await self._call(one_statement(self._writer, statement))

    async def _rows(self, query: Select[Any]) -> list[tuple[Any, ...]]:
        async def read() -> list[tuple[Any, ...]]:
            async with self._reader.connect() as conn:
                return [tuple(r) for r in (await conn.execute(query)).all()]

        return await self._call(read())

    async def _all(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of a literal SQL query (for tests and diagnostics)."""

        async def read() -> list[tuple[Any, ...]]:
            async with self._reader.connect() as conn:
                return [tuple(r) for r in (await conn.execute(text(sql))).all()]

        return await self._call(read())

    # -- subscriptions (weekly theme) ------------------------------------------------------------
    async def subscribe(self, platform: str, channel: str, organization: str) -> bool:
        """Subscribe a channel; False when it already was (to the same organisation)."""
        key = and_(t.subscriptions.c.platform == platform, t.subscriptions.c.channel == channel)

        async def work(conn: AsyncConnection) -> bool:
            before = (await conn.execute(select(t.subscriptions.c.organization).where(key))).scalar()
            row = {
                "platform": platform,
                "channel": channel,
                "organization": organization,
                "created_at": _now(),
            }
            stmt = self._insert(t.subscriptions).values(row)
            await conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["platform", "channel"],
                    set_={"organization": organization, "created_at": row["created_at"]},
                )
            )
            return before is None or before != organization

        return await self._write(work)

    async def unsubscribe(self, platform: str, channel: str) -> bool:
        c = t.subscriptions.c
        stmt = delete(t.subscriptions).where(c.platform == platform, c.channel == channel)
        return await self._write_one(stmt) > 0

    async def subscriptions(self, organization: str | None = None) -> list[tuple[str, str, str]]:
        """(platform, channel, organization) in subscription order."""
        c = t.subscriptions.c
        rows = await self._rows(
            select(c.platform, c.channel, c.organization).order_by(c.created_at, c.channel)
        )
        return [(p, ch, o) for p, ch, o in rows if organization is None or o == organization]

    # -- Teams conversation references -----------------------------------------------------------
    async def save_reference(self, key: str, kind: str, reference: dict[str, Any]) -> None:
        row = {"key": key, "kind": kind, "reference": json.dumps(reference, ensure_ascii=False)}
        row["updated_at"] = _now()
        stmt = self._insert(t.conversation_refs).values(row)
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"], set_={k: v for k, v in row.items() if k != "key"}
        )
        await self._write_one(stmt)

    async def reference(self, key: str) -> dict[str, Any] | None:
        c = t.conversation_refs.c
        rows = await self._rows(select(c.reference).where(c.key == key))
        return json.loads(rows[0][0]) if rows else None

    async def references(self, kind: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        c = t.conversation_refs.c
        rows = await self._rows(select(c.key, c.kind, c.reference).order_by(c.key))
        return [(k, json.loads(r)) for k, kd, r in rows if kind is None or kd == kind]

    async def delete_reference(self, key: str) -> bool:
        """Forget a conversation (the bot was removed from it); False if none was stored."""
        stmt = delete(t.conversation_refs).where(t.conversation_refs.c.key == key)
        return await self._write_one(stmt) > 0

    # -- MED chairs registered from chat ---------------------------------------------------------
    async def add_chair(self, platform: str, user_key: str, organization: str, committee: str) -> None:
        row = {
            "platform": platform,
            "user_key": user_key,
            "organization": organization,
            "committee": committee,
        }
        stmt = (
            self._insert(t.med_chairs)
            .values(row)
            .on_conflict_do_update(
                index_elements=["platform", "user_key", "organization"], set_={"committee": committee}
            )
        )
        await self._write_one(stmt)

    async def remove_chair(self, platform: str, user_key: str) -> bool:
        c = t.med_chairs.c
        stmt = delete(t.med_chairs).where(c.platform == platform, c.user_key == user_key)
        return await self._write_one(stmt) > 0

    async def chairs(self, organization: str | None = None) -> list[tuple[str, str, str, str]]:
        c = t.med_chairs.c
        rows = await self._rows(
            select(c.platform, c.user_key, c.organization, c.committee).order_by(c.user_key)
        )
        return [(p, u, o, cm) for p, u, o, cm in rows if organization is None or o == organization]

    # -- exactly-once record of scheduled posts ----------------------------------------------------
    async def claim_post(
        self, job: str, period: str, target: str, *, pending_for: float | None = None
    ) -> Claim | None:
        """Claim (job, period, target) for posting; None if it was already posted.

        With ``pending_for`` (seconds), an unfinished claim younger than that is respected too: it
        belongs to a post under way in another process (or job), which must not be doubled. The
        :class:`Claim` says when an unfinished earlier claim was made, if this one takes it over.

        Safe between processes: a new claim is an insert the unique key lets only one process make;
        an existing row is locked (``FOR UPDATE``; SQLite: the write lock) while it is looked at.
        """
        c = t.post_log.c
        key = and_(c.job == job, c.period == period, c.target == target)
        now = _now()

        async def work(conn: AsyncConnection) -> Claim | None:
            new = {"job": job, "period": period, "target": target, "status": "pending", "attempts": 0}
            inserted = await conn.execute(
                self._insert(t.post_log).values({**new, "updated_at": now}).on_conflict_do_nothing()
            )
            if inserted.rowcount == 1:
                return Claim(None)
            row = (await conn.execute(select(c.status, c.updated_at).where(key).with_for_update())).one()
            if row.status == "posted":
                return None
            if row.status == "pending" and pending_for is not None and _age(row.updated_at) < pending_for:
                return None
            await conn.execute(update(t.post_log).where(key).values(status="pending", updated_at=now))
            return Claim(datetime.fromisoformat(row.updated_at) if row.status == "pending" else None)

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
        c = t.post_log.c
        stmt = (
            update(t.post_log)
            .where(c.job == job, c.period == period, c.target == target)
            .values(
                status="posted" if ok else "failed",
                attempts=c.attempts + attempts,
                error=error,
                ref=func.coalesce(ref, c.ref),
                updated_at=_now(),
            )
        )
        await self._write_one(stmt)

    async def post_status(self, job: str, period: str, target: str) -> str | None:
        """ "posted", "failed", "pending", or None when (job, period, target) was never claimed."""
        c = t.post_log.c
        rows = await self._rows(select(c.status).where(c.job == job, c.period == period, c.target == target))
        return str(rows[0][0]) if rows else None

    async def post_records(self, status: str | None = None, limit: int = 50) -> list[PostRecord]:
        c = t.post_log.c
        query = select(c.job, c.period, c.target, c.status, c.attempts, c.error, c.updated_at, c.ref)
        if status is not None:
            query = query.where(c.status == status)
        rows = await self._rows(query.order_by(c.updated_at.desc()).limit(limit))
        return [PostRecord(*r) for r in rows]

    # -- Slack event ids, so that a retried delivery is answered once ----------------------------
    async def first_delivery(self, event_id: str) -> bool:
        """Record ``event_id``; False if it was recorded within :data:`EVENT_TTL` (a retry).

        The unique key makes this one insert safe between processes (replicas) sharing the
        database: of two deliveries of one event, to any replicas, exactly one inserts the id.
        Expired ids are swept now and then, in the same transaction.
        """
        now = time.time()
        sweep = now - self._swept > SWEEP_EVERY
        c = t.slack_events.c

        stmt = self._insert(t.slack_events).values(event_id=event_id, seen_at=now)
        # A conflict means a retry, unless the id recorded is older than the TTL: then it counts as new.
        stmt = stmt.on_conflict_do_update(
            index_elements=["event_id"], set_={"seen_at": now}, where=c.seen_at < now - EVENT_TTL
        )

        async def work(conn: AsyncConnection) -> bool:
            await conn.execute(delete(t.slack_events).where(c.seen_at < now - EVENT_TTL))
            return (await conn.execute(stmt)).rowcount == 1

        first = await self._write(work) if sweep else await self._write_one(stmt) == 1
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
        question_text = (
            question.strip()[:MAX_STORED_QUESTION] if not answered and question and question.strip() else None
        )
        day_count = self._insert(t.answer_counts).values({"day": d, column: 1})
        day_count = day_count.on_conflict_do_update(
            index_elements=["day"], set_={column: t.answer_counts.c[column] + 1}
        )
        org_count = self._insert(t.organization_counts).values(
            {"day": d, "organization": organization, column: 1}
        )
        org_count = org_count.on_conflict_do_update(
            index_elements=["day", "organization"], set_={column: t.organization_counts.c[column] + 1}
        )

        if not organization and not question_text:  # the common case: one statement
            await self._write_one(day_count)
            return

        async def work(conn: AsyncConnection) -> None:
            await conn.execute(day_count)
            if organization:
                await conn.execute(org_count)
            if question_text:
                await conn.execute(
                    t.unanswered.insert().values(day=d, text=question_text, organization=organization or "")
                )

        await self._write(work)

    async def answer_counts(
        self, since: date | None = None, organization: str | None = None
    ) -> tuple[int, int]:
        """Answered and declined questions: all, or those asked by ``organization``'s employees."""
        table = t.answer_counts if organization is None else t.organization_counts
        query = select(
            func.coalesce(func.sum(table.c.answered), 0), func.coalesce(func.sum(table.c.declined), 0)
        )
        query = query.where(table.c.day >= (since or date.min).isoformat())
        if organization is not None:
            query = query.where(t.organization_counts.c.organization == organization)
        rows = await self._rows(query)
        return int(rows[0][0]), int(rows[0][1])

    async def unanswered(self, since: date | None = None, organization: str | None = None) -> list[str]:
        """Unanswered question texts: all, or those asked by ``organization``'s employees ("": by
        employees of no known organisation)."""
        c = t.unanswered.c
        query = select(c.text).where(c.day >= (since or date.min).isoformat())
        if organization is not None:
            query = query.where(c.organization == organization)
        return [r[0] for r in await self._rows(query.order_by(c.id))]

    async def question_organizations(self) -> list[str]:
        """The organisations whose employees' questions have been counted, by name."""
        c = t.organization_counts.c
        return [r[0] for r in await self._rows(select(c.organization).distinct().order_by(c.organization))]

    async def purge_questions(self, older_than_days: int, today: date | None = None) -> int:
        """Delete the texts of unanswered questions asked more than ``older_than_days`` ago.

        On SQLite the text is gone from the file too, not only from the table: secure_delete
        overwrites the freed space, and a checkpoint moves the overwritten pages out of the
        write-ahead log. (PostgreSQL reuses the space at its next vacuum.)
        """
        cutoff = ((today or datetime.now(UTC).date()) - timedelta(days=older_than_days)).isoformat()
        stmt = delete(t.unanswered).where(t.unanswered.c.day < cutoff)

        async def purge() -> int:
            async with self._writer.connect() as conn:
                removed = (await conn.execute(stmt)).rowcount
                await conn.commit()
                if not self.shared:
                    await self._pragma(conn, "PRAGMA wal_checkpoint(TRUNCATE)")
            return int(removed)

        return await self._call(purge())

    async def record_feedback(self, entry_id: str, up: bool, day: date | None = None) -> None:
        d = (day or datetime.now(UTC).date()).isoformat()
        column = "up" if up else "down"
        stmt = self._insert(t.feedback).values({"entry_id": entry_id, "day": d, column: 1})
        stmt = stmt.on_conflict_do_update(
            index_elements=["entry_id", "day"], set_={column: t.feedback.c[column] + 1}
        )
        await self._write_one(stmt)

    async def feedback(self) -> dict[str, tuple[int, int]]:
        c = t.feedback.c
        query = select(c.entry_id, func.sum(c.up), func.sum(c.down)).group_by(c.entry_id).order_by(c.entry_id)
        return {e: (int(u), int(d)) for e, u, d in await self._rows(query)}

    # -- admin audit log --------------------------------------------------------------------------
    async def audit(self, admin: str, action: str, outcome: str, detail: str = "") -> None:
        stmt = t.audit.insert().values(at=_now(), admin=admin, action=action, outcome=outcome, detail=detail)
        await self._write_one(stmt)

    async def last_audit(
        self, action: str, outcomes: tuple[str, ...]
    ) -> tuple[str, str, str, str, str] | None:
        """The newest (at, admin, action, outcome, detail) of ``action`` with one of ``outcomes``."""
        c = t.audit.c
        query = select(c.at, c.admin, c.action, c.outcome, c.detail).where(
            c.action == action, c.outcome.in_(outcomes)
        )
        rows = await self._rows(query.order_by(c.id.desc()).limit(1))
        return (rows[0][0], rows[0][1], rows[0][2], rows[0][3], rows[0][4]) if rows else None

    async def audit_log(self, limit: int = 20) -> list[tuple[str, str, str, str, str]]:
        c = t.audit.c
        rows = await self._rows(
            select(c.at, c.admin, c.action, c.outcome, c.detail).order_by(c.id.desc()).limit(limit)
        )
        return [(a, b, cc, d, e) for a, b, cc, d, e in rows]

    # -- replicas: the knowledge version to serve, and who runs the scheduler -------------------
    async def publish_knowledge(self, version: str) -> None:
        """The knowledge version every replica should serve (its files' content digest)."""
        row = {"name": KNOWLEDGE_ROW, "version": version, "updated_at": _now()}
        stmt = self._insert(t.knowledge_state).values(row)
        stmt = stmt.on_conflict_do_update(
            index_elements=["name"], set_={"version": version, "updated_at": row["updated_at"]}
        )
        await self._write_one(stmt)

    async def published_knowledge(self) -> str | None:
        c = t.knowledge_state.c
        rows = await self._rows(select(c.version).where(c.name == KNOWLEDGE_ROW))
        return str(rows[0][0]) if rows else None

    async def lead(self) -> bool:
        """Whether this process runs the scheduler: always on SQLite (one process); on PostgreSQL,
        while it holds a session-level advisory lock on a connection of its own. Called every few
        seconds: it takes the lock when it is free (its holder died: the server ends a dead
        session's locks) and checks the connection that holds it, which a database restart ends."""
        if not self.shared:
            return True
        return await self._call(self._lead())

    async def _lead(self) -> bool:
        if self._leading is not None:
            try:
                await self._leading.execute(text("SELECT 1"))
                await self._leading.commit()
                return True
            except FAILURES as exc:
                logger.warning("Lost the scheduler's database connection: %s", reason(exc))
                await self._drop_leadership()
                return False
        conn = await self._leader.connect()
        try:
            got = (
                await conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK})
            ).scalar()
            await conn.commit()
        except BaseException:
            await conn.close()
            raise
        if got:
            self._leading = conn
            return True
        await conn.close()
        return False

    async def _drop_leadership(self) -> None:
        conn, self._leading = self._leading, None
        if conn is not None:
            try:
                await conn.close()  # ends the session, and with it the lock
            except FAILURES:
                await conn.invalidate()


def _check_path(path: Path) -> None:
    """The mistakes SQLite reports only as "unable to open database file", named plainly."""
    if path.is_dir():
        raise StoreError(f"cannot use the database {path}: it is a directory, not a database file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot use the database {path}: cannot create its folder ({reason(exc)})") from exc
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise StoreError(f"cannot use the database {path}: the file or its folder is read-only")
