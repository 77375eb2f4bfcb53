"""Fixtures shared by every package's tests: the fakes of what lies outside the machine, each a
real aiohttp server on 127.0.0.1 (a Slack Web API, a Bot Framework Connector)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.aiohttp_types import AiohttpServer
from tests.bot.slack_fakes import FakeSlack
from tests.bot.teams_fakes import FakeConnector


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
