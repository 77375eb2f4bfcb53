"""Talking to Slack's Web API: the client, delivery of replies, the scheduler's poster, Socket Mode.

The client retries what Slack asks to be retried: rate limits (HTTP 429, waiting ``Retry-After``),
a dropped connection and a 500/503, so a reply is delivered once even when Slack is busy.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import ClientError, ClientSession, web
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack_render import render
from handlers.context import Context
from handlers.messages import Reply
from handlers.settings import SlackSettings

if TYPE_CHECKING:
    from bot.slack_oauth import WorkspaceClients

logger = logging.getLogger(__name__)


def make_client(settings: SlackSettings) -> AsyncWebClient:
    """A Web API client for the bot token, at ``SLACK_API_URL`` when that is set."""
    retry = [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ]
    if settings.api_url:
        return AsyncWebClient(token=settings.bot_token, base_url=settings.api_url, retry_handlers=retry)
    return AsyncWebClient(token=settings.bot_token, retry_handlers=retry)


async def deliver(ctx: Context, call: Awaitable[Any]) -> bool:
    """Await one Slack call; a failure is logged (no payload: it holds user text) and counted."""
    try:
        await call
    except SlackApiError as exc:
        logger.error("Slack refused a reply: %s", exc.response.get("error") if exc.response else exc)
    except (ClientError, TimeoutError) as exc:
        logger.error("Could not reach Slack to deliver a reply: %s", type(exc).__name__)
    else:
        return True
    ctx.metrics.errors.labels("slack").inc()
    return False


T = TypeVar("T")
LOOKBACK_SECONDS = 60
# Slack's answers when a channel or person is in another workspace than the token's
ELSEWHERE = {
    "channel_not_found",
    "user_not_found",
    "not_in_channel",
    "user_not_visible",
}  # clocks differ: look for an earlier post from this long before its claim


class SlackPoster:
    """Posts proactively (the scheduler's weekly theme and MED reminders)."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient, workspaces: WorkspaceClients | None = None) -> None:
        self.client = client
        self.workspaces = workspaces  # many workspaces (OAuth): each installation's client

    async def on_target(self, target: str, call: Callable[[AsyncWebClient], Awaitable[T]]) -> T:
        """``call`` with the client of the workspace that has ``target`` (a channel or a person):
        with many workspaces, each installation's in turn until one is not told it is elsewhere."""
        candidates = await self.workspaces.candidates(target) if self.workspaces else []
        for i, (workspace, client) in enumerate(candidates):
            try:
                result = await call(client)
            except SlackApiError as exc:
                if (exc.response.get("error") in ELSEWHERE) and i + 1 < len(candidates):
                    continue
                raise
            if self.workspaces is not None:
                self.workspaces.remember(target, workspace)
            return result
        return await call(self.client)

    async def post(self, target: str, reply: Reply) -> str | None:
        """Post ``reply`` in channel ``target``; its ``ts``. Raises SlackApiError if Slack refuses."""
        text, blocks = render(reply, feedback=False)
        sent = await self.on_target(
            target,
            lambda client: client.chat_postMessage(
                channel=target, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
            ),
        )
        ts = sent.get("ts")
        return str(ts) if ts else None

    async def find_post(self, target: str, reply: Reply, since: datetime) -> str | None:
        """The ``ts`` of a message of ours with ``reply``'s text in channel ``target`` since
        ``since`` (conversations.history, scope channels:history or groups:history); None when
        there is none, or Slack will not say (a channel the bot is not in, a missing scope)."""
        text, _ = render(reply, feedback=False)
        try:
            oldest = f"{since.timestamp() - LOOKBACK_SECONDS:.6f}"
            page = await self.on_target(
                target, lambda client: client.conversations_history(channel=target, oldest=oldest, limit=200)
            )
        except SlackApiError as exc:
            data = exc.response.data
            reason = data.get("error") if isinstance(data, dict) else f"HTTP {exc.response.status_code}"
            logger.warning("Could not look for an earlier post: %s", reason)
            return None
        except (ClientError, TimeoutError) as exc:
            logger.warning("Could not look for an earlier post: %s", type(exc).__name__)
            return None
        for message in page.get("messages") or []:
            if message.get("bot_id") and message.get("text") == text and message.get("ts"):
                return str(message["ts"])
        return None

    async def direct(self, user: str, reply: Reply) -> None:
        """Send ``reply`` to ``user`` as a direct message from the bot."""
        text, blocks = render(reply, feedback=False)

        async def send(client: AsyncWebClient) -> None:
            opened = await client.conversations_open(users=user)
            channel = str((opened.get("channel") or {}).get("id") or user)
            await client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
            )

        await self.on_target(user, send)


QUEUE_LIMIT = 200  # answers waiting for a worker; beyond that, the asker is told to try again
SENDING = 64  # replies being posted to Slack at once; a worker with the next one waits for a slot
DRAIN_SECONDS = 25.0  # at shutdown, how long acknowledged questions may take to be answered


class ReplyQueue:
    """Answers to events are composed by a few workers, not by one task per event.

    Composing an answer is CPU work on the event loop. With a task per event, a burst of events
    queues all their answers ahead of the next request, and Slack's acknowledgements (due within
    3 s, or Slack delivers the event again) wait behind them. With a few workers, an
    acknowledgement waits for a few answers at most; more than one worker, so a reply waiting out
    a rate limit does not hold up the others.

    A composed answer is posted by :meth:`send` in a task of its own (up to ``sending`` at once), so
    a worker composes the next answer while Slack takes the last one: replies are not held to
    ``workers`` round trips to Slack at a time.

    The queue is bounded (:data:`QUEUE_LIMIT`): under overload :meth:`offer` refuses, and the
    adapter answers "busy, try again" instead of letting memory grow. At a graceful shutdown
    (SIGTERM) every acknowledged question is answered first: the queued ones, the replies being
    posted, and the slash commands and clicks being answered in bolt's tasks (:meth:`hold`), for
    up to :data:`DRAIN_SECONDS`.
    """

    def __init__(
        self, ctx: Context, workers: int = 4, sending: int | None = None, limit: int | None = None
    ) -> None:
        self.ctx = ctx
        self.workers = workers
        self.queue: asyncio.Queue[Coroutine[Any, Any, None]] = asyncio.Queue(limit or QUEUE_LIMIT)
        self.tasks: list[asyncio.Task[None]] = []
        self._sending = asyncio.Semaphore(sending or SENDING)
        self._deliveries: set[asyncio.Task[bool]] = set()
        self.held: set[asyncio.Task[Any]] = set()

    def offer(self, job: Coroutine[Any, Any, None]) -> bool:
        """Queue ``job``; False (and ``job`` is dropped) when the queue is full."""
        try:
            self.queue.put_nowait(job)
        except asyncio.QueueFull:
            job.close()
            return False
        return True

    def hold(self) -> None:
        """The calling task answers an acknowledged request: shutdown waits for it."""
        task = asyncio.current_task()
        if task is not None:
            self.held.add(task)
            task.add_done_callback(self.held.discard)

    async def drain(self, timeout: float) -> bool:
        """Wait until nothing is queued or held (or ``timeout``); False if something was left."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                if self.held:  # a held task may still queue an answer: wait for it first
                    await asyncio.wait_for(asyncio.wait(set(self.held)), deadline - loop.time())
                await asyncio.wait_for(self.queue.join(), deadline - loop.time())  # queued and in hand
                if self._deliveries:  # composed and being posted
                    await asyncio.wait_for(asyncio.wait(set(self._deliveries)), deadline - loop.time())
            except TimeoutError:
                return False
            if not self.held and self.queue.empty() and not self._deliveries:
                return True

    async def send(self, delivery: Coroutine[Any, Any, bool]) -> None:
        """Run ``delivery`` (a :func:`deliver`) in its own task; waits only while ``sending`` run."""
        await self._sending.acquire()
        task = asyncio.create_task(delivery)
        self._deliveries.add(task)
        task.add_done_callback(self._delivered)

    def _delivered(self, task: asyncio.Task[bool]) -> None:
        self._deliveries.discard(task)
        self._sending.release()
        if not task.cancelled() and task.exception() is not None:
            # deliver() handles Slack's errors; this is a bug. No payload is logged.
            logger.error("Sending a Slack reply failed", exc_info=task.exception())
            self.ctx.metrics.errors.labels("slack").inc()

    def run_with(self, app: web.Application) -> None:
        """Start the workers with the server; at shutdown, answer what was acknowledged."""

        async def start(_: web.Application) -> None:
            self.tasks = [asyncio.create_task(self._work()) for _ in range(self.workers)]

        async def stop(_: web.Application) -> None:
            if not await self.drain(DRAIN_SECONDS):
                logger.warning("Stopped with %d Slack replies not sent", self.queue.qsize() + len(self.held))
            for task in self.tasks:
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)
            while not self.queue.empty():
                self.queue.get_nowait().close()

        app.on_startup.append(start)
        app.on_shutdown.append(stop)

    async def _work(self) -> None:
        while True:
            job = await self.queue.get()
            try:
                await job
            except Exception:
                # A worker must outlive a failed reply; dispatch() already caught handler errors,
                # so this is a bug in rendering or delivery. No payload is logged.
                logger.exception("Sending a Slack reply failed")
                self.ctx.metrics.errors.labels("slack").inc()
            finally:
                self.queue.task_done()


class SeenEvents:
    """Event ids this process saw recently: a bounded set whose entries expire.

    The first check, before the database's (``Store.first_delivery``): Slack retries a delivery
    when our acknowledgement did not reach it (immediately, after 1 and after 5 minutes), and a
    quick retry is dropped here without a database round trip. The database catches the retries
    that arrive after a restart.
    """

    def __init__(self, ttl: float = 15 * 60, size: int = 20_000) -> None:
        self.ttl = ttl
        self.size = size
        self._seen: OrderedDict[str, float] = OrderedDict()

    def add(self, event_id: str) -> bool:
        """Remember ``event_id``; False if it was already seen within the TTL."""
        now = time.monotonic()
        while self._seen and (
            len(self._seen) >= self.size or next(iter(self._seen.values())) < now - self.ttl
        ):
            self._seen.popitem(last=False)
        if event_id in self._seen:
            return False
        self._seen[event_id] = now
        return True


def share_session(app: web.Application, client: AsyncWebClient) -> None:
    """One connection pool for all Web API calls while the server runs (bolt's clients share it)."""

    async def open_session(_: web.Application) -> None:
        client.session = ClientSession()

    async def close_session(_: web.Application) -> None:
        if client.session is not None:
            await client.session.close()

    app.on_startup.append(open_session)
    app.on_cleanup.append(close_session)


def start_socket_mode(app: web.Application, bolt: AsyncApp, app_token: str, client: AsyncWebClient) -> None:
    """Connect to Slack over Socket Mode while the server runs (SLACK_APP_TOKEN is set)."""
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    state: dict[str, Any] = {}

    async def start(_: web.Application) -> None:
        # Created here: its aiohttp session needs the running loop. connect() retries by itself.
        handler = AsyncSocketModeHandler(bolt, app_token, web_client=client)
        state["handler"] = handler
        state["task"] = asyncio.create_task(handler.connect_async())  # type: ignore[no-untyped-call]
        logger.info("Slack Socket Mode: connecting")

    async def stop(_: web.Application) -> None:
        if "handler" in state:
            state["task"].cancel()
            await state["handler"].close_async()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
