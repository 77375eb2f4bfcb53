"""What handlers and scheduled jobs are given by the process, stated as protocols.

The process wiring implements them: ``bot.storage.Storage`` is a :class:`Store`,
``bot.metrics.Metrics`` is a :class:`Metrics`, ``scheduler.service.SchedulerService`` is a
:class:`Schedule`. Handlers depend on these protocols only, so packages import one way: ``bot``
and ``scheduler`` import ``handlers``, never the other way round (README, Layout).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, Self


class StoreError(Exception):
    """The database could not do what was asked: locked by another process, disk full, damaged.

    Its message is SQLite's or the operating system's reason (and a path): never a user or text.
    """


@dataclass(frozen=True)
class Claim:
    """A claim on one scheduled post; ``taken_over`` is when an unfinished earlier claim was
    made, if this claim replaces one (its post may have reached the platform before a crash)."""

    taken_over: datetime | None = None


@dataclass(frozen=True)
class PostRecord:
    """One line of the scheduled posts' exactly-once record."""

    job: str
    period: str
    target: str
    status: str  # "posted" | "failed" | "pending"
    attempts: int
    error: str | None
    updated_at: str
    ref: str | None = None  # the platform's id of the posted message (Slack: its ts)


class Store(Protocol):
    """The bot's persistent state (``bot.storage.Storage``). It never stores a user next to a question.

    Every call may raise :class:`StoreError`; none blocks the event loop.
    """

    def close(self) -> None: ...

    # True when replicas share the database (PostgreSQL); False for one process's SQLite file.
    @property
    def shared(self) -> bool: ...

    # Channels subscribed to the weekly theme; MED chairs registered from chat.
    async def subscribe(self, platform: str, channel: str, organization: str) -> bool: ...
    async def unsubscribe(self, platform: str, channel: str) -> bool: ...
    async def subscriptions(self, organization: str | None = None) -> list[tuple[str, str, str]]: ...
    async def add_chair(self, platform: str, user_key: str, organization: str, committee: str) -> None: ...
    async def remove_chair(self, platform: str, user_key: str) -> bool: ...
    async def chairs(self, organization: str | None = None) -> list[tuple[str, str, str, str]]: ...

    # Teams conversation references, for proactive posts.
    async def save_reference(self, key: str, kind: str, reference: dict[str, Any]) -> None: ...
    async def reference(self, key: str) -> dict[str, Any] | None: ...
    async def delete_reference(self, key: str) -> bool: ...

    # The scheduled posts' exactly-once record.
    async def claim_post(
        self, job: str, period: str, target: str, *, pending_for: float | None = None
    ) -> Claim | None: ...
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
    ) -> None: ...
    async def post_status(self, job: str, period: str, target: str) -> str | None: ...
    async def post_records(self, status: str | None = None, limit: int = 50) -> list[PostRecord]: ...

    # Slack event ids seen recently: False for a retried delivery.
    async def first_delivery(self, event_id: str) -> bool: ...

    # Answer counts, unanswered questions (no identity), feedback and the admin audit log.
    async def record_answer(
        self,
        answered: bool,
        question: str | None = None,
        day: date | None = None,
        organization: str | None = None,
    ) -> None: ...
    async def answer_counts(
        self, since: date | None = None, organization: str | None = None
    ) -> tuple[int, int]: ...
    async def unanswered(self, since: date | None = None, organization: str | None = None) -> list[str]: ...
    async def question_organizations(self) -> list[str]: ...
    async def purge_questions(self, older_than_days: int, today: date | None = None) -> int: ...
    async def record_feedback(self, entry_id: str, up: bool, day: date | None = None) -> None: ...
    async def feedback(self) -> dict[str, tuple[int, int]]: ...
    async def audit(self, admin: str, action: str, outcome: str, detail: str = "") -> None: ...
    async def last_audit(
        self, action: str, outcomes: tuple[str, ...]
    ) -> tuple[str, str, str, str, str] | None: ...

    # Replicas: the knowledge version all should serve, and which one runs the scheduler.
    async def publish_knowledge(self, version: str) -> None: ...
    async def published_knowledge(self) -> str | None: ...
    async def lead(self) -> bool: ...


class Counter(Protocol):
    def labels(self, *values: str) -> Self: ...
    def inc(self, amount: float = 1) -> None: ...


class Histogram(Protocol):
    def observe(self, amount: float) -> None: ...


class Gauge(Protocol):
    def set(self, value: float) -> None: ...


class Metrics(Protocol):
    """The counters handlers and jobs update (``bot.metrics.Metrics`` keeps them for ``/metrics``)."""

    @property
    def questions(self) -> Counter: ...  # by platform
    @property
    def answers(self) -> Counter: ...  # by outcome
    @property
    def latency(self) -> Histogram: ...
    @property
    def reloads(self) -> Counter: ...  # by outcome
    @property
    def posts(self) -> Counter: ...  # by job and outcome
    @property
    def errors(self) -> Counter: ...  # by where
    @property
    def busy(self) -> Counter: ...  # questions turned away under overload, by platform
    @property
    def entries(self) -> Gauge: ...
    @property
    def knowledge_in_sync(self) -> Gauge: ...  # 1, or 0 when this replica serves other files

    def render(self) -> bytes: ...  # the text of GET /metrics


class ScheduledPost(Protocol):
    """One coming post, as ``status`` shows it."""

    @property
    def job(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def organization(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def targets(self) -> tuple[str, ...]: ...


class Schedule(Protocol):
    """The scheduler running in this process (``scheduler.service.SchedulerService``)."""

    @property
    def running(self) -> bool: ...  # False on a replica that does not lead
    async def upcoming(self, n: int = 5) -> Sequence[ScheduledPost]: ...
