"""Several municipalities in one deployment, end to end: two Slack workspaces and two Teams tenants
mapped to their organisations in the settings (app.yaml's ``slack:`` and ``teams:`` under an
organisation), the same unnamed question answered from each asker's own documents, and a question
naming another organisation answered from that one, through the real HTTP routes."""

from __future__ import annotations

from typing import Any

from bot import slack
from bot.server import create_app
from bot.slack_render import escape
from handlers.settings import SlackSettings, Sources
from handlers.texts import t
from tests.aiohttp_types import AiohttpClient
from tests.bot.slack_fakes import SECRET, FakeSlack, Signer, payload
from tests.bot.teams_fakes import FakeConnector, activity, strings
from tests.testbot import MakeBot

LYNGBY, GENTOFTE, ALBERTSLUND = "Lyngby-Taarbæk Kommune", "Gentofte Kommune", "Albertslund Kommune"
SOURCES = Sources(
    slack_workspaces={"T0LYNGBY": LYNGBY, "T0ALBERTSLUND": ALBERTSLUND},
    teams_tenants={"tenant-lyngby": LYNGBY, "tenant-gentofte": GENTOFTE},
)
UNNAMED = "hvordan lærer vi af vores fejl?"  # every one of the three foundations speaks of it
NAMING = "hvordan lærer man af fejl i Gentofte?"


def shown_source(text: str, organization: str) -> bool:
    return escape(organization) in text or organization in text


def dm_from(team: str, text: str, event_id: str, channel: str) -> dict[str, Any]:
    data = payload("message_im", event_id=event_id, team_id=team)
    data["event"] |= {"text": text, "channel": channel, "ts": "1700000000.000100"}
    return data


async def test_slack_workspaces_are_answered_from_their_own_organisations_documents(
    aiohttp_client: AiohttpClient, fake_slack: FakeSlack, testbot: MakeBot
) -> None:
    settings = SlackSettings("xoxb-test-token", SECRET, api_url=fake_slack.api_url)
    ctx = testbot(slack=settings, sources=SOURCES).ctx
    http = await aiohttp_client(create_app(ctx))
    signer = Signer()
    for i, team in enumerate(("T0LYNGBY", "T0ALBERTSLUND")):
        body, headers = signer.json(dm_from(team, UNNAMED, f"Ev0ORG{i}", f"D0{team}"))
        assert (await http.post(slack.ROUTE, data=body, headers=headers)).status == 200
    naming = signer.json(dm_from("T0LYNGBY", NAMING, "Ev0ORG9", "D0NAMING"))
    assert (await http.post(slack.ROUTE, data=naming[0], headers=naming[1])).status == 200
    posts = await fake_slack.wait(lambda c: c.method == "chat.postMessage", count=3)
    await http.close()

    by_channel = {c.body["channel"]: c for c in posts}
    lyngby, albertslund = by_channel["D0T0LYNGBY"], by_channel["D0T0ALBERTSLUND"]
    assert shown_source(lyngby.text(), LYNGBY) and not shown_source(lyngby.text(), ALBERTSLUND)
    assert shown_source(albertslund.text(), ALBERTSLUND) and not shown_source(albertslund.text(), LYNGBY)
    named = by_channel["D0NAMING"]
    assert escape(t("ask.other_organization", organization=GENTOFTE)) in named.text()


async def test_teams_tenants_are_answered_from_their_own_organisations_documents(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], testbot: MakeBot
) -> None:
    fake, url = connector
    http = await aiohttp_client(create_app(testbot(sources=SOURCES).ctx))
    asked = {"tenant-lyngby": "a:lyngby-chat", "tenant-gentofte": "a:gentofte-chat"}
    for tenant, conversation in asked.items():
        body = activity("message_personal", url, text=UNNAMED, channelData={"tenant": {"id": tenant}})
        body["conversation"] = body["conversation"] | {"id": conversation, "tenantId": tenant}
        response = await http.post("/api/messages", json=body)
        assert response.status in (200, 201)
    body = activity("message_personal", url, text=NAMING, channelData={"tenant": {"id": "tenant-lyngby"}})
    body["conversation"] = body["conversation"] | {"id": "a:lyngby-named", "tenantId": "tenant-lyngby"}
    assert (await http.post("/api/messages", json=body)).status in (200, 201)
    await http.close()

    [lyngby] = fake.sent("a:lyngby-chat")
    [gentofte] = fake.sent("a:gentofte-chat")
    [named] = fake.sent("a:lyngby-named")
    seen = {
        name: " ".join(strings(call.body)) for name, call in (("l", lyngby), ("g", gentofte), ("n", named))
    }
    assert LYNGBY in seen["l"] and GENTOFTE not in seen["l"]
    assert GENTOFTE in seen["g"] and LYNGBY not in seen["g"]
    assert t("ask.other_organization", organization=GENTOFTE) in seen["n"]
