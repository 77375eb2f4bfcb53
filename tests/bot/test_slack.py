"""Slack end to end: signed requests to the real ``create_app`` (slack-bolt included), replies
read at a fake Slack Web API on 127.0.0.1 (``SLACK_API_URL`` and ``response_url`` point at it)."""

from __future__ import annotations

import ast
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient
from slack_sdk.web.async_client import AsyncWebClient

from bot import plain_render, slack
from bot.server import create_app
from bot.slack_client import SeenEvents
from bot.slack_render import FEEDBACK_DOWN, FEEDBACK_UP, SHARE_ACTION, SUGGEST_ACTION, escape, render
from handlers.ask import answer, source_of
from handlers.context import Context
from handlers.messages import Reply, Source, Suggestion
from handlers.settings import SlackSettings
from handlers.texts import t
from knowledge.model import Entry
from tests.aiohttp_types import AiohttpClient
from tests.bot.slack_fakes import BOT_ID, BOT_USER, SECRET, Call, FakeSlack, Signer, payload
from tests.handlers.followup_cases import asked_elsewhere, role_pair, short_name
from tests.testbot import MakeBot

MANIFEST = Path(slack.__file__).resolve().parent / "slack_manifest.yaml"
EMPLOYEE = "U0EMPLOYEE"
BULLYING = "hvem kontakter jeg om mobning?"
HEALTH_CHECK = "hvor tit kan jeg få et sundhedstjek"


@dataclass
class Bot:
    """The running server, the fake Slack and a signer: what a test talks to."""

    http: TestClient[web.Request, web.Application]
    ctx: Context
    slack: FakeSlack
    signer: Signer

    async def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        response = await self.http.post(slack.ROUTE, data=body, headers=headers)
        return response.status, await response.text()

    async def event(self, data: dict[str, Any], **kw: Any) -> int:
        return (await self.post(*self.signer.json(data, **kw)))[0]

    async def slash(self, text: str, rid: str, user: str = EMPLOYEE) -> int:
        form = payload("slash_command", text=text, user_id=user, response_url=self.slack.response_url(rid))
        return (await self.post(*self.signer.form(form)))[0]

    async def click(self, action_id: str, value: str, rid: str, **changes: Any) -> int:
        data = payload("block_actions", response_url=self.slack.response_url(rid), **changes)
        data["actions"][0] |= {"action_id": action_id, "value": value}
        return (await self.post(*self.signer.interaction(data)))[0]

    async def reply_to(self, rid: str, count: int = 1) -> list[Call]:
        return await self.slack.wait(lambda c: c.kind == "response_url" and c.method == rid, count=count)

    def entry(self, entry_id: str) -> Entry:
        found = self.ctx.knowledge.current.kb.entry(entry_id)
        assert found is not None
        return found


def dm(text: str, event_id: str, **event: Any) -> dict[str, Any]:
    data = payload("message_im", event_id=event_id)
    data["event"] |= {"text": text, "ts": f"{time.time():.6f}", **event}
    return data


def mention(text: str, event_id: str, **event: Any) -> dict[str, Any]:
    data = payload("app_mention", event_id=event_id)
    data["event"] |= {"text": f"<@{BOT_USER}> {text}", **event}
    return data


def feedback_ids(call: Call) -> set[str]:
    return {
        e["value"]
        for b in call.body.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] in (FEEDBACK_UP, FEEDBACK_DOWN)
    }


def action_ids(call: Call) -> set[str]:
    return {
        e["action_id"] for b in call.body.get("blocks", []) if b["type"] == "actions" for e in b["elements"]
    }


def slack_context(testbot: MakeBot, fake: FakeSlack, app_token: str | None = None) -> Context:
    """The bot under test with Slack on, its Web API at ``fake``."""
    slack_settings = SlackSettings("xoxb-test-token", SECRET, app_token=app_token, api_url=fake.api_url)
    return testbot(slack=slack_settings, admins=frozenset({"slack:U0ADMIN"})).ctx


@pytest.fixture
async def bot(aiohttp_client: AiohttpClient, fake_slack: FakeSlack, testbot: MakeBot) -> AsyncIterator[Bot]:
    ctx = slack_context(testbot, fake_slack)
    http = await aiohttp_client(create_app(ctx))
    yield Bot(http, ctx, fake_slack, Signer())
    await http.close()  # before the fake Slack goes away


# -- protocol ------------------------------------------------------------------------------------
async def test_url_verification_answers_the_challenge(bot: Bot) -> None:
    data = payload("url_verification")
    status, body = await bot.post(*bot.signer.json(data))
    assert status == 200 and data["challenge"] in body


async def test_forged_and_stale_requests_are_refused_and_not_answered(bot: Bot) -> None:
    data = mention(BULLYING, "Ev0FORGED")
    forged = Signer("not-the-secret").json(data)
    assert (await bot.post(*forged))[0] == 401
    stale = bot.signer.json(data, ts=int(time.time()) - 10 * 60)
    assert (await bot.post(*stale))[0] == 401
    unsigned = (forged[0], {"Content-Type": "application/json"})
    assert (await bot.post(*unsigned))[0] == 401
    await sentinel(bot)
    assert bot.slack.posts("C0GENERAL") == []


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"{not json", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'{"type": "event_callback", "event_id": "Ev1", "event": "app_mention"}', "application/json"),
        (
            b'{"type": "event_callback", "event": {"type": "app_mention"}, "authorizations": 7}',
            "application/json",
        ),
        (b"payload=%7Bnot+json", "application/x-www-form-urlencoded"),
        (b"payload=%5B%5D", "application/x-www-form-urlencoded"),
        (b'payload={"type": "block_actions", "actions": []}', "application/x-www-form-urlencoded"),
        (
            b'payload={"type": "block_actions", "actions": "x", "user": 5}',
            "application/x-www-form-urlencoded",
        ),
        (b"", "application/json"),
    ],
)
async def test_malformed_payloads_get_a_4xx_signed_or_not(bot: Bot, body: bytes, content_type: str) -> None:
    signed_status, _ = await bot.post(body, bot.signer.headers(body, content_type))
    assert 400 <= signed_status < 500
    assert (await bot.post(body, Signer("wrong").headers(body, content_type)))[0] == 401


async def test_a_body_that_is_not_text_gets_400(bot: Bot) -> None:
    body = b"\xff\xfe\x00binary"
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": "v0=" + "0" * 64,
    }
    assert (await bot.post(body, headers))[0] == 400


@pytest.mark.parametrize("stamp", ["abc", "1e3", "", "12.5"])
async def test_a_timestamp_that_is_not_a_whole_number_gets_401(bot: Bot, stamp: str) -> None:
    body, headers = bot.signer.json(mention(BULLYING, "Ev0STAMP"))
    headers |= {"X-Slack-Request-Timestamp": stamp}
    assert (await bot.post(body, headers))[0] == 401


@pytest.mark.parametrize("form", [False, True])
async def test_a_signed_deeply_nested_body_gets_400(bot: Bot, form: bool) -> None:
    nested = b"[" * 5000 + b"]" * 5000
    if form:
        body = b"payload=" + nested.replace(b"[", b"%5B").replace(b"]", b"%5D")
        headers = bot.signer.headers(body, "application/x-www-form-urlencoded")
    else:
        body, headers = nested, bot.signer.headers(nested, "application/json")
    assert (await bot.post(body, headers))[0] == 400


@pytest.mark.parametrize(
    "view", [{"callback_id": "x"}, {"type": "workflow_step", "callback_id": "x"}, "x", {"type": 5}]
)
async def test_a_signed_view_submission_we_never_opened_gets_a_4xx(bot: Bot, view: Any) -> None:
    data = {"type": "view_submission", "team": {"id": "T0TEST"}, "user": {"id": EMPLOYEE}, "view": view}
    status, _ = await bot.post(*bot.signer.interaction(data))
    assert 400 <= status < 500


async def test_a_refused_request_leaves_nothing_of_its_body_in_the_log(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, at the most the CLI's --verbose ever shows
    data = dm("blåhvalsang jeg bliver mobbet", "Ev0PRIVATE", user="U0PRIVATE")
    stale = bot.signer.json(data, ts=int(time.time()) - 15 * 60)
    forged = Signer("rotated-secret").json(data)
    for body, headers in (stale, forged):
        assert (await bot.post(body, headers))[0] == 401
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "blåhvalsang" not in logged and "U0PRIVATE" not in logged and "Ev0PRIVATE" not in logged


async def test_a_retried_event_is_not_answered_twice(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.slack")
    data = mention(BULLYING, "Ev0RETRY")
    assert await bot.event(data) == 200
    await bot.slack.wait(lambda c: c in bot.slack.posts("C0GENERAL"))
    for attempt in (1, 2, 3):
        assert await bot.event(data, retry=attempt) == 200
    await sentinel(bot)
    assert len(bot.slack.posts("C0GENERAL")) == 1
    assert "Dropped a repeated Slack event delivery" in caplog.text


def test_the_memory_of_seen_events_is_bounded_and_forgets() -> None:
    bounded = SeenEvents(size=2)
    assert bounded.add("Ev1") and bounded.add("Ev2") and not bounded.add("Ev2")
    assert bounded.add("Ev3") and bounded.add("Ev1")  # Ev1 was pushed out by Ev3
    expired = SeenEvents(ttl=-1)  # everything older than "now + 1 s": nothing is remembered
    assert expired.add("Ev1") and expired.add("Ev1")


async def test_rate_limited_reply_is_retried_and_arrives_once(bot: Bot) -> None:
    bot.slack.fail["chat.postMessage"] = 1  # the next call gets 429 with Retry-After: 1
    assert await bot.event(dm(HEALTH_CHECK, "Ev0RATE")) == 200
    attempts = await bot.slack.wait(lambda c: c in bot.slack.posts("D0EMPLOYEE"), count=2, timeout=8)
    assert attempts[0].body == attempts[1].body  # the same reply, sent again after the wait
    await sentinel(bot)
    assert len(bot.slack.posts("D0EMPLOYEE")) == 2  # one refused, one delivered: no third


async def sentinel(bot: Bot) -> None:
    """Ask one more question and wait for its answer: whatever was already under way is done."""
    await bot.event(dm("hvad er formålet med grundlaget", f"Ev0S{time.monotonic_ns()}", channel="D0SENTINEL"))
    await bot.slack.wait(lambda c: c in bot.slack.posts("D0SENTINEL"))


# -- events --------------------------------------------------------------------------------------
async def test_mention_is_answered_in_its_thread_with_source_quote_and_feedback(bot: Bot) -> None:
    data = mention(BULLYING, "Ev0MENTION")
    started = time.monotonic()
    assert await bot.event(data) == 200
    ack_seconds = time.monotonic() - started
    (call,) = await bot.slack.wait(lambda c: c in bot.slack.posts("C0GENERAL"))
    assert ack_seconds < 3
    assert call.body["thread_ts"] == data["event"]["ts"]
    assert "tillidsrepræsentant" in call.body["text"].lower()
    (entry_id,) = feedback_ids(call)
    entry = bot.entry(entry_id)
    context = [b for b in call.body["blocks"] if b["type"] == "context"]
    assert escape(entry.organization) in context[0]["elements"][0]["text"]
    assert escape(entry.section) in context[0]["elements"][0]["text"]
    quoted = [
        b["text"]["text"]
        for b in call.body["blocks"]
        if b["type"] == "section" and b["text"]["text"].startswith("&gt; ")
    ]
    assert quoted and escape(entry.quote.split()[0]) in quoted[0]
    assert call.body["_auth"] == "Bearer xoxb-test-token"
    source_line = escape(plain_render.source_line(source_of(entry), "da"))
    assert source_line in context[0]["elements"][0]["text"]
    assert source_line not in call.body["blocks"][0]["text"]["text"]  # the context block says it once
    assert escape(entry.document) in call.body["text"]  # the notification text is complete


async def test_mention_inside_a_thread_is_answered_in_that_thread(bot: Bot) -> None:
    data = mention(BULLYING, "Ev0THREAD", thread_ts="1699999999.000100")
    assert await bot.event(data) == 200
    (call,) = await bot.slack.wait(lambda c: c in bot.slack.posts("C0GENERAL"))
    assert call.body["thread_ts"] == "1699999999.000100"


async def test_dm_is_answered_in_the_dm(bot: Bot) -> None:
    assert await bot.event(dm(HEALTH_CHECK, "Ev0DM")) == 200
    (call,) = await bot.slack.wait(lambda c: c in bot.slack.posts("D0EMPLOYEE"))
    assert "hvert andet år" in call.text().lower()
    assert call.body.get("thread_ts") is None


async def test_english_question_gets_an_english_answer(bot: Bot) -> None:
    assert await bot.event(dm("who do I contact about bullying", "Ev0ENGLISH")) == 200
    (call,) = await bot.slack.wait(lambda c: c in bot.slack.posts("D0EMPLOYEE"))
    entry = bot.entry(next(iter(feedback_ids(call))))
    assert escape(entry.answer.en)[:40] in call.text()
    assert t("slack.feedback_up", "en") in call.text()


async def test_messages_from_bots_and_message_edits_are_ignored(bot: Bot) -> None:
    own = dm(HEALTH_CHECK, "Ev0OWN", user=BOT_USER, bot_id=BOT_ID)
    other = payload("bot_message_im")
    edited = dm(HEALTH_CHECK, "Ev0EDIT", subtype="message_changed")
    mentioned_by_bot = mention(BULLYING, "Ev0BOTMENTION", bot_id="B0OTHER", user="U0OTHERBOT")
    for data in (own, other, edited, mentioned_by_bot):
        assert await bot.event(data) == 200
    await sentinel(bot)
    assert bot.slack.posts("D0EMPLOYEE") == [] and bot.slack.posts("C0GENERAL") == []


async def test_echoed_text_cannot_ping_or_link(bot: Bot) -> None:
    typed = "&lt;!channel&gt; <!here> @everyone &lt;@U0BOSS&gt; &lt;https://evil.example|klik&gt; frokost?"
    assert await bot.event(dm(typed, "Ev0INJECT")) == 200
    calls = await bot.slack.wait(lambda c: c in bot.slack.posts("D0EMPLOYEE"))
    seen = " ".join(c.text() for c in calls)
    assert not re.search(r"<[!@#]|<https?:", seen)
    assert "@everyone" not in seen and "@here" not in seen


async def test_echoed_text_is_shown_as_typed_not_formatted(bot: Bot) -> None:
    typed = "*fed* _kursiv_ ~streg~ `kode`"
    assert await bot.event(dm(f"abonner {typed}", "Ev0FORMAT")) == 200
    (call,) = await bot.slack.wait(lambda c: c in bot.slack.posts("D0EMPLOYEE"))
    echoing = [b for b in call.body["blocks"] if typed in str(b)]
    assert echoing and all(b["text"]["type"] == "plain_text" for b in echoing)
    for block in call.body["blocks"]:
        texts = [block.get("text") or {}, *block.get("elements", [])]
        assert all(x.get("type") != "mrkdwn" for x in texts if typed in str(x))


async def test_no_user_id_or_question_text_in_the_logs(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    assert await bot.event(mention(BULLYING, "Ev0PRIVACY")) == 200
    await bot.slack.wait(lambda c: c in bot.slack.posts("C0GENERAL"))
    assert await bot.slash(BULLYING, "privacy") == 200
    await bot.reply_to("privacy")
    ours = ("bot", "handlers", "knowledge", "slack_bolt", "slack_sdk")  # not the fake server's access log
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.split(".")[0] in ours)
    assert EMPLOYEE not in logged and BULLYING not in logged and "kontakter jeg" not in logged


async def test_a_refused_admin_command_in_a_channel_is_shown_only_to_the_asker(bot: Bot) -> None:
    assert await bot.event(mention("stats", "Ev0STATS")) == 200
    (call,) = await bot.slack.wait(lambda c: c.method == "chat.postEphemeral")
    assert call.body["user"] == EMPLOYEE and call.body["channel"] == "C0GENERAL"
    assert bot.slack.posts("C0GENERAL") == []


# -- the slash command ---------------------------------------------------------------------------
async def test_slash_question_is_answered_only_to_the_asker_with_a_share_button(bot: Bot) -> None:
    status = await bot.slash(BULLYING, "q1")
    assert status == 200
    (call,) = await bot.reply_to("q1")
    assert call.body["response_type"] == "ephemeral"
    assert "tillidsrepræsentant" in call.text().lower()
    assert {SHARE_ACTION, FEEDBACK_UP, FEEDBACK_DOWN} <= action_ids(call)
    assert bot.slack.posts() == []


async def test_slash_question_ending_in_del_is_shared_in_the_channel(bot: Bot) -> None:
    assert await bot.slash(f"{BULLYING} --del", "q2") == 200
    (call,) = await bot.reply_to("q2")
    assert call.body["response_type"] == "in_channel"
    assert "tillidsrepræsentant" in call.text().lower() and "--del" not in call.text()
    assert SHARE_ACTION not in action_ids(call)


async def test_share_button_posts_the_answer_in_the_channel(bot: Bot) -> None:
    container = {
        "type": "message",
        "message_ts": "1700000000.000009",
        "channel_id": "C0GENERAL",
        "is_ephemeral": True,
    }
    assert await bot.click(SHARE_ACTION, BULLYING, "share", container=container) == 200
    shared, deleted = await bot.reply_to("share", count=2)
    assert shared.body["response_type"] == "in_channel" and "tillidsrepræsentant" in shared.text().lower()
    assert deleted.body.get("delete_original") is True


@pytest.mark.parametrize("text, language", [("hjælp", "da"), ("", "da"), ("help", "en")])
async def test_slash_help_shows_commands_and_examples_from_the_knowledge(
    bot: Bot, text: str, language: str
) -> None:
    assert await bot.slash(text, "help") == 200
    (call,) = await bot.reply_to("help")
    kb = bot.ctx.knowledge.current.kb
    curated = [e for e in kb.entries if e.kind == "curated"]
    first = curated[0].questions_en[0] if language == "en" else curated[0].questions_da[0]
    assert escape(first) in call.text()
    assert "tema" in call.text() and "årshjul" in call.text()
    assert call.body["response_type"] == "ephemeral"


async def test_admin_commands_are_listed_only_for_admins(bot: Bot) -> None:
    await bot.slash("hjælp", "h-user")
    await bot.slash("hjælp", "h-admin", user="U0ADMIN")
    (user,) = await bot.reply_to("h-user")
    (admin,) = await bot.reply_to("h-admin")
    assert "reload" not in user.text() and "reload" in admin.text()


async def test_a_vague_question_gets_did_you_mean_buttons_that_answer(bot: Bot) -> None:
    snapshot = bot.ctx.knowledge.current
    vague = next(q for q in ("samarbejde", "dialog", "politik", "frihed") if answer(snapshot, q).suggestions)
    assert await bot.event(dm(vague, "Ev0VAGUE")) == 200
    (declined,) = await bot.slack.wait(lambda c: c in bot.slack.posts("D0EMPLOYEE"))
    buttons = [e for b in declined.body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons and {b["action_id"] for b in buttons} == {SUGGEST_ACTION}
    assert t("ask.suggestions", "da") not in declined.body["blocks"][0]["text"]["text"]  # shown as buttons
    assert escape(t("slack.did_you_mean", "da")) in declined.text()
    assert await bot.click(SUGGEST_ACTION, buttons[0]["value"], "vague", channel={"id": "D0EMPLOYEE"}) == 200
    _, clicked = await bot.slack.wait(lambda c: c in bot.slack.posts("D0EMPLOYEE"), count=2)
    assert clicked.body["text"] == render(answer(snapshot, buttons[0]["value"]))[0]  # that question, asked


async def test_a_sensitive_answer_shows_whom_to_contact_with_its_source(bot: Bot) -> None:
    question = "er det kun chefens ansvar at stoppe mobning?"
    expected = answer(bot.ctx.knowledge.current, question)
    assert expected.answered and expected.source is not None and expected.contacts is not None
    assert await bot.event(dm(question, "Ev0CONTACTS", channel="D0CONTACTS")) == 200
    (call,) = await bot.slack.wait(lambda c: c in bot.slack.posts("D0CONTACTS"))
    sections = [b["text"]["text"] for b in call.body["blocks"] if b["type"] == "section"]
    assert sections[0] == escape(expected.text)  # the answer alone: the rest has blocks of its own
    who, where = plain_render.contacts_lines(expected.contacts, "da")
    assert escape(who) in sections and escape(where) in source_shown(call)
    assert escape(plain_render.source_line(expected.source, "da")) in source_shown(call)
    assert call.body["text"] == escape(plain_render.render(expected))  # the notification: all of it


# -- interactivity -------------------------------------------------------------------------------
async def test_suggestion_click_asks_that_question_in_the_thread(bot: Bot) -> None:
    entry = bot.entry("allerod-pol-mobning-hvem-kontakte")
    assert await bot.click(SUGGEST_ACTION, entry.questions_da[0], "s1") == 200
    (call,) = await bot.slack.wait(lambda c: c in bot.slack.posts("C0GENERAL"))
    assert call.body["thread_ts"] == payload("block_actions")["message"]["thread_ts"]
    assert feedback_ids(call) == {entry.id}


async def test_suggestion_click_on_an_ephemeral_answer_replaces_it(bot: Bot) -> None:
    entry = bot.entry("allerod-pol-mobning-hvem-kontakte")
    container = {
        "type": "message",
        "message_ts": "1700000000.000009",
        "channel_id": "C0GENERAL",
        "is_ephemeral": True,
    }
    data = {"container": container}
    assert await bot.click(SUGGEST_ACTION, entry.questions_da[0], "s2", **data) == 200
    (call,) = await bot.reply_to("s2")
    assert call.body["replace_original"] is True and call.body["response_type"] == "ephemeral"
    assert feedback_ids(call) == {entry.id}
    assert bot.slack.posts() == []


async def test_feedback_click_is_stored_anonymously(bot: Bot) -> None:
    entry = bot.entry("allerod-pol-mobning-hvem-kontakte")
    assert await bot.click(FEEDBACK_UP, entry.id, "f1") == 200
    assert await bot.click(FEEDBACK_DOWN, entry.id, "f2") == 200
    (thanks,) = await bot.reply_to("f1")
    assert escape(t("feedback.thanks_up", "da")) in thanks.text()
    assert thanks.body["response_type"] == "ephemeral" and thanks.body["replace_original"] is False
    await bot.reply_to("f2")
    await bot.ctx.settle()  # the votes are written in the background, after the thanks
    with sqlite3.connect(bot.ctx.settings.db_path) as db:
        rows = db.execute("SELECT * FROM feedback").fetchall()
        dump = "\n".join(db.iterdump())
    assert rows == [(entry.id, bot.ctx.clock().date().isoformat(), 1, 1)]
    assert EMPLOYEE not in dump and "C0GENERAL" not in dump


async def test_feedback_for_an_unknown_entry_is_not_stored(bot: Bot) -> None:
    assert await bot.click(FEEDBACK_UP, "no-such-entry", "f3") == 200
    (reply,) = await bot.reply_to("f3")
    assert escape(t("feedback.unknown", "da")) in reply.text()
    assert await bot.ctx.store.feedback() == {}


# -- Socket Mode and the scheduler's poster ------------------------------------------------------
async def test_socket_mode_receives_events_and_acknowledges_them(
    aiohttp_client: AiohttpClient, fake_slack: FakeSlack, testbot: MakeBot
) -> None:
    ctx = slack_context(testbot, fake_slack, app_token="xapp-test")
    http = await aiohttp_client(create_app(ctx))
    envelope = {
        "envelope_id": "env-1",
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": 0,
        "retry_reason": "",
        "payload": dm(HEALTH_CHECK, "Ev0SOCKET"),
    }
    await fake_slack.send_envelope(envelope)
    (ack,) = await fake_slack.wait(lambda c: c.kind == "socket_ack")
    assert ack.body["envelope_id"] == "env-1"
    (call,) = await fake_slack.wait(lambda c: c in fake_slack.posts("D0EMPLOYEE"))
    assert "hvert andet år" in call.text().lower()
    await http.close()  # disconnects the socket while the fake Slack still answers


async def test_poster_posts_to_channels_and_direct_messages(bot: Bot) -> None:
    entry = bot.entry("allerod-pol-mobning-hvem-kontakte")
    reply = Reply(
        text=entry.answer.da,
        entry_id=entry.id,
        title=entry.title,
        source=Source(entry.organization, entry.document, entry.section, entry.quote),
    )
    poster = bot.ctx.posters["slack"]
    await poster.post("C0THEME", reply)
    await poster.direct("U0CHAIR", reply)
    (channel,) = await bot.slack.wait(lambda c: c in bot.slack.posts("C0THEME"))
    (direct,) = await bot.slack.wait(lambda c: c in bot.slack.posts("DU0CHAIR"))
    assert escape(entry.answer.da) in channel.text() and escape(entry.answer.da) in direct.text()
    assert feedback_ids(channel) == set()  # a scheduled post is not an answer to vote on
    assert [c.body["users"] for c in bot.slack.calls if c.method == "conversations.open"] == ["U0CHAIR"]


async def test_without_slack_settings_there_is_no_slack_route(
    aiohttp_client: AiohttpClient, testbot: MakeBot
) -> None:
    ctx = testbot().ctx
    http = await aiohttp_client(create_app(ctx))
    assert (await http.post(slack.ROUTE, data=b"{}")).status == 404
    assert "slack" not in ctx.posters


# -- rendering -----------------------------------------------------------------------------------
def test_render_escapes_every_string_and_keeps_the_limits(bot: Bot) -> None:
    entry = bot.entry("allerod-pol-mobning-hvem-kontakte")
    evil = "<!channel> <!here|here> @everyone <@U0BOSS> <https://evil.example|klik> & " + "<" * 3000
    reply = Reply(
        text=evil,
        entry_id=entry.id,
        source=Source(evil, evil, evil, evil),
        suggestions=(Suggestion(evil, entry.questions_da[0], evil, 50.0),),
    )
    text, blocks = render(reply, share=evil)
    rendered = " ".join(_strings(blocks)) + " " + text
    assert "<" not in rendered and ">" not in rendered.replace("&gt;", "")
    assert "@everyone" not in rendered
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000 and not re.search(
                r"&[a-z]{0,3}…", block["text"]["text"]
            )
        for element in block.get("elements", []):
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= 75 and len(element["value"]) <= 2000


def _strings(value: Any) -> list[str]:
    """Every string a user sees: button values go back to the bot, not on screen."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k != "value" for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


# -- the manifest agrees with the code -----------------------------------------------------------
def test_manifest_matches_the_adapter() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    settings = manifest["settings"]
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == slack.SLASH_COMMAND
    assert "--del" in command["usage_hint"] and slack.SHARE_FLAG.search("x --del")
    urls = [
        command["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    assert {re.sub(r"^https://[^/]+", "", u) for u in urls} == {slack.ROUTE}
    assert settings["interactivity"]["is_enabled"] is True
    events = {e.split(".")[0] for e in settings["event_subscriptions"]["bot_events"]}
    assert events == set(slack.EVENT_TYPES) | set(slack.REVOCATION_EVENTS)
    assert "message.im" in settings["event_subscriptions"]["bot_events"]


# What each Web API method the code calls, and each event and feature the manifest subscribes to,
# needs (https://api.slack.com/methods). A method missing here fails the test below: add it with
# its scopes, and the scopes to the manifest.
SCOPES_OF_METHOD = {
    "chat_postMessage": {"chat:write", "chat:write.public"},  # .public: subscribed channels not joined
    "chat_postEphemeral": {"chat:write"},
    "conversations_open": {"im:write"},
    # Before a weekly theme whose run was cut off is posted again: public and private channels.
    "conversations_history": {"channels:history", "groups:history"},
}
SCOPES_OF_EVENT: dict[str, set[str]] = {
    "app_mention": {"app_mentions:read"},
    "message.im": {"im:history"},
    "app_uninstalled": set(),
    "tokens_revoked": set(),
}


def web_api_methods_called() -> set[str]:
    """The Slack Web API methods the bot's packages call (``client.chat_postMessage(…)``)."""
    methods = {name for name in vars(AsyncWebClient) if "_" in name and not name.startswith("_")}
    called: set[str] = set()
    for package in ("bot", "handlers", "scheduler"):
        for path in (MANIFEST.parents[1] / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            called |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in methods}
    return called


def test_manifest_asks_for_exactly_the_scopes_the_code_uses() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    called = web_api_methods_called()
    assert called >= {"chat_postMessage", "chat_postEphemeral", "conversations_open"}  # the scan works
    assert called <= SCOPES_OF_METHOD.keys(), f"scopes unknown for {called - SCOPES_OF_METHOD.keys()}"
    needed = {"commands"}.union(*(SCOPES_OF_METHOD[m] for m in called))
    needed |= set().union(
        *(SCOPES_OF_EVENT[e] for e in manifest["settings"]["event_subscriptions"]["bot_events"])
    )
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed


# -- follow-ups in a conversation ----------------------------------------------------------------
class Clock:
    """The handlers' clock (``Context.clock``), moved on by the test."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def say(bot: Bot, data: dict[str, Any], channel: str) -> Call:
    """Send one event and wait for the bot's reply in ``channel``."""
    before = len(bot.slack.posts(channel))
    assert await bot.event(data) == 200
    calls = await bot.slack.wait(lambda c: c in bot.slack.posts(channel), count=before + 1)
    return calls[-1]


def answered_from(bot: Bot, call: Call) -> Entry | None:
    """The entry a reply answers from (its 👍/👎 buttons name it); None for a decline."""
    ids = feedback_ids(call)
    return bot.entry(ids.pop()) if ids else None


def source_shown(call: Call) -> str:
    return " ".join(e["text"] for b in call.body["blocks"] if b["type"] == "context" for e in b["elements"])


async def test_in_a_thread_a_follow_up_continues_the_previous_answer(bot: Bot) -> None:
    pair = role_pair(bot.ctx.knowledge.current)
    thread, other_thread = "1700000100.000100", "1700000200.000100"
    first = await say(bot, mention(pair["leaders"].questions_da[0], "Ev0FT1", ts=thread), "C0GENERAL")
    assert answered_from(bot, first) == pair["leaders"]

    employees = await say(bot, mention("og for medarbejderne?", "Ev0FT2", thread_ts=thread), "C0GENERAL")
    entry = pair["employees"]
    assert answered_from(bot, employees) == entry and employees.body["thread_ts"] == thread
    assert escape(entry.section) in source_shown(employees) and escape(entry.organization) in source_shown(
        employees
    )

    more = await say(bot, mention("kan du uddybe det?", "Ev0FT3", thread_ts=thread), "C0GENERAL")
    assert answered_from(bot, more) == entry
    assert escape(t("followup.continued", "da")) in more.text() and escape(entry.quote[:60]) in more.text()

    elsewhere = await say(
        bot, mention("og for medarbejderne?", "Ev0FT4", thread_ts=other_thread), "C0GENERAL"
    )
    assert answered_from(bot, elsewhere) is None  # another thread has no previous answer


async def test_in_a_dm_a_follow_up_continues_the_previous_answer_for_ten_minutes(bot: Bot) -> None:
    clock = Clock()
    bot.ctx.clock = clock
    entry, other = asked_elsewhere(bot.ctx.knowledge.current)
    first = await say(bot, dm(entry.questions_en[0], "Ev0FD1"), "D0EMPLOYEE")
    assert answered_from(bot, first) == entry

    clock.now += timedelta(minutes=9)
    there = await say(bot, dm(f"and in {short_name(other)}?", "Ev0FD2"), "D0EMPLOYEE")
    found = answered_from(bot, there)
    assert found is not None and found.organization == other and escape(other) in source_shown(there)
    assert t("slack.feedback_up", "en") in there.text()  # answered in the follow-up's language

    more = await say(bot, dm("uddyb", "Ev0FD3"), "D0EMPLOYEE")  # continues the answer from `other`
    assert answered_from(bot, more) == found and escape(t("followup.continued", "da")) in more.text()
    assert answered_from(bot, await say(bot, dm("uddyb", "Ev0FD4", channel="D0OTHER"), "D0OTHER")) is None

    clock.now += timedelta(minutes=10)
    late = await say(bot, dm("uddyb", "Ev0FD5"), "D0EMPLOYEE")
    assert answered_from(bot, late) is None  # ten minutes after the last answer it is forgotten
