"""Many Slack workspaces through OAuth: an install completed on one replica is used by another
(two servers on one database, SQLite and PostgreSQL), each workspace's reply goes out with its own
bot token, an Enterprise Grid org-wide install answers its workspaces, and a state this deployment
did not sign is refused. Slack is the fake Web API on 127.0.0.1, answering ``oauth.v2.access``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aiohttp import web

from bot.server import CONTEXT, create_app
from handlers.messages import Reply
from handlers.settings import SlackOAuth, SlackSettings
from tests.aiohttp_types import AiohttpClient, AiohttpServer, TestClient
from tests.bot.slack_fakes import SECRET, FakeSlack, Signer, payload
from tests.bot.test_slack import HEALTH_CHECK, dm
from tests.testbot import MakeBot

Client = TestClient[web.Request, web.Application]
OAUTH = SlackOAuth("111.222", "client-secret", "state-secret")


class InstallingSlack(FakeSlack):
    """A fake Slack whose ``oauth.v2.access`` installs the code's workspace (``T…``) or, for a code
    ``E…``, an Enterprise Grid organisation org-wide."""

    # a channel of one workspace: the others' bots cannot see it
    channels: ClassVar[dict[str, str]] = {"C0SOUTH": "Bearer xoxb-T0SOUTH"}

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        owner = self.channels.get(str(body.get("channel")))
        if owner and body.get("_auth") != owner:
            return {"ok": False, "error": "channel_not_found"}
        if method != "oauth.v2.access":
            return super()._answer(method, body)
        code = str(body.get("code"))
        org_wide = code.startswith("E")
        return {
            "ok": True,
            "app_id": "A0TEST",
            "authed_user": {"id": "U0INSTALLER"},
            "scope": "chat:write,commands",
            "token_type": "bot",
            "access_token": f"xoxb-{code}",
            "bot_user_id": "UBOT",
            "team": None if org_wide else {"id": code, "name": code},
            "enterprise": {"id": code, "name": code} if org_wide else None,
            "is_enterprise_install": org_wide,
        }


@pytest.fixture
async def slack(aiohttp_server: AiohttpServer) -> InstallingSlack:
    fake = InstallingSlack()
    fake.port = int((await aiohttp_server(fake.app())).port or 0)
    return fake


async def replica(
    testbot: MakeBot, aiohttp_client: AiohttpClient, slack: FakeSlack, database: Path | str, name: str
) -> Client:
    where: dict[str, Any] = {"db_url": database} if isinstance(database, str) else {"db": database.name}
    settings = SlackSettings(None, SECRET, api_url=slack.api_url, oauth=OAUTH)
    ctx = testbot(slack=settings, **where).ctx
    return await aiohttp_client(create_app(ctx))


async def install(start: Client, finish: Client, code: str) -> int:
    """Start an install on one replica, complete Slack's redirect on another; the redirect's status."""
    page = await start.get("/slack/install")
    assert page.status == 200
    cookie = page.headers["Set-Cookie"]
    state = re.search(r"slack-app-oauth-state=([^;]+)", cookie)
    assert state and state.group(1) in await page.text()
    redirect = await finish.get(
        "/slack/oauth_redirect",
        params={"code": code, "state": state.group(1)},
        headers={"Cookie": f"slack-app-oauth-state={state.group(1)}"},
    )
    return redirect.status


async def send(http: Client, data: dict[str, Any]) -> None:
    body, headers = Signer().json(data)
    assert (await http.post("/slack/events", data=body, headers=headers)).status == 200


def in_workspace(data: dict[str, Any], team: str, enterprise: str | None = None) -> dict[str, Any]:
    data["team_id"] = data["event"]["team"] = team
    data["enterprise_id"] = enterprise
    data["authorizations"] = [
        {"enterprise_id": enterprise, "team_id": team, "user_id": "UBOT", "is_bot": True,
         "is_enterprise_install": enterprise is not None}
    ]  # fmt: skip
    return data


async def test_an_install_on_one_replica_answers_on_the_other(
    testbot: MakeBot, aiohttp_client: AiohttpClient, slack: InstallingSlack, database: Path | str
) -> None:
    a = await replica(testbot, aiohttp_client, slack, database, "a")
    b = await replica(testbot, aiohttp_client, slack, database, "b")
    assert await install(a, b, "T0NORTH") == 200
    assert await install(b, a, "T0SOUTH") == 200

    await send(a, in_workspace(dm(HEALTH_CHECK, "Ev0NORTH"), "T0NORTH"))
    await send(b, in_workspace(dm(HEALTH_CHECK, "Ev0SOUTH", channel="D0SOUTH"), "T0SOUTH"))
    (north,) = await slack.wait(lambda c: c in slack.posts("D0EMPLOYEE"))
    (south,) = await slack.wait(lambda c: c in slack.posts("D0SOUTH"))
    assert north.body["_auth"] == "Bearer xoxb-T0NORTH" and south.body["_auth"] == "Bearer xoxb-T0SOUTH"

    # The scheduler posts to a channel with the token of the workspace that has it.
    poster = a.app[CONTEXT].posters["slack"]
    assert await poster.post("C0SOUTH", Reply(text="Ugens tema")) is not None
    posted = [c for c in slack.posts("C0SOUTH") if "Ugens tema" in c.text()]
    assert [c.body["_auth"] for c in posted] == ["Bearer xoxb-T0SOUTH"]


async def test_an_org_wide_install_answers_its_workspaces(
    testbot: MakeBot, aiohttp_client: AiohttpClient, slack: InstallingSlack, tmp_path: Path
) -> None:
    a = await replica(testbot, aiohttp_client, slack, tmp_path / "bot.sqlite3", "a")
    assert await install(a, a, "E0GRID") == 200
    await send(a, in_workspace(dm(HEALTH_CHECK, "Ev0GRID"), "T0ANYWHERE", enterprise="E0GRID"))
    (reply,) = await slack.wait(lambda c: c in slack.posts("D0EMPLOYEE"))
    assert reply.body["_auth"] == "Bearer xoxb-E0GRID"


async def test_a_state_this_deployment_did_not_sign_is_refused(
    testbot: MakeBot, aiohttp_client: AiohttpClient, slack: InstallingSlack, tmp_path: Path
) -> None:
    a = await replica(testbot, aiohttp_client, slack, tmp_path / "bot.sqlite3", "a")
    forged = "0123456789abcdef.deadbeef"
    redirect = await a.get(
        "/slack/oauth_redirect",
        params={"code": "T0EVIL", "state": forged},
        headers={"Cookie": f"slack-app-oauth-state={forged}"},
    )
    assert redirect.status >= 400
    assert not [c for c in slack.calls if c.method == "oauth.v2.access"]


@pytest.mark.parametrize("event", ["app_uninstalled", "tokens_revoked"])
async def test_a_workspace_that_removes_the_app_is_answered_no_more(
    testbot: MakeBot, aiohttp_client: AiohttpClient, slack: InstallingSlack, tmp_path: Path, event: str
) -> None:
    a = await replica(testbot, aiohttp_client, slack, tmp_path / "bot.sqlite3", "a")
    assert await install(a, a, "T0NORTH") == 200
    assert await install(a, a, "T0SOUTH") == 200
    await send(a, in_workspace(dm(HEALTH_CHECK, "Ev0BEFORE"), "T0NORTH"))
    await slack.wait(lambda c: c in slack.posts("D0EMPLOYEE"))

    removed = payload(event, team_id="T0NORTH", event_id="Ev0REMOVED")
    await send(a, removed)
    installations = a.app[CONTEXT].posters["slack"].clients.installations
    assert await installations.async_find_bot(enterprise_id=None, team_id="T0NORTH") is None
    assert await installations.async_find_bot(enterprise_id=None, team_id="T0SOUTH") is not None

    # The removed workspace's message gets no reply; the other workspace's still does.
    await send(a, in_workspace(dm(HEALTH_CHECK, "Ev0AFTER"), "T0NORTH"))
    await send(a, in_workspace(dm(HEALTH_CHECK, "Ev0SOUTH", channel="D0SOUTH"), "T0SOUTH"))
    (south,) = await slack.wait(lambda c: c in slack.posts("D0SOUTH"))
    assert south.body["_auth"] == "Bearer xoxb-T0SOUTH"
    assert len(slack.posts("D0EMPLOYEE")) == 1
