"""The bot under test, in the spirit of errbot's ``testbot``: the :class:`Context` of
``bot.server.build_context``, on the given knowledge and a temporary database, and
:meth:`TestBot.send`, which answers a message through the real dispatcher.

The ``testbot`` fixture (tests/conftest.py) makes them and closes their databases afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from bot.server import build_context
from handlers.context import Context
from handlers.messages import Message, Platform, Reply
from handlers.router import dispatch
from handlers.settings import ScheduleSettings, Settings
from knowledge.service import KnowledgeService
from tests.knowledge import knowledge_sets


@dataclass
class TestBot:
    """One running bot's context, and a way to talk to it."""

    __test__ = False  # not a test class, whatever its name
    ctx: Context

    async def send(
        self,
        text: str,
        *,
        user: str = "U0EMP",
        channel: str = "C0THEME",
        platform: Platform = "slack",
        direct: bool = False,
        thread: str | None = None,
        conversation: str | None = None,
        organization: str | None = None,
    ) -> Reply:
        """What the bot answers ``text`` from ``user`` in ``channel`` (by default a slash command
        in a Slack channel: no thread, no conversation to follow up on)."""
        msg = Message(
            text,
            user=user,
            channel=channel,
            platform=platform,
            is_direct=direct,
            thread=thread,
            conversation=conversation,
            organization=organization,
        )
        reply = await dispatch(msg, self.ctx)
        await self.ctx.settle()  # the statistics written in the background, as a test reads them
        return reply

    def close(self) -> None:
        self.ctx.store.close()


class MakeBot(Protocol):
    """The ``testbot`` fixture: ``testbot(knowledge=None, *, db="bot.sqlite3", clock=None, **settings)``."""

    def __call__(
        self, knowledge: KnowledgeService | None = None, *, db: str = "bot.sqlite3", **settings: Any
    ) -> TestBot: ...


def shipped() -> KnowledgeService:
    """The packaged knowledge files, served from one snapshot per test run (indexing takes a second;
    a snapshot is immutable, and a reload swaps in a new one)."""
    return KnowledgeService(knowledge_sets.REAL, knowledge_sets.real())


def build_bot(
    db: Path,
    knowledge: KnowledgeService | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    **settings: Any,
) -> TestBot:
    """The bot on ``knowledge`` (default: the packaged files) with its database at ``db``.

    ``settings`` are :class:`Settings` fields (``admins``, ``slack``, ``schedule``, …); the
    scheduler is off unless ``schedule`` says otherwise. ``clock`` stands in for the time.
    """
    if knowledge is None:
        knowledge = shipped()
    assert isinstance(knowledge.path, Path), "a test bot serves one knowledge directory"
    settings.setdefault("schedule", ScheduleSettings(enabled=False))
    config = Settings(knowledge_dir=knowledge.path, db_path=db, **settings)
    ctx = build_context(config, knowledge)
    if clock is not None:
        ctx.clock = clock
    return TestBot(ctx)
