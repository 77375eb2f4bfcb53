"""Fixtures of the scheduler tests: the fakes of what lies outside the machine."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.bot.slack_fakes import FakeSlack
from tests.bot.teams_fakes import FakeConnector

AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]


@pytest.fixture
async def fake_slack(aiohttp_server: AiohttpServer) -> FakeSlack:
    fake = FakeSlack()
    fake.port = (await aiohttp_server(fake.app())).port
    return fake


@pytest.fixture
async def connector(aiohttp_server: AiohttpServer) -> AsyncIterator[tuple[FakeConnector, str]]:
    fake = FakeConnector()
    server = await aiohttp_server(fake.app)
    yield fake, str(server.make_url("/"))
