"""Teams tokens through the whole route: botbuilder's real token check against signing keys served
on 127.0.0.1 (:class:`~tests.bot.teams_fakes.FakeKeys`), replies at the fake Bot Connector."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from bot import teams_auth
from bot.server import create_app
from handlers.settings import SlackSettings, TeamsSettings
from tests.aiohttp_types import AiohttpClient
from tests.bot.slack_fakes import SECRET, FakeSlack, Signer, payload
from tests.bot.teams_fakes import APP_ID, FakeConnector, FakeKeys, activity, real_authentication
from tests.bot.test_teams import PERSONAL, Client, post
from tests.testbot import MakeBot

AUTHENTICATED = TeamsSettings(app_id=APP_ID, app_password="not-a-real-secret", tenant_id="tenant-1")


@pytest.fixture
def keys() -> Iterator[FakeKeys]:
    fake = FakeKeys()
    yield fake
    fake.close()


async def serve(
    aiohttp_client: AiohttpClient, testbot: MakeBot, keys: FakeKeys, **settings: object
) -> Client:
    ctx = testbot(teams=AUTHENTICATED, **settings).ctx
    return await aiohttp_client(create_app(ctx, teams_authentication=real_authentication(keys)))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_deeply_nested_body_gets_400_before_authentication(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], testbot: MakeBot
) -> None:
    fake, _ = connector
    nested = b"[" * 100_000 + b"]" * 100_000
    for teams_settings in (TeamsSettings(), AUTHENTICATED):
        client = await aiohttp_client(create_app(testbot(teams=teams_settings).ctx))
        assert await post(client, nested) == 400
        assert await post(client, b'{"type": "message", "value": ' + nested + b"}") == 400
    assert fake.calls == []


async def test_a_valid_token_is_accepted_and_the_keys_are_fetched_once(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], testbot: MakeBot, keys: FakeKeys
) -> None:
    fake, url = connector
    client = await serve(aiohttp_client, testbot, keys)
    for _ in range(2):
        assert await post(client, activity("message_personal", url), bearer(keys.token(url))) in (200, 201)
    assert len(fake.sent(PERSONAL)) == 2
    assert keys.fetches == 1  # cached: Microsoft's keys are fetched once a day, not per request


@pytest.mark.parametrize(
    "forgery", ["unknown key", "no key id", "alg none", "HS256 with the public key", "foreign channel"]
)
async def test_a_forged_token_gets_401_and_no_traceback(
    aiohttp_client: AiohttpClient,
    connector: tuple[FakeConnector, str],
    testbot: MakeBot,
    keys: FakeKeys,
    caplog: pytest.LogCaptureFixture,
    forgery: str,
) -> None:
    fake, url = connector
    client = await serve(aiohttp_client, testbot, keys)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    body = activity("message_personal", url)
    token = {
        "unknown key": lambda: keys.token(url, kid="key-2", key=other_key),
        "no key id": lambda: keys.token(url, kid=None),
        "alg none": lambda: keys.unsigned_token(url),
        "HS256 with the public key": lambda: keys.hmac_token(url),
        "foreign channel": lambda: keys.token(url),  # a key endorsed for msteams only
    }[forgery]()
    if forgery == "foreign channel":
        body["channelId"] = "webchat"

    with caplog.at_level(logging.DEBUG):
        assert await post(client, body, bearer(token)) == 401

    assert fake.calls == []
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_a_hanging_key_endpoint_stalls_neither_health_checks_nor_slack(
    aiohttp_client: AiohttpClient,
    connector: tuple[FakeConnector, str],
    fake_slack: FakeSlack,
    testbot: MakeBot,
    keys: FakeKeys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, url = connector
    keys.delay = 4.0
    monkeypatch.setattr(teams_auth, "FETCH_TIMEOUT", 1.5)
    slack = SlackSettings("xoxb-test-token", SECRET, api_url=fake_slack.api_url)
    client = await serve(aiohttp_client, testbot, keys, slack=slack)
    started = time.monotonic()
    waiting = asyncio.ensure_future(post(client, activity("message_personal", url), bearer(keys.token(url))))
    await asyncio.sleep(0.3)

    before = time.monotonic()
    assert (await client.get("/healthz")).status == 200
    form = payload("slash_command", text="hjælp", response_url=fake_slack.response_url("h"))
    slash = await client.post("/slack/events", data=(signed := Signer().form(form))[0], headers=signed[1])
    assert slash.status == 200
    assert time.monotonic() - before < 1.0

    assert await waiting == 503  # the keys could not be had in time: Teams tries again later
    assert time.monotonic() - started < 3.5
    before = time.monotonic()
    assert await post(client, activity("message_personal", url), bearer(keys.token(url))) == 503
    assert time.monotonic() - before < 1.0 and keys.fetches == 1  # the failure is remembered
