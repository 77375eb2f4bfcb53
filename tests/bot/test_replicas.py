"""Replicas on one PostgreSQL database (a throwaway cluster, tests/postgres.py): one of them runs
the scheduler and another takes over when it dies; a reload on one reaches the others, and a
replica whose files differ says so in /healthz and /metrics."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.server import create_app
from handlers.admin import run_reload
from handlers.replicas import content_version, follow_once, in_sync, publish
from scheduler.service import SchedulerService
from tests.aiohttp_types import AiohttpClient
from tests.knowledge.edits import copy_knowledge, document_files, organizations_with_one_file, serving
from tests.postgres import Cluster
from tests.testbot import MakeBot


async def until(condition: object, seconds: float = 5.0) -> bool:
    for _ in range(int(seconds / 0.05)):
        if callable(condition) and condition():
            return True
        await asyncio.sleep(0.05)
    return False


async def test_one_replica_runs_the_scheduler_and_another_takes_over(
    postgres: Cluster, testbot: MakeBot
) -> None:
    url = postgres.database()
    a, b = (SchedulerService(testbot(db_url=url, db=f"{n}.sqlite3").ctx) for n in "ab")
    leading_a = asyncio.create_task(a.lead(every=0.05))
    assert await until(lambda: a.running)
    leading_b = asyncio.create_task(b.lead(every=0.05))
    await asyncio.sleep(0.3)
    assert a.running and not b.running

    leading_a.cancel()  # the leader dies: its scheduler stops, its session (and lock) ends
    await a.stop()
    a.ctx.store.close()
    assert await until(lambda: b.running)
    leading_b.cancel()
    await b.stop()


async def test_a_reload_on_one_replica_reaches_the_other(
    postgres: Cluster, testbot: MakeBot, tmp_path: Path
) -> None:
    url = postgres.database()
    kdir = copy_knowledge(tmp_path)
    a = testbot(serving(kdir), db_url=url, db="a.sqlite3").ctx
    b = testbot(serving(kdir), db_url=url, db="b.sqlite3").ctx
    await publish(a)
    await follow_once(b)
    assert in_sync(b) and b.published_knowledge == content_version(a.knowledge.current.version)

    document_files(kdir)[organizations_with_one_file(kdir)[0]].unlink()
    report = await run_reload(a, "slack:U0ADMIN")
    assert report.ok and content_version(report.version) != content_version(report.previous_version)
    await follow_once(b)
    assert content_version(b.knowledge.current.version) == content_version(a.knowledge.current.version)
    assert len(b.knowledge.current.kb.entries) == len(a.knowledge.current.kb.entries) and in_sync(b)


async def test_a_replica_whose_files_differ_says_so(
    postgres: Cluster, testbot: MakeBot, tmp_path: Path, aiohttp_client: AiohttpClient
) -> None:
    url = postgres.database()
    good, bad = copy_knowledge(tmp_path / "good"), copy_knowledge(tmp_path / "bad")
    document_files(bad)[organizations_with_one_file(bad)[-1]].unlink()  # a deploy with a file missing
    a = testbot(serving(good), db_url=url, db="a.sqlite3").ctx
    b = testbot(serving(bad), db_url=url, db="b.sqlite3").ctx
    assert (await b.reloader.reload()).ok  # b serves its files
    http = await aiohttp_client(create_app(b))  # b starts first, and publishes its version
    await publish(a)  # then a starts, or reloads: the newest wins
    await follow_once(b)  # b reloads its files, which give another version

    health = await (await http.get("/healthz")).json()
    assert health["knowledge"]["in_sync"] is False
    assert health["knowledge"]["published"] == content_version(a.knowledge.current.version)
    assert "grundlagbot_knowledge_in_sync 0.0" in await (await http.get("/metrics")).text()
