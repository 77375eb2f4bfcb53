"""Fixtures shared by every package's tests: the bot under test (``testbot``), and the fakes of
what lies outside the machine, each a real aiohttp server on 127.0.0.1 (a Slack Web API, a Bot
Framework Connector)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from knowledge.service import KnowledgeService
from tests.aiohttp_types import AiohttpServer
from tests.bot.slack_fakes import FakeSlack
from tests.bot.teams_fakes import FakeConnector
from tests.postgres import REQUIRE, Cluster, NoPostgres, cluster
from tests.testbot import MakeBot, TestBot, build_bot


@pytest.fixture
def testbot(tmp_path: Path) -> Iterator[MakeBot]:
    """Makes the bot under test: ``testbot()`` on the packaged knowledge, ``testbot(knowledge,
    admins=…, clock=…)`` on other knowledge or settings; each has its own database in ``tmp_path``
    (``db`` names it) and is closed after the test. ``bot.send(text, …)`` returns the reply."""
    made: list[TestBot] = []

    def make(
        knowledge: KnowledgeService | None = None, *, db: str = "bot.sqlite3", **settings: Any
    ) -> TestBot:
        made.append(build_bot(tmp_path / db, knowledge, **settings))
        return made[-1]

    yield make
    for bot in made:
        bot.close()


@pytest.fixture
async def fake_slack(aiohttp_server: AiohttpServer) -> FakeSlack:
    fake = FakeSlack()
    server = await aiohttp_server(fake.app())
    assert server.port is not None
    fake.port = server.port
    return fake


@pytest.fixture
async def connector(aiohttp_server: AiohttpServer) -> AsyncIterator[tuple[FakeConnector, str]]:
    """The fake connector and its base URL: the ``serviceUrl`` of the activities a test sends."""
    fake = FakeConnector()
    server = await aiohttp_server(fake.app)
    yield fake, str(server.make_url("/"))


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """A throwaway PostgreSQL cluster for the whole run (tests/postgres.py). Without the server
    binaries it skips, with the reason; in CI (``GRUNDLAGBOT_REQUIRE_POSTGRES``) it fails."""
    try:
        with cluster() as running:
            yield running
    except NoPostgres as exc:
        if os.environ.get(REQUIRE):
            pytest.fail(f"PostgreSQL is required here ({REQUIRE}) but: {exc}")
        pytest.skip(f"no PostgreSQL to test against: {exc}")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """A new empty database on each back end in turn: a SQLite path, a PostgreSQL URL."""
    if request.param == "sqlite":
        return tmp_path / "bot.sqlite3"
    running: Cluster = request.getfixturevalue("postgres")
    return running.database()
