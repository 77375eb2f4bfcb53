"""What a handler may use: the services of one running bot, passed explicitly."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from handlers.answer_cache import AnswerCache
from handlers.conversations import ConversationMemory
from knowledge.reload import Reloader

if TYPE_CHECKING:
    from handlers.messages import Message, Reply
    from handlers.services import Metrics, Schedule, Store
    from handlers.settings import Settings
    from knowledge.service import KnowledgeService


class Poster(Protocol):
    """Posts proactively on one platform; the scheduler uses one per platform.

    ``target`` is a channel id (Slack) or a stored conversation-reference key (Teams); ``user``
    sends a direct message to a user instead.
    """

    platform: str

    async def post(self, target: str, reply: Reply) -> None: ...

    async def direct(self, user: str, reply: Reply) -> None: ...


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

    def __post_init__(self) -> None:
        self.reloader = Reloader(self.knowledge, self.settings.knowledge_dir)
        self.answers = AnswerCache(self.settings.answer_cache)

    def is_admin(self, msg: Message) -> bool:
        return msg.verified and f"{msg.platform}:{msg.user}" in self.settings.admins


Handler = Callable[["Message", Context, str], Awaitable["Reply"]]
