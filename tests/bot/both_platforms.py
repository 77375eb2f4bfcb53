"""``grundlagbot serve``'s app with Slack and Teams both on, against a fake Slack and a fake Bot
Connector on 127.0.0.1: what the admin tests drive through the HTTP routes."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.server import create_app
from handlers.context import Context
from handlers.settings import SlackSettings, TeamsSettings
from knowledge.service import KnowledgeService
from tests.aiohttp_types import AiohttpClient, AiohttpServer
from tests.bot.slack_fakes import SECRET, FakeSlack
from tests.bot.teams_fakes import APP_ID, FakeConnector, StubAuthentication
from tests.testbot import MakeBot

ADMIN = "U0ADMIN"
TEAMS_ADMIN = "00000000-0000-0000-0000-0000000000ad"


@dataclass
class Platforms:
    http: TestClient[web.Request, web.Application]
    ctx: Context
    slack: FakeSlack
    teams: FakeConnector
    teams_url: str


async def serve_both(
    aiohttp_client: AiohttpClient,
    aiohttp_server: AiohttpServer,
    testbot: MakeBot,
    knowledge: KnowledgeService,
) -> Platforms:
    """The server on ``knowledge``, with one Slack and one Teams admin (:data:`ADMIN`,
    :data:`TEAMS_ADMIN`) and Teams behind an app id, so admin rights need a token (the stub stands
    in for Microsoft's check)."""
    fake_slack = FakeSlack()
    fake_slack.port = int((await aiohttp_server(fake_slack.app())).port or 0)
    connector = FakeConnector()
    teams_url = str((await aiohttp_server(connector.app)).make_url("/"))
    ctx = testbot(
        knowledge,
        slack=SlackSettings("xoxb-test-token", SECRET, api_url=fake_slack.api_url),
        admins=frozenset({f"slack:{ADMIN}", f"teams:{TEAMS_ADMIN}"}),
        teams=TeamsSettings(app_id=APP_ID, app_password="not-a-real-secret", tenant_id="tenant-1"),
    ).ctx
    client = await aiohttp_client(create_app(ctx, teams_authentication=StubAuthentication(APP_ID)))
    return Platforms(client, ctx, fake_slack, connector, teams_url)
