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

from bot import storage
from bot.server import create_app
from bot.storage import Storage
from handlers.services import StoreError
from handlers.texts import t
from tests.aiohttp_types import AiohttpClient
from tests.bot.slack_fakes import FakeSlack, Signer
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
    pages = store._writer.execute("PRAGMA page_count").fetchone()[0]  # the store's writer connection
    store._writer.execute(f"PRAGMA max_page_count={pages}")
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
