"""Database faults, end to end through ``POST /slack/events``: a full disk, a database another
process holds locked, and Slack retries arriving after a restart. The database is a real SQLite
file; Slack is the fake Web API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import itertools
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import slack_client, storage
from bot.server import create_app
from bot.storage import Storage
from handlers.services import StoreError
from handlers.texts import t
from tests.aiohttp_types import AiohttpClient, AiohttpServer
from tests.bot.slack_fakes import FakeSlack, Signer, payload
from tests.bot.test_slack import EMPLOYEE, HEALTH_CHECK, Bot, dm, slack_context
from tests.testbot import MakeBot

OUT_OF_SCOPE = "hvad er der til frokost på fredag"
HEALTH_ANSWER = "hvert andet år"  # in the answer to HEALTH_CHECK


@pytest.fixture
async def bot(aiohttp_client: AiohttpClient, fake_slack: FakeSlack, testbot: MakeBot) -> AsyncIterator[Bot]:
    ctx = slack_context(testbot, fake_slack)
    http = await aiohttp_client(create_app(ctx))
    yield Bot(http, ctx, fake_slack, Signer())
    await http.close()


def storage_errors(text: str) -> float:
    line = next(
        (x for x in text.splitlines() if x.startswith('grundlagbot_errors_total{where="storage"}')), ""
    )
    return float(line.split()[-1]) if line else 0.0


async def metrics(bot: Bot) -> str:
    return await (await bot.http.get("/metrics")).text()


async def fill_the_disk(store: Storage) -> None:
    """The database may not grow by a page more (SQLite's "database or disk is full", as on a full
    file system), and the pages it has are full of answer counts."""

    async def limit(conn: AsyncConnection) -> None:  # on the store's one writer connection
        pages = (await conn.exec_driver_sql("PRAGMA page_count")).scalar()
        await conn.exec_driver_sql(f"PRAGMA max_page_count={pages}")

    await store._write(limit)
    day = date(2000, 1, 1)
    with pytest.raises(StoreError, match="full"):
        for _ in range(10_000):
            await store.record_answer(True, day=day)
            day += timedelta(days=1)


# -- 1: a full disk costs no answer ---------------------------------------------------------------
async def test_on_a_full_disk_questions_are_answered_and_the_failed_writes_counted(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    assert isinstance(bot.ctx.store, Storage)
    await fill_the_disk(bot.ctx.store)
    caplog.set_level(logging.DEBUG)

    assert await bot.slash(HEALTH_CHECK, "full1") == 200
    assert await bot.event(dm(OUT_OF_SCOPE, "Ev0FULL")) == 200
    (answered,) = await bot.reply_to("full1")
    (declined,) = await bot.slack.wait(lambda c: c in bot.slack.posts("D0EMPLOYEE"))
    await bot.ctx.settle()

    assert HEALTH_ANSWER in answered.text()
    assert t("ask.decline") in declined.text() and t("error.apology") not in declined.text()
    assert storage_errors(await metrics(bot)) == 2
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("bot", "handlers")))
    assert "disk is full" in logged
    assert EMPLOYEE not in logged and OUT_OF_SCOPE not in logged and HEALTH_CHECK not in logged


# -- 2: a database locked by another process stalls nothing ---------------------------------------
@pytest.fixture
def locked(bot: Bot) -> Iterator[None]:
    """Another process holds the database's write lock for the test."""
    assert isinstance(bot.ctx.store, Storage)
    other = sqlite3.connect(bot.ctx.store.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    yield
    other.execute("ROLLBACK")
    other.close()


@pytest.mark.usefixtures("locked")
async def test_with_the_database_locked_slash_commands_are_acknowledged_and_answered(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.slash(HEALTH_CHECK, "lock1") == 200
    acknowledged = time.monotonic() - started
    health_started = time.monotonic()
    health = await bot.http.get("/healthz")
    health_seconds = time.monotonic() - health_started
    (reply,) = await bot.reply_to("lock1")
    answered = time.monotonic() - started

    assert acknowledged < 1 and health.status == 200 and health_seconds < 0.5
    assert HEALTH_ANSWER in reply.text() and answered < 2


@pytest.mark.usefixtures("locked")
async def test_with_the_database_locked_events_are_answered_and_health_stays_fast(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.event(dm(HEALTH_CHECK, "Ev0LOCK")) == 200
    acknowledged = time.monotonic() - started
    pings = [time.monotonic()]
    for _ in range(5):
        assert (await bot.http.get("/healthz")).status == 200
        pings.append(time.monotonic())
    (reply,) = await bot.slack.wait(lambda c: c in bot.slack.posts("D0EMPLOYEE"))

    assert acknowledged < 2.5  # the event id check gives up on the database after a second
    assert max(b - a for a, b in itertools.pairwise(pings)) < 0.5
    assert HEALTH_ANSWER in reply.text()


@pytest.mark.usefixtures("locked")
async def test_with_the_database_locked_a_subscription_asks_to_try_again(bot: Bot) -> None:
    assert await bot.slash("abonner Allerød", "lock2") == 200
    (reply,) = await bot.reply_to("lock2")
    assert t("error.storage") in reply.text()
    assert storage_errors(await metrics(bot)) >= 1


# -- 9: Slack retries are answered once, across a restart ------------------------------------------
async def test_a_retry_after_a_restart_is_not_answered_again(
    aiohttp_client: AiohttpClient, fake_slack: FakeSlack, testbot: MakeBot
) -> None:
    data = dm(HEALTH_CHECK, "Ev0RESTART")
    first = slack_context(testbot, fake_slack)
    http = await aiohttp_client(create_app(first))
    assert (await http.post("/slack/events", data=(s := Signer().json(data))[0], headers=s[1])).status == 200
    await fake_slack.wait(lambda c: c in fake_slack.posts("D0EMPLOYEE"))
    await http.close()  # the server stops; its memory of events is gone

    again = slack_context(testbot, fake_slack)  # a new process on the same database
    http = await aiohttp_client(create_app(again))
    body, headers = Signer().json(data, retry=1)
    assert (await http.post("/slack/events", data=body, headers=headers)).status == 200
    await asyncio.sleep(0.5)
    await http.close()
    assert len(fake_slack.posts("D0EMPLOYEE")) == 1


async def test_event_ids_expire_and_are_swept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Storage(tmp_path / "bot.sqlite3")
    assert await store.first_delivery("Ev1") and not await store.first_delivery("Ev1")
    assert await store.first_delivery("Ev2")
    monkeypatch.setattr(storage, "EVENT_TTL", -1)  # every id recorded so far has expired
    monkeypatch.setattr(storage, "SWEEP_EVERY", -1)  # and the next call sweeps
    assert await store.first_delivery("Ev1")  # remembered no longer
    assert await store._all("SELECT event_id FROM slack_events") == [("Ev1",)]
    store.close()


# -- 10 and 19: a bounded reply queue, drained at shutdown -----------------------------------------
class SlowSlack(FakeSlack):
    """A Slack that takes ``delay`` seconds over every reply."""

    delay = 0.5

    async def _api(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay)
        return await super()._api(request)

    async def _response(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay)
        return await super()._response(request)


@pytest.fixture
async def slow_slack(aiohttp_server: AiohttpServer) -> SlowSlack:
    fake = SlowSlack()
    fake.port = (await aiohttp_server(fake.app())).port or 0
    return fake


async def test_at_shutdown_every_acknowledged_question_is_answered(
    aiohttp_client: AiohttpClient, slow_slack: SlowSlack, testbot: MakeBot
) -> None:
    ctx = slack_context(testbot, slow_slack)
    http = await aiohttp_client(create_app(ctx))
    signer = Signer()
    for i in range(4):
        form = payload("slash_command", text=HEALTH_CHECK, response_url=slow_slack.response_url(f"stop{i}"))
        body, headers = signer.form(form)
        assert (await http.post("/slack/events", data=body, headers=headers)).status == 200
    for i in range(8):
        body, headers = signer.json(dm(HEALTH_CHECK, f"Ev0STOP{i}", channel=f"D0STOP{i}"))
        assert (await http.post("/slack/events", data=body, headers=headers)).status == 200

    await http.close()  # the graceful shutdown SIGTERM starts: the answers are sent before it ends

    slashes = [c for c in slow_slack.calls if c.kind == "response_url" and HEALTH_ANSWER in c.text()]
    events = [c for c in slow_slack.calls if c.method == "chat.postMessage" and HEALTH_ANSWER in c.text()]
    assert len(slashes) == 4 and len(events) == 8


async def test_at_shutdown_slash_commands_being_answered_are_finished(
    aiohttp_client: AiohttpClient, slow_slack: SlowSlack, testbot: MakeBot
) -> None:
    http = await aiohttp_client(create_app(slack_context(testbot, slow_slack)))
    form = payload("slash_command", text=HEALTH_CHECK, response_url=slow_slack.response_url("last"))
    body, headers = Signer().form(form)
    assert (await http.post("/slack/events", data=body, headers=headers)).status == 200

    await http.close()  # nothing is queued; the answer is on its way in bolt's task

    assert [c for c in slow_slack.calls if c.kind == "response_url" and HEALTH_ANSWER in c.text()]


async def test_when_the_reply_queue_is_full_the_asker_is_told_to_try_again(
    aiohttp_client: AiohttpClient, slow_slack: SlowSlack, testbot: MakeBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One reply posted at a time to the slow Slack, 4 workers each holding a composed answer for
    # it, 2 waiting in the queue: the other 3 askers are told to try again.
    monkeypatch.setattr(slack_client, "QUEUE_LIMIT", 2)
    monkeypatch.setattr(slack_client, "SENDING", 1)
    ctx = slack_context(testbot, slow_slack)
    http = await aiohttp_client(create_app(ctx))
    signer = Signer()
    for i in range(10):
        text = HEALTH_CHECK if i % 2 else "how often can I get a health check"
        body, headers = signer.json(dm(text, f"Ev0BUSY{i}", channel=f"D0BUSY{i}"))
        assert (await http.post("/slack/events", data=body, headers=headers)).status == 200
    await http.close()

    posts = {c.body["channel"]: c.body["text"] for c in slow_slack.calls if c.method == "chat.postMessage"}
    busy = {
        channel for channel, text in posts.items() if text in (t("error.busy", "da"), t("error.busy", "en"))
    }
    assert len(posts) == 10  # every asker heard back: an answer, or "try again"
    assert 2 <= len(busy) <= 3  # a post that finishes meanwhile frees a place
    english = {f"D0BUSY{i}" for i in range(0, 10, 2)}
    assert all(posts[c] == t("error.busy", "en" if c in english else "da") for c in busy)
    assert f'grundlagbot_busy_total{{platform="slack"}} {len(busy)}.0' in ctx.metrics.render().decode()
