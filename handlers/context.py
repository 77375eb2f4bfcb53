"""What a handler may use: the services of one running bot, passed explicitly."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from handlers.answer_cache import AnswerCache
from handlers.conversations import ConversationMemory
from handlers.services import StoreError
from knowledge.reload import Reloader

if TYPE_CHECKING:
    from handlers.messages import Message, Reply
    from handlers.services import Metrics, Schedule, Store
    from handlers.settings import Settings
    from knowledge.service import KnowledgeService


class Poster(Protocol):
    """Posts proactively on one platform; the scheduler uses one per platform.

    ``target`` is a channel id (Slack) or a stored conversation-reference key (Teams); ``user``
    sends a direct message to a user instead. ``post`` returns the platform's id of the message
    when it has one (Slack: its ``ts``); ``find_post`` looks for a post of ``reply`` made in
    ``target`` since ``since``, where the platform can tell (None: not found, or cannot tell).
    """

    platform: str

    async def post(self, target: str, reply: Reply) -> str | None: ...

    async def direct(self, user: str, reply: Reply) -> None: ...

    async def find_post(self, target: str, reply: Reply, since: datetime) -> str | None: ...


logger = logging.getLogger(__name__)

MAX_PENDING_RECORDS = 1000  # statistics and audit writes waiting for the database; more are dropped


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    """One running bot's services, each typed: handlers and scheduled jobs get nothing else.

    ``posters`` are registered by the chat adapters; ``scheduler`` is set when this process runs
    the scheduler; ``reloader`` is the one reloader of the knowledge, whose lock serialises the
    reloads from chat and from signals.
    """

    settings: Settings
    knowledge: KnowledgeService
    store: Store
    metrics: Metrics
    clock: Callable[[], datetime] = _utcnow
    posters: dict[str, Poster] = field(default_factory=dict)
    scheduler: Schedule | None = None  # when this process runs the scheduler
    conversations: ConversationMemory = field(default_factory=ConversationMemory)  # for follow-ups
    answers: AnswerCache = field(init=False)  # replies to questions asked again (handlers.answer_cache)
    reloader: Reloader = field(init=False)
    # Replicas on one database: the knowledge version they publish (handlers.replicas); None alone.
    published_knowledge: str | None = None
    _records: set[asyncio.Task[None]] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        self.reloader = Reloader(self.knowledge, self.settings.knowledge_dir)
        self.answers = AnswerCache(self.settings.answer_cache)

    def record(self, what: str, write: Coroutine[Any, Any, Any]) -> None:
        """Write ``what`` (statistics, a vote, the audit log) to the store without waiting for it.

        A reply never waits for the database and never fails because of it: a write that fails
        (the disk is full, another process holds the lock) is logged with SQLite's reason only,
        never the data, and counted in ``/metrics`` as ``grundlagbot_errors_total{where="storage"}``.
        """
        if len(self._records) >= MAX_PENDING_RECORDS:
            write.close()
            logger.warning(
                "Dropped a %s write: %d writes are waiting for the database", what, len(self._records)
            )
            self.metrics.errors.labels("storage").inc()
            return
        task = asyncio.get_running_loop().create_task(self._record(what, write))
        self._records.add(task)
        task.add_done_callback(self._records.discard)

    async def _record(self, what: str, write: Awaitable[Any]) -> None:
        try:
            await write
        except StoreError as exc:
            logger.warning("Could not record %s: %s", what, exc)
            self.metrics.errors.labels("storage").inc()

    async def settle(self) -> None:
        """Wait for the writes :meth:`record` started (before the store is closed)."""
        while self._records:
            await asyncio.gather(*self._records)

    def is_admin(self, msg: Message) -> bool:
        """A global admin (app.yaml's ``admins``, ``GRUNDLAGBOT_ADMINS``): every admin command."""
        return msg.verified and f"{msg.platform}:{msg.user}" in self.settings.admins

    def admin_of(self, msg: Message) -> str | None:
        """The organisation ``msg``'s sender administers (its ``admins`` in app.yaml), when the
        message comes from that organisation: its statistics only. A verified sender only."""
        org = msg.organization
        admins = self.settings.organization_admins.get(org) if org else None
        return org if msg.verified and admins and f"{msg.platform}:{msg.user}" in admins else None


Handler = Callable[["Message", Context, str], Awaitable["Reply"]]
