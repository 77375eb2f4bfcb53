"""Teams: handler flows through botbuilder's TestAdapter, and the whole HTTP route of
``grundlagbot serve`` (the real ``create_app`` and CloudAdapter) with a fake Bot Connector on
127.0.0.1 receiving the replies."""

from __future__ import annotations

import json
import logging
import struct
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ErrorResponseException

from bot import plain_render, teams, teams_render
from bot.server import create_app
from handlers.context import Context
from handlers.messages import Reply, Source, Suggestion
from handlers.router import COMMANDS, parse
from handlers.settings import TeamsSettings
from handlers.subscriptions import theme_organizations
from handlers.texts import t
from tests.aiohttp_types import AiohttpClient
from tests.bot.teams_fakes import (
    APP_ID,
    BOT_TOKEN,
    CHANNEL_TOKEN,
    Call,
    FakeConnector,
    StubAuthentication,
    activity,
    strings,
)
from tests.handlers.followup_cases import role_pair
from tests.testbot import MakeBot, TestBot

PERSONAL = "a:1personal-conversation-e1"
CHANNEL = "19:hjemmeplejen-general@thread.tacv2"
EMPLOYEE_AAD = "00000000-0000-0000-0000-0000000000e1"
CHAIR_AAD = "00000000-0000-0000-0000-0000000000c1"
TEAMS_APP = Path(teams.__file__).resolve().parent / "teams_app"
AUTHENTICATED = TeamsSettings(app_id=APP_ID, app_password="not-a-real-secret", tenant_id="tenant-1")

Client = TestClient[web.Request, web.Application]


@pytest.fixture
def ctx(testbot: MakeBot) -> Context:
    return testbot().ctx


async def post(client: Client, body: Any, headers: dict[str, str] | None = None) -> int:
    data = body if isinstance(body, bytes) else json.dumps(body)
    response = await client.post(
        "/api/messages", data=data, headers={"Content-Type": "application/json", **(headers or {})}
    )
    return response.status


def card_text(call: Call) -> str:
    return " ".join(strings(call.card))


async def same_as_slack(ctx: Context, text: str) -> Reply:
    """What the Slack path answers to ``text``: the neutral reply of the one dispatcher."""
    return await TestBot(ctx).send(text, user="U0EMPLOYEE", channel="C0GENERAL")


def assert_shows(call: Call, reply: Reply) -> None:
    """The Teams message carries the whole reply: the same text as on Slack, the source and quote,
    whom to contact and the suggestions."""
    if call.card is None:
        assert call.body["text"] == teams_render.plain_text(reply)
        return
    assert call.body["summary"] == teams_render.plain_text(reply)
    shown = card_text(call)
    assert teams_render.neutralise(reply.text) in shown
    if reply.source is not None:
        assert plain_render.source_line(reply.source, reply.language) in shown
        assert teams_render.neutralise(reply.source.quote) in shown
    if reply.contacts is not None:
        assert teams_render.neutralise(reply.contacts.text) in shown
    assert all(teams_render.neutralise(s.title) in shown for s in reply.suggestions)


# -- the HTTP route, local mode (no app id) ---------------------------------------------------------


async def test_personal_chat_gets_the_same_answer_as_slack(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], ctx: Context
) -> None:
    fake, url = connector
    client = await aiohttp_client(create_app(ctx))
    question = activity("message_personal", url)["text"]
    expected = await same_as_slack(ctx, question)
    assert expected.answered and expected.source is not None

    assert await post(client, activity("message_personal", url)) in (200, 201)

    [call] = fake.sent(PERSONAL)
    assert call.card is not None and call.card["version"] == "1.4"
    assert_shows(call, expected)
    assert call.body["replyToId"] == activity("message_personal", url)["id"]
    assert call.body["recipient"]["id"] == "29:1a2b3c-employee-teams-id"
    mapping = await ctx.store.reference(teams.USER_KEY_PREFIX + EMPLOYEE_AAD)  # for direct messages later
    assert mapping is not None and mapping["conversation"]["id"] == PERSONAL
    assert "name" not in mapping["user"]  # the ids address the chat; the name is not kept


async def test_channel_mention_is_removed_before_matching(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], ctx: Context
) -> None:
    fake, url = connector
    client = await aiohttp_client(create_app(ctx))
    body = activity("message_channel_mention", url)
    expected = await same_as_slack(ctx, body["text"].replace("<at>grundlagbot</at>", "").strip())
    assert expected.answered

    assert await post(client, body) in (200, 201)

    [call] = fake.sent(body["conversation"]["id"])  # a reply in the thread of the question
    assert_shows(call, expected)
    assert not any("<at>" in s for s in strings(call.body))


async def test_channel_message_without_a_mention_is_not_answered_but_remembered(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], ctx: Context
) -> None:
    fake, url = connector
    client = await aiohttp_client(create_app(ctx))
    body = activity("message_channel_mention", url, text="hvor tit kan jeg få et sundhedstjek", entities=[])

    assert await post(client, body) in (200, 201)

    assert fake.calls == []
    stored = await ctx.store.reference(CHANNEL)
    assert stored is not None and stored["conversation"]["id"] == CHANNEL
    assert "user" not in stored  # a channel reference keeps no person


async def test_english_question_is_answered_in_english(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], ctx: Context
) -> None:
    fake, url = connector
    client = await aiohttp_client(create_app(ctx))
    question = "who do I contact about bullying?"
    expected = await same_as_slack(ctx, question)
    assert expected.answered and expected.language == "en"

    assert await post(client, activity("message_personal", url, text=question, locale="en-US")) in (200, 201)

    [call] = fake.sent(PERSONAL)
    assert_shows(call, expected)


async def test_out_of_scope_question_is_declined_politely(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], ctx: Context
) -> None:
    fake, url = connector
    client = await aiohttp_client(create_app(ctx))
    question = "hvad er der til frokost i kantinen i dag"
    expected = await same_as_slack(ctx, question)
    assert not expected.answered and expected.source is None

    assert await post(client, activity("message_personal", url, text=question)) in (200, 201)

    [call] = fake.sent(PERSONAL)
    assert_shows(call, expected)
    assert "feedback" not in json.dumps(call.body)  # nothing to vote on


async def test_commands_arrive_as_plain_messages(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], ctx: Context
) -> None:
    fake, url = connector
    client = await aiohttp_client(create_app(ctx))
    expected = await TestBot(ctx).send("hjælp", user=EMPLOYEE_AAD, channel=PERSONAL, platform="teams")

    assert await post(client, activity("message_personal", url, text="hjælp")) in (200, 201)

    [call] = fake.sent(PERSONAL)
    assert call.body["text"] == teams_render.plain_text(expected)
    assert call.body["textFormat"] == "plain"


async def test_channel_subscribes_and_then_gets_proactive_posts_there(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], ctx: Context
) -> None:
    fake, url = connector
    client = await aiohttp_client(create_app(ctx))
    org = theme_organizations(ctx.knowledge.current.kb)[0]  # one with a weekly theme
    body = activity("message_channel_mention", url, text=f"<at>grundlagbot</at> abonner {org}")

    assert await post(client, body) in (200, 201)

    [(platform, channel, subscribed)] = await ctx.store.subscriptions()
    assert (platform, channel) == ("teams", CHANNEL)  # the channel, not the thread of the command
    assert fake.sent(body["conversation"]["id"])  # the confirmation, in the thread
    await ctx.posters[platform].post(channel, Reply(text=f"Ugens tema for {subscribed}"))
    assert fake.sent(CHANNEL)[-1].path == f"/v3/conversations/{CHANNEL}/activities"


async def test_a_mention_in_a_personal_chat_is_removed_too(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], ctx: Context
) -> None:
    fake, url = connector
    client = await aiohttp_client(create_app(ctx))
    mention = activity("message_channel_mention", url)["entities"][:1]
    body = activity("message_personal", url, text="<at>grundlagbot</at> hjælp", entities=mention)
    expected = await TestBot(ctx).send("hjælp", user=EMPLOYEE_AAD, channel=PERSONAL, platform="teams")

    assert await post(client, body) in (200, 201)

    [call] = fake.sent(PERSONAL)
    assert call.body["text"] == teams_render.plain_text(expected)


async def test_conversation_update_stores_a_reference(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], ctx: Context
) -> None:
    fake, url = connector
    client = await aiohttp_client(create_app(ctx))

    assert await post(client, activity("conversation_update", url)) in (200, 201)

    stored = await ctx.store.reference(CHANNEL)
    assert stored is not None
    assert stored["serviceUrl"] == url and stored["bot"]["id"] == "28:bot-app-id"
    assert [key for key, _ in await ctx.store.references("channel")] == [CHANNEL]
    assert fake.calls == []


async def test_proactive_post_after_a_restart(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], testbot: MakeBot
) -> None:
    fake, url = connector
    first = testbot().ctx
    client = await aiohttp_client(create_app(first))
    await post(client, activity("conversation_update", url))
    await post(client, activity("installation_update", url))
    await client.close()  # the server stops; its database is closed

    ctx = testbot().ctx  # a new process on the same database
    create_app(ctx)
    theme = await TestBot(ctx).send("tema", user="scheduler", channel=CHANNEL, platform="teams")
    answer = await same_as_slack(ctx, "hvor tit kan jeg få et sundhedstjek")
    await ctx.posters["teams"].post(CHANNEL, theme)
    await ctx.posters["teams"].direct(CHAIR_AAD, answer)

    [to_channel] = fake.sent(CHANNEL)
    assert teams_render.neutralise(theme.text) in " ".join(strings(to_channel.body))
    assert "replyToId" not in to_channel.body  # a new post, not a reply to some thread
    [to_chair] = fake.sent("a:1personal-conversation-c1")
    assert_shows(to_chair, answer)


async def test_proactive_post_to_an_unknown_conversation_fails_loudly(ctx: Context) -> None:
    create_app(ctx)
    with pytest.raises(LookupError):
        await ctx.posters["teams"].post("19:never-installed@thread.tacv2", Reply(text="x"))
    with pytest.raises(LookupError):
        await ctx.posters["teams"].direct("no-such-user", Reply(text="x"))


async def test_a_failed_proactive_post_reaches_the_caller(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], ctx: Context
) -> None:
    fake, url = connector
    client = await aiohttp_client(create_app(ctx))
    await post(client, activity("conversation_update", url))
    fake.fail_next = [429]
    with pytest.raises(ErrorResponseException) as failure:
        await ctx.posters["teams"].post(CHANNEL, Reply(text="Ugens tema"))
    assert failure.value.response.status_code == 429
    assert len(fake.sent(CHANNEL)) == 1  # the failed attempt; no apology was posted after it


async def test_bot_removed_forgets_the_conversation(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], ctx: Context
) -> None:
    _, url = connector
    client = await aiohttp_client(create_app(ctx))
    await post(client, activity("conversation_update", url))
    removed = activity(
        "conversation_update", url, membersAdded=None, membersRemoved=[{"id": "28:bot-app-id"}]
    )
    await post(client, removed)
    assert await ctx.store.reference(CHANNEL) is None


async def test_malformed_bodies_get_4xx_and_nothing_is_sent(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], ctx: Context
) -> None:
    fake, url = connector
    client = await aiohttp_client(create_app(ctx))
    no_type = activity("message_personal", url)
    del no_type["type"]
    no_service = activity("message_personal", url)
    del no_service["serviceUrl"]
    for body in (
        b"{not json",
        b"\xff\xfe\x00binary",
        b"[1, 2]",
        b'"text"',
        no_type,
        no_service,
        {**activity("message_personal", url), "conversation": "not an object"},
    ):
        assert await post(client, body) == 400, body
    response = await client.post("/api/messages", data="hej", headers={"Content-Type": "text/plain"})
    assert response.status == 415
    assert fake.calls == []
    assert (await client.get("/healthz")).status == 200


@pytest.mark.parametrize(
    "sender",
    [
        {"id": "28:another-bot", "name": "Anden bot", "role": "bot"},
        {"id": "28:bot-app-id", "name": "grundlagbot"},  # itself: from.id is recipient.id
    ],
)
async def test_activities_from_bots_are_not_answered(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], ctx: Context, sender: dict[str, str]
) -> None:
    fake, url = connector
    client = await aiohttp_client(create_app(ctx))
    assert await post(client, activity("message_personal", url, text="hjælp", **{"from": sender})) in (
        200,
        201,
    )
    mentioned = activity("message_channel_mention", url, **{"from": sender})
    assert await post(client, mentioned) in (200, 201)
    assert fake.calls == []
    assert await post(client, activity("message_personal", url, text="hjælp")) in (200, 201)
    assert len(fake.calls) == 1  # a person is answered


async def test_without_an_app_id_replies_go_only_to_this_machine(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], ctx: Context
) -> None:
    fake, url = connector
    client = await aiohttp_client(create_app(ctx))
    for elsewhere in (
        "https://smba.trafficmanager.net/emea/",
        "http://10.0.0.7:3978/",
        "http://evil.example/",
    ):
        assert await post(client, activity("message_personal", elsewhere)) == 403
    assert await ctx.store.references() == []  # not even remembered for later posts
    for here in (url, url.replace("127.0.0.1", "localhost")):
        assert await post(client, activity("message_personal", here, text="hjælp")) in (200, 201)
    assert len(fake.sent(PERSONAL)) == 2


async def test_without_an_app_id_no_one_is_an_admin(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], testbot: MakeBot
) -> None:
    fake, url = connector
    ctx = testbot(admins=frozenset({f"teams:{EMPLOYEE_AAD}"})).ctx  # claimed, and nothing checks it
    client = await aiohttp_client(create_app(ctx))
    assert await post(client, activity("message_personal", url, text="stats")) in (200, 201)
    [call] = fake.sent(PERSONAL)
    assert call.body["text"] == teams_render.plain_text(Reply(t("admin.refused", command="stats")))
    await ctx.settle()  # audit and statistics are written in the background
    assert (await ctx.store.audit_log())[0][1:4] == (f"teams:{EMPLOYEE_AAD}", "stats", "refused")


async def test_an_admin_command_in_a_channel_is_answered_in_the_admins_personal_chat(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], testbot: MakeBot
) -> None:
    fake, url = connector
    ctx = testbot(admins=frozenset({f"teams:{EMPLOYEE_AAD}"}), teams=AUTHENTICATED).ctx
    app = web.Application()
    teams.setup_teams(app, ctx, authentication=StubAuthentication(APP_ID))
    client = await aiohttp_client(app)
    token = {"Authorization": f"Bearer {CHANNEL_TOKEN}"}
    await ctx.store.record_answer(False, "hemmeligt spørgsmål om frokost")
    stats = activity("message_channel_mention", url, text="<at>grundlagbot</at> stats")
    thread = stats["conversation"]["id"]

    assert await post(client, stats, token) in (200, 201)  # no personal chat with the admin yet
    [asked] = fake.sent(thread)
    assert asked.body["text"] == t("teams.use_personal_chat")
    assert await post(client, activity("message_personal", url, text="hjælp"), token) in (200, 201)
    assert await post(client, stats, token) in (200, 201)

    told = fake.sent(thread)[-1]
    assert told.body["text"] == t("teams.sent_privately")
    assert not any("frokost" in s for c in fake.sent(thread) for s in strings(c.body))
    private = fake.sent(PERSONAL)[-1]
    assert "frokost" in " ".join(strings(private.body))
    assert "replyToId" not in private.body  # a new message in the personal chat


async def test_an_exception_in_a_turn_gives_an_apology_not_a_traceback(
    aiohttp_client: AiohttpClient,
    connector: tuple[FakeConnector, str],
    ctx: Context,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake, url = connector
    client = await aiohttp_client(create_app(ctx))
    fake.fail_next = [500]  # the connector fails the answer; the apology gets through
    question = activity("message_personal", url)["text"]

    with caplog.at_level(logging.ERROR, logger="bot.teams"):
        assert await post(client, activity("message_personal", url)) in (200, 201)

    _answer, apology = fake.sent(PERSONAL)
    assert apology.body["text"] == t("error.apology", "da")
    assert "Traceback" not in json.dumps(apology.body)
    [record] = [r for r in caplog.records if r.name == "bot.teams"]
    assert record.exc_info is not None  # the traceback is in the log...
    assert question not in caplog.text and EMPLOYEE_AAD not in caplog.text  # ...with no personal data
    assert ctx.metrics.errors.labels("teams")._value.get() == 1


async def test_suggestion_click_asks_the_suggested_question(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], ctx: Context
) -> None:
    fake, url = connector
    client = await aiohttp_client(create_app(ctx))
    kb = ctx.knowledge.current.kb
    question = next(e.questions_da[0] for e in kb.entries if e.questions_da)
    expected = await same_as_slack(ctx, question)
    click = activity("card_submit", url, value={"grundlagbot": "ask", "question": question})

    assert await post(client, click) in (200, 201)

    [call] = fake.sent(PERSONAL)
    assert_shows(call, expected)


async def test_feedback_click_is_counted_and_thanked(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], ctx: Context
) -> None:
    fake, url = connector
    client = await aiohttp_client(create_app(ctx))
    await post(client, activity("message_personal", url))
    [answer] = fake.sent(PERSONAL)
    votes = [a["data"] for a in answer.card["body"][-1]["actions"]]  # type: ignore[index]
    assert [v["up"] for v in votes] == [True, False]

    assert await post(client, activity("card_submit", url, value=votes[1])) in (200, 201)

    entry_id = votes[1]["entry"]
    await ctx.settle()  # the vote is written after the thanks, in the background
    assert await ctx.store.feedback() == {entry_id: (0, 1)}
    thanks = fake.sent(PERSONAL)[-1]
    assert thanks.body["text"] == t("feedback.thanks_down", "da")


async def test_a_forged_card_value_is_treated_as_an_ordinary_message(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], ctx: Context
) -> None:
    _, url = connector
    client = await aiohttp_client(create_app(ctx))
    forged = activity("card_submit", url, value={"grundlagbot": "feedback", "entry": 7, "up": "yes"})
    assert await post(client, forged) in (200, 201)
    assert await ctx.store.feedback() == {}


async def test_echoed_text_cannot_mention_or_inject_markup(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], ctx: Context
) -> None:
    fake, url = connector
    client = await aiohttp_client(create_app(ctx))
    sneaky = "<at>Alle</at> <b>hej</b> [klik](https://evil.example) hvad er der til frokost"
    assert await post(client, activity("message_personal", url, text=sneaky)) in (200, 201)
    [call] = fake.sent(PERSONAL)
    sent = " ".join(strings(call.body))
    assert "<at>" not in sent and "<b>" not in sent
    assert "entities" not in call.body or not call.body["entities"]  # no mention entity either


# -- authentication --------------------------------------------------------------------------------


async def test_with_an_app_id_an_activity_without_a_token_gets_401(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], testbot: MakeBot
) -> None:
    fake, url = connector
    settings = TeamsSettings(app_id=APP_ID, app_password="not-a-real-secret", tenant_id="tenant-1")
    client = await aiohttp_client(create_app(testbot(teams=settings).ctx))

    assert await post(client, activity("message_personal", url)) == 401
    assert await post(client, activity("message_personal", url), {"Authorization": "Bearer not-a-jwt"}) == 401
    assert await post(client, activity("message_personal", url), {"Authorization": "Basic eA=="}) == 401
    assert fake.calls == []


async def test_with_a_valid_token_the_reply_is_sent_with_the_bots_token(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], testbot: MakeBot
) -> None:
    fake, url = connector
    settings = TeamsSettings(app_id=APP_ID, app_password="not-a-real-secret", tenant_id="tenant-1")
    ctx = testbot(teams=settings).ctx
    app = web.Application()
    teams.setup_teams(app, ctx, authentication=StubAuthentication(APP_ID))
    client = await aiohttp_client(app)

    assert await post(client, activity("message_personal", url), {"Authorization": "Bearer forged"}) == 401
    assert fake.calls == []
    assert await post(
        client, activity("message_personal", url), {"Authorization": f"Bearer {CHANNEL_TOKEN}"}
    ) in (200, 201)

    [call] = fake.sent(PERSONAL)
    assert call.authorization == f"Bearer {BOT_TOKEN}"
    await ctx.posters["teams"].post(PERSONAL, Reply(text="Ugens tema"))  # proactive, with the app id
    assert fake.sent(PERSONAL)[-1].authorization == f"Bearer {BOT_TOKEN}"


# -- handler flows through botbuilder's TestAdapter -----------------------------------------------


def flow_adapter(ctx: Context) -> TestAdapter:
    bot = teams.TeamsBot(ctx)
    adapter = TestAdapter(bot.on_turn)
    adapter.on_turn_error = teams.turn_error_handler(ctx)
    return adapter


def recorded(name: str, **changes: Any) -> Activity:
    return Activity().deserialize(activity(name, "https://test.example/", **changes))


async def test_flow_personal_question_renders_a_card(ctx: Context) -> None:
    adapter = flow_adapter(ctx)
    await adapter.receive_activity(recorded("message_personal"))
    [reply] = adapter.activity_buffer
    expected = await same_as_slack(ctx, recorded("message_personal").text)
    assert reply.summary == teams_render.plain_text(expected)
    assert reply.attachments[0].content == teams_render.card(expected)


async def test_flow_group_chat_answers_only_when_mentioned(ctx: Context) -> None:
    adapter = flow_adapter(ctx)
    group = recorded("message_channel_mention")
    group.conversation.conversation_type = "groupChat"
    group.conversation.id = "19:groupchat-meeting@thread.v2"
    plain = recorded("message_channel_mention", text="hvem kontakter jeg om mobning", entities=[])
    plain.conversation = group.conversation

    await adapter.receive_activity(plain)
    assert adapter.activity_buffer == []
    await adapter.receive_activity(group)
    [reply] = adapter.activity_buffer
    expected = await same_as_slack(ctx, "hvem kontakter jeg om mobning")
    assert reply.summary == teams_render.plain_text(expected)
    assert (await ctx.store.references("groupChat"))[0][0] == "19:groupchat-meeting@thread.v2"


async def test_flow_admin_is_known_by_the_aad_object_id(testbot: MakeBot) -> None:
    admins = frozenset({f"teams:{EMPLOYEE_AAD}"})
    admin_ctx = testbot(db="admin.sqlite3", admins=admins, teams=AUTHENTICATED).ctx
    other_ctx = testbot(db="other.sqlite3", teams=AUTHENTICATED).ctx
    replies = []
    for c in (admin_ctx, other_ctx):
        adapter = flow_adapter(c)
        await adapter.receive_activity(recorded("message_personal", text="hjælp"))
        replies.append(adapter.activity_buffer[0].text)
    assert replies[0] != replies[1] and t("help.admin", "da") in replies[0]


async def test_flow_installation_maps_the_user_to_the_personal_chat(ctx: Context) -> None:
    adapter = flow_adapter(ctx)
    await adapter.receive_activity(recorded("installation_update"))
    stored = await ctx.store.reference(teams.USER_KEY_PREFIX + CHAIR_AAD)
    assert stored is not None and stored["conversation"]["id"] == "a:1personal-conversation-c1"
    assert stored["user"] == {"id": "29:1a2b3c-chair-teams-id", "aadObjectId": CHAIR_AAD}  # no name
    assert adapter.activity_buffer == []
    await adapter.receive_activity(recorded("installation_update", action="remove"))
    assert await ctx.store.reference("a:1personal-conversation-c1") is None
    with pytest.raises(LookupError):  # uninstalled: no more direct messages to that user
        await teams.TeamsAdapter(adapter, ctx, None).direct(CHAIR_AAD, Reply(text="x"))


# -- rendering and the Teams app package ------------------------------------------------------------


def test_card_holds_answer_source_quote_suggestions_and_votes() -> None:
    reply = Reply(
        text="Svar <at>Alle</at> **fed** [link](https://evil.example)",
        source=Source("Allerød Kommune", "Personalepolitik", "Ansvar", "Et <b>citat</b>"),
        suggestions=(Suggestion("Sygefravær", "hvad gør jeg ved sygefravær", "Allerød Kommune", 61.0),),
        entry_id="allerod-ansvar",
    )
    card = teams_render.card(reply)
    blocks = json.dumps(card["body"], ensure_ascii=False)
    assert '"type": "TextBlock"' not in blocks  # only RichTextBlock/TextRun: shown literally
    assert "Allerød Kommune · Personalepolitik · Ansvar" in blocks
    submits = [a["data"] for b in card["body"] if b["type"] == "ActionSet" for a in b["actions"]]
    assert teams_render.parse_action(submits[0]) == teams_render.CardAction(
        "ask", question="hvad gør jeg ved sygefravær"
    )
    assert [teams_render.parse_action(s).up for s in submits[1:]] == [True, False]  # type: ignore[union-attr]
    fallback = teams_render.plain_text(reply)
    assert "<" not in fallback and ">" not in fallback and "Alle" in fallback


def _png_size(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, color = struct.unpack(">IIBB", data[16:26])
    assert (depth, color) == (8, 6)  # 8-bit RGBA
    start = data.index(b"IDAT") - 4
    length = struct.unpack(">I", data[start : start + 4])[0]
    return width, height, zlib.decompress(data[start + 8 : start + 8 + length])


def test_manifest_commands_agree_with_the_router() -> None:
    manifest = json.loads((TEAMS_APP / "manifest.json").read_text(encoding="utf-8"))
    [bot] = manifest["bots"]
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    titles = {c["title"] for lst in bot["commandLists"] for c in lst["commands"]}
    for title in titles:
        command, _ = parse(title)
        assert command is not None, f"manifest command {title!r} is not a chat command"
    for command in COMMANDS.values():
        assert titles & set(command.words), f"chat command {command.name!r} is missing from the manifest"
    assert all(len(lst["commands"]) <= 10 for lst in bot["commandLists"])  # Teams' limit
    assert bot["botId"] == manifest["id"] == "{{MICROSOFT_APP_ID}}"
    assert float(manifest["manifestVersion"]) >= 1.17


def test_manifest_icons_are_real_pngs_of_the_required_sizes() -> None:
    width, height, _ = _png_size(TEAMS_APP / "color.png")
    assert (width, height) == (192, 192)
    width, height, raw = _png_size(TEAMS_APP / "outline.png")
    assert (width, height) == (32, 32)
    pixels = [raw[y * 129 + 1 + x * 4 : y * 129 + 5 + x * 4] for y in range(32) for x in range(32)]
    assert {p for p in pixels if p[3]} == {b"\xff\xff\xff\xff"}  # white outline...
    assert any(p[3] == 0 for p in pixels)  # ...on transparency


# -- follow-ups in a conversation -------------------------------------------------------------------


def voted_entry(call: Call) -> str | None:
    """The entry an answer's 👍/👎 buttons name; None for a reply without them (a decline)."""
    for data in (a.get("data") for a in _actions(call.card or {})):
        if isinstance(data, dict) and data.get("grundlagbot") == "feedback":
            return str(data["entry"])
    return None


def _actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for item in card.get("body", []) if item.get("type") == "ActionSet" for a in item["actions"]]


async def test_in_a_conversation_a_follow_up_continues_the_previous_answer(
    aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str], ctx: Context
) -> None:
    fake, url = connector
    now = [datetime(2025, 3, 3, 9, 0, tzinfo=UTC)]
    ctx.clock = lambda: now[0]
    client = await aiohttp_client(create_app(ctx))
    pair = role_pair(ctx.knowledge.current)

    async def say(text: str, name: str = "message_personal", **changes: Any) -> Call:
        conversation = changes.get("conversation") or activity(name, url)["conversation"]
        before = len(fake.sent(conversation["id"]))
        assert await post(client, activity(name, url, text=text, **changes)) in (200, 201)
        sent = fake.sent(conversation["id"])
        assert len(sent) == before + 1
        return sent[-1]

    assert voted_entry(await say(pair["leaders"].questions_da[0])) == pair["leaders"].id
    employees = await say("og for medarbejderne?")
    entry = pair["employees"]
    assert voted_entry(employees) == entry.id
    assert f"{entry.organization} · {entry.document} · {entry.section}" in card_text(employees)
    more = await say("tell me more")
    assert voted_entry(more) == entry.id and t("followup.continued", "en") in card_text(more)
    assert teams_render.neutralise(entry.quote) in card_text(more)

    # A thread in a channel is another conversation, with no previous answer.
    thread = {**activity("message_channel_mention", url)["conversation"]}
    thread["id"] = thread["id"].replace("1763888700555", "1763888799999")
    elsewhere = await say(
        "<at>grundlagbot</at> og for medarbejderne?", "message_channel_mention", conversation=thread
    )
    assert voted_entry(elsewhere) is None

    now[0] += timedelta(minutes=10)
    assert voted_entry(await say("uddyb")) is None  # ten minutes on, the answer is forgotten
