"""Where the storage's SQL runs: SQLAlchemy's asyncio engines on a private event loop.

``GRUNDLAGBOT_DB`` names a SQLite file (aiosqlite) or a ``postgresql://`` URL (asyncpg). The
engines, and so every pooled connection, belong to one event loop in a daemon thread of their
own: callers on any loop (the server's, a CLI's ``asyncio.run``, each test's) await their
statements through :meth:`Database.call` without the drivers' connections ever crossing loops,
and a database that is locked or slow holds up that thread's loop, never the caller's.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool, StaticPool
from sqlalchemy.sql.expression import Executable

from bot.db_target import is_postgres

T = TypeVar("T")


def postgres_url(target: str) -> URL:
    url = make_url(target.replace("postgres://", "postgresql://", 1))
    return url.set(drivername="postgresql+asyncpg")


def shown(target: str | Path) -> str:
    """The database as errors and logs name it: a path, or a URL without its password."""
    if isinstance(target, str) and is_postgres(target):
        return make_url(target).render_as_string(hide_password=True)
    return str(target)


class EventLoopThread:
    """A private event loop in a daemon thread."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run ``work`` there and wait for it (from a thread that is not this loop's)."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result()

    async def call(self, work: Coroutine[Any, Any, T]) -> T:
        """Await ``work`` run there, from any other loop; cancelling the caller cancels it."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, self.loop))

    async def drain(self, timeout: float) -> None:
        """Let the work under way finish (cancelled after ``timeout`` seconds), so that no caller
        is left waiting for an answer from a stopped loop."""
        tasks = asyncio.all_tasks() - {asyncio.current_task()}
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


# An execution option: the connection runs one statement, which SQLite makes atomic by itself, so
# no BEGIN IMMEDIATE (each statement costs several thread hops in aiosqlite: half the write's time).
ONE_STATEMENT = "grundlagbot_one_statement"


def sqlite_engines(path: str, busy_timeout: float) -> tuple[AsyncEngine, AsyncEngine]:
    """A writer (one connection: SQLite has one writer at a time, and transactions start with
    ``BEGIN IMMEDIATE`` so that none fails half way for a lock) and a reader (autocommit: in WAL
    mode a read never waits for a writer, here or in another process)."""
    url = URL.create("sqlite+aiosqlite", database=path)
    args = {"connect_args": {"timeout": busy_timeout}}
    if path == ":memory:":  # one database per connection: reads share the writer's
        writer = create_async_engine(url, poolclass=StaticPool, **args)
        _sqlite_hooks(writer, "BEGIN IMMEDIATE")
        return writer, writer
    # Every transaction ends in a COMMIT or ROLLBACK of its own, and reads autocommit: the pool's
    # extra rollback when a connection comes back (a thread hop in aiosqlite) is not needed.
    pooled = {"max_overflow": 0, "pool_timeout": 60, "pool_reset_on_return": None, **args}
    writer = create_async_engine(url, pool_size=1, **pooled)
    reader = create_async_engine(url, pool_size=2, **pooled)
    _sqlite_hooks(writer, "BEGIN IMMEDIATE")
    _sqlite_hooks(reader, None)
    return writer, reader


def _sqlite_hooks(engine: AsyncEngine, begin: str | None) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun below, not by the driver
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable across crashes of the process
        cursor.execute("PRAGMA secure_delete=ON")  # deleted question texts are overwritten in the file
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def start(conn: Connection) -> None:
        if begin and not conn.get_execution_options().get(ONE_STATEMENT):
            conn.exec_driver_sql(begin)


def postgres_engines(url: URL, *, pool_size: int = 5) -> tuple[AsyncEngine, AsyncEngine]:
    """The pool every statement uses, and a poolless engine for the scheduler's leadership: its
    connection is held open for as long as this process leads (see :meth:`Storage.lead`)."""
    args = {"timeout": 10, "command_timeout": 30}
    pool = create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, connect_args=args
    )
    # The server notices a leader whose host vanished (no FIN) within about half a minute.
    keepalive = {"tcp_keepalives_idle": "10", "tcp_keepalives_interval": "5", "tcp_keepalives_count": "3"}
    leader = create_async_engine(url, poolclass=NullPool, connect_args={**args, "server_settings": keepalive})
    return pool, leader


async def upgrade(engine: AsyncEngine) -> str:
    """Apply the packaged migrations (``bot/migrations``) up to the newest; returns its revision."""

    def run(conn: Connection) -> str:
        config = Config()
        config.set_main_option("script_location", "bot:migrations")
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        return str(row[0]) if row else ""

    async with engine.connect() as conn:
        revision = await conn.run_sync(run)
        await conn.commit()
    return revision


async def in_transaction(engine: AsyncEngine, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    async with engine.begin() as conn:
        return await work(conn)


async def one_statement(engine: AsyncEngine, statement: Executable) -> int:
    """Run one write statement on its own (its rows changed): atomic without a transaction."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(**{ONE_STATEMENT: True})
        changed = (await conn.execute(statement)).rowcount
        await conn.commit()
    return int(changed)


DRIVER_PREFIX = re.compile(r"^<class '[\w.]+'>:\s*")


def reason(error: BaseException) -> str:
    """What went wrong, in the words of the database or the operating system: never a statement
    or its parameters (SQLAlchemy's own message has both)."""
    if isinstance(error, exc.DBAPIError) and error.orig is not None:
        error = error.orig
    elif isinstance(error, exc.SQLAlchemyError):
        return type(error).__name__ + (f": {error.args[0]}" if error.args else "")
    if isinstance(error, OSError):
        return error.strerror or str(error) or type(error).__name__
    if isinstance(error, TimeoutError | asyncio.TimeoutError):
        return "the database did not answer in time"
    text = DRIVER_PREFIX.sub("", str(error)).splitlines()[0] if str(error) else ""
    if text == "unable to open database file":
        return "cannot open or create the file (is its folder writable?)"
    return text or type(error).__name__


FAILURES: tuple[type[BaseException], ...] = (exc.SQLAlchemyError, sqlite3.Error, OSError, TimeoutError)
try:  # the PostgreSQL driver's own errors, raised before SQLAlchemy wraps them (connecting)
    import asyncpg

    FAILURES = (*FAILURES, asyncpg.PostgresError, asyncpg.InterfaceError)
except ImportError:  # pragma: no cover - asyncpg is a dependency
    pass
