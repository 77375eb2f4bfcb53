"""The posting jobs through the real Slack and Teams posters, against the fakes on 127.0.0.1."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot.storage import Storage
from handlers.context import Context
from scheduler.delivery import Pacer, RetryPolicy, deliver
from scheduler.jobs import post_med_reminders, post_weekly_theme
from tests.aiohttp_types import AiohttpClient
from tests.bot.slack_fakes import FakeSlack
from tests.bot.teams_fakes import FakeConnector, activity, strings
from tests.scheduler.helpers import ALLEROD, CHAIR, make_context, quick, say, without_client_retries
from tests.testbot import MakeBot

JAN_4, JAN_11 = date(2027, 1, 4), date(2027, 1, 11)


def theme_of(ctx: Context, day: date) -> str:
    from handlers.rotation import ThemeCalendar

    entry = ThemeCalendar.from_settings(ctx.settings.schedule).pick(
        ctx.knowledge.current.kb.themes(ALLEROD), day
    )
    assert entry is not None and entry.theme is not None
    return entry.theme.discuss.da


async def test_a_subscribed_channel_gets_the_theme_with_its_content(
    testbot: MakeBot, fake_slack: FakeSlack
) -> None:
    ctx = make_context(testbot, fake_slack)
    await say(ctx, "abonner allerød")

    outcomes = await post_weekly_theme(ctx, JAN_4, courier=quick())

    assert [(o.target, o.status) for o in outcomes] == [("slack:C0THEME", "posted")]
    [post] = fake_slack.posts("C0THEME")
    themes = ctx.knowledge.current.kb.themes(ALLEROD)
    entry = next(e for e in themes if e.theme and e.theme.discuss.da == theme_of(ctx, JAN_4))
    shown = post.text()
    assert "Ugens tema" in shown and "Spørgsmål til drøftelse" in shown
    assert entry.theme is not None
    for line in (*entry.theme.statements, *entry.theme.leaders, *entry.theme.employees):
        assert line in shown
    assert "Leder- og medarbejdergrundlag" in shown  # the source
    assert fake_slack.posts() == [post]  # no other organisation's theme went anywhere


async def test_exactly_once_per_week_across_a_restart(testbot: MakeBot, fake_slack: FakeSlack) -> None:
    ctx = make_context(testbot, fake_slack)
    await say(ctx, "abonner")
    assert [o.status for o in await post_weekly_theme(ctx, JAN_4, courier=quick())] == ["posted"]
    assert [o.status for o in await post_weekly_theme(ctx, date(2027, 1, 6), courier=quick())] == [
        "already"
    ]  # same week
    ctx.store.close()

    again = make_context(testbot, fake_slack)  # a new process on the same database
    assert [o.status for o in await post_weekly_theme(again, JAN_4, courier=quick())] == ["already"]
    assert [o.status for o in await post_weekly_theme(again, JAN_11, courier=quick())] == ["posted"]

    first, second = fake_slack.posts("C0THEME")
    assert theme_of(again, JAN_4) in first.text() and theme_of(again, JAN_11) in second.text()
    assert theme_of(again, JAN_4) != theme_of(again, JAN_11)


async def test_a_rate_limited_post_is_retried_and_arrives_once(
    testbot: MakeBot, fake_slack: FakeSlack
) -> None:
    ctx = make_context(testbot, fake_slack)
    await say(ctx, "abonner")
    fake_slack.fail["chat.postMessage"] = 1  # 429 with Retry-After, then success

    outcomes = await post_weekly_theme(ctx, JAN_4, courier=quick())

    assert [o.status for o in outcomes] == ["posted"]
    calls = fake_slack.posts("C0THEME")
    assert len(calls) == 2 and calls[0].text() == calls[1].text()  # the refused call and its retry
    assert await ctx.store.post_status("weekly-theme", "2027-W01", "slack:C0THEME") == "posted"
    [again] = await post_weekly_theme(ctx, JAN_4, courier=quick())
    assert again.status == "already" and len(fake_slack.posts("C0THEME")) == 2


async def test_a_post_that_keeps_failing_is_recorded_then_retried_next_run(
    testbot: MakeBot, fake_slack: FakeSlack
) -> None:
    ctx = make_context(testbot, fake_slack)
    await say(ctx, "abonner")
    fake_slack.fail["chat.postMessage"] = 100
    without_client_retries(ctx)

    [failed] = await post_weekly_theme(ctx, JAN_4, courier=quick())

    assert failed.status == "failed" and "ratelimited" in failed.detail
    [record] = await ctx.store.post_records("failed")
    assert (record.job, record.period, record.target) == ("weekly-theme", "2027-W01", "slack:C0THEME")
    assert (
        b'grundlagbot_scheduled_posts_total{job="weekly-theme",outcome="failed"} 1.0' in ctx.metrics.render()
    )
    fake_slack.fail["chat.postMessage"] = 0
    assert [o.status for o in await post_weekly_theme(ctx, JAN_4, courier=quick())] == ["posted"]
    assert await ctx.store.post_records("failed") == []


async def test_a_refused_post_is_not_retried() -> None:
    class Refused(Exception):
        class response:  # shaped like slack_sdk's SlackApiError.response
            status_code = 200
            data = {"ok": False, "error": "channel_not_found"}  # noqa: RUF012

    attempts = 0

    async def send() -> None:
        nonlocal attempts
        attempts += 1
        raise Refused("channel_not_found")

    result = await deliver(send, "slack:C0GONE", RetryPolicy(base_delay=0), Pacer(interval=0))
    assert (result.ok, attempts, result.error) == (False, 1, "channel_not_found (HTTP 200)")


async def test_the_pacer_keeps_a_second_between_posts_to_one_channel() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    pacer = Pacer(interval=1.0, sleep=sleep)
    await pacer.wait("slack:C1")
    await pacer.wait("slack:C2")
    await pacer.wait("slack:C1")
    assert len(slept) == 1 and 0.9 < slept[0] <= 1.0


async def test_channels_from_app_yaml_and_from_chat_each_get_one_post(
    testbot: MakeBot, fake_slack: FakeSlack
) -> None:
    from handlers.settings import OrgChannels

    ctx = make_context(testbot, fake_slack, channels=(OrgChannels(ALLEROD, ("C0CONFIG", "C0THEME")),))
    await say(ctx, "abonner allerod")  # also in app.yaml: still one post

    outcomes = await post_weekly_theme(ctx, JAN_4, courier=quick())

    assert sorted(o.target for o in outcomes) == ["slack:C0CONFIG", "slack:C0THEME"]
    assert len(fake_slack.posts("C0CONFIG")) == len(fake_slack.posts("C0THEME")) == 1


async def test_dry_run_posts_nothing_and_claims_nothing(testbot: MakeBot, fake_slack: FakeSlack) -> None:
    ctx = make_context(testbot, fake_slack)
    await say(ctx, "abonner")

    outcomes = await post_weekly_theme(ctx, JAN_4, dry_run=True, courier=quick())

    [subscribed] = [o for o in outcomes if o.target == "slack:C0THEME"]
    assert subscribed.status == "dry-run" and "Ugens tema" in subscribed.reply.text
    # The organisations nobody subscribed to yet are shown too, so the preview shows every post.
    assert {o.status for o in outcomes if o is not subscribed} == {"no-targets"} and len(outcomes) > 1
    assert fake_slack.posts() == [] and await ctx.store.post_records() == []
    assert [o.status for o in await post_weekly_theme(ctx, JAN_4, courier=quick())] == ["posted"]


async def test_nothing_is_posted_in_a_pause_week(testbot: MakeBot, fake_slack: FakeSlack) -> None:
    ctx = make_context(testbot, fake_slack)
    await say(ctx, "abonner")
    assert await post_weekly_theme(ctx, date(2027, 7, 26), courier=quick()) == []  # week 30
    assert fake_slack.posts() == []


async def test_a_subscribed_teams_channel_gets_the_theme(
    testbot: MakeBot, aiohttp_client: AiohttpClient, connector: tuple[FakeConnector, str]
) -> None:
    from bot.server import create_app

    fake, url = connector
    ctx = make_context(testbot)
    client = await aiohttp_client(create_app(ctx))
    mention = activity("message_channel_mention", url)
    channel = mention["conversation"]["id"].split(";")[0]
    mention["text"] = mention["text"].split("</at>")[0] + "</at> abonner Allerød"
    assert (await client.post("/api/messages", json=mention)).status in (200, 201)
    assert await ctx.store.subscriptions() == [("teams", channel, ALLEROD)]
    confirmation = len(fake.sent(channel))

    outcomes = await post_weekly_theme(ctx, JAN_4, courier=quick())

    assert [(o.target, o.status) for o in outcomes] == [(f"teams:{channel}", "posted")]
    [post] = fake.sent(channel)[confirmation:]
    assert theme_of(ctx, JAN_4) in " ".join(strings(post.body))


async def test_med_chairs_get_their_reminder_on_slack_and_teams(
    testbot: MakeBot,
    aiohttp_client: AiohttpClient,
    fake_slack: FakeSlack,
    connector: tuple[FakeConnector, str],
) -> None:
    from bot.server import create_app

    fake, url = connector
    ctx = make_context(testbot, fake_slack)
    client = await aiohttp_client(create_app(ctx))
    personal = activity("message_personal", url)
    personal["text"] = "medformand Allerød, Skoleområdets MED"
    assert (await client.post("/api/messages", json=personal)).status in (200, 201)
    [(platform, user, org, committee)] = await ctx.store.chairs()
    assert (platform, org, committee) == ("teams", ALLEROD, "Skoleområdets MED")
    teams_chat = personal["conversation"]["id"]
    before = len(fake.sent(teams_chat))

    outcomes = await post_med_reminders(
        ctx, date(2027, 8, 18), courier=quick()
    )  # budget: 1 September - 14 days

    assert sorted((o.target, o.status, o.period) for o in outcomes) == [
        (f"slack:{CHAIR}", "posted", "budget/2027"),
        (f"teams:{user}", "posted", "budget/2027"),
    ]
    [dm] = fake_slack.posts(f"D{CHAIR}")
    policy = ctx.knowledge.current.kb.entry("allerod-pol-med-emner")
    assert policy is not None
    for shown in (dm.text(), " ".join(strings(fake.sent(teams_chat)[before].body))):
        assert "Budget for næste år" in shown and "september 2027" in shown
        assert policy.answer.da.split(",")[0] in shown  # the policy text it concerns
    assert (
        await post_med_reminders(ctx, date(2027, 8, 19), courier=quick()) != []
        and len(fake_slack.posts(f"D{CHAIR}")) == 1
    )


async def test_a_teams_target_without_a_stored_conversation_fails_without_retrying(
    testbot: MakeBot, connector: tuple[FakeConnector, str]
) -> None:
    fake, _ = connector
    ctx = make_context(testbot)
    await ctx.store.subscribe("teams", "19:never-installed@thread.tacv2", ALLEROD)

    [outcome] = await post_weekly_theme(ctx, JAN_4, courier=quick())

    assert outcome.status == "failed" and "no Teams conversation reference" in outcome.detail
    assert fake.calls == [] and (await ctx.store.post_records("failed"))[0].attempts == 1


async def test_a_platform_without_a_connection_is_skipped_not_claimed(testbot: MakeBot) -> None:
    ctx = make_context(testbot)  # no Slack settings: no Slack poster
    await say(ctx, "abonner")
    [outcome] = await post_weekly_theme(ctx, JAN_4, courier=quick())
    assert outcome.status == "skipped" and await ctx.store.post_records() == []


async def test_storage_leaves_a_fresh_pending_claim_alone(tmp_path: Path) -> None:
    store = Storage(tmp_path / "bot.sqlite3")
    assert await store.claim_post("weekly-theme", "2027-W01", "slack:C1", pending_for=900)
    # another replica's fresh claim is left alone
    assert not await store.claim_post("weekly-theme", "2027-W01", "slack:C1", pending_for=900)
    assert await store.claim_post("weekly-theme", "2027-W01", "slack:C1", pending_for=0)  # an abandoned claim


async def test_a_post_left_pending_by_a_crashed_run_is_looked_up_not_doubled(
    testbot: MakeBot, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = make_context(testbot, fake_slack)
    await say(ctx, "abonner allerød")
    # A run claims the post and dies while Slack accepts it: the post is out, the record pending.
    real_finish = ctx.store.finish_post

    async def crash(*args: object, **kwargs: object) -> None:
        raise SystemExit("killed")

    monkeypatch.setattr(ctx.store, "finish_post", crash)
    with pytest.raises(SystemExit):
        await post_weekly_theme(ctx, JAN_4, courier=quick())
    monkeypatch.setattr(ctx.store, "finish_post", real_finish)
    assert await ctx.store.post_status("weekly-theme", "2027-W01", "slack:C0THEME") == "pending"
    stale = replace(ctx.settings.schedule, claim_timeout_seconds=0)
    ctx.settings = replace(ctx.settings, schedule=stale)  # the claim has gone stale: a rerun takes it

    [outcome] = await post_weekly_theme(ctx, JAN_4, courier=quick())

    assert len(fake_slack.posts("C0THEME")) == 1  # one post only
    assert outcome.status == "already" and "unfinished run" in outcome.detail
    [record] = await ctx.store.post_records("posted")
    assert record.ref == fake_slack.history["C0THEME"][0]["ts"]
    assert any(c.method == "conversations.history" for c in fake_slack.calls)


async def test_a_posted_message_is_recorded_with_its_slack_ts(
    testbot: MakeBot, fake_slack: FakeSlack
) -> None:
    ctx = make_context(testbot, fake_slack)
    await say(ctx, "abonner allerød")
    await post_weekly_theme(ctx, JAN_4, courier=quick())
    [record] = await ctx.store.post_records("posted")
    assert record.ref == fake_slack.history["C0THEME"][0]["ts"]


async def test_a_stale_claim_without_a_post_in_the_channel_is_posted(
    testbot: MakeBot, fake_slack: FakeSlack
) -> None:
    ctx = make_context(testbot, fake_slack)
    await say(ctx, "abonner allerød")
    assert await ctx.store.claim_post("weekly-theme", "2027-W01", "slack:C0THEME")  # died before sending
    ctx.settings = replace(ctx.settings, schedule=replace(ctx.settings.schedule, claim_timeout_seconds=0))
    [outcome] = await post_weekly_theme(ctx, JAN_4, courier=quick())
    assert outcome.status == "posted" and len(fake_slack.posts("C0THEME")) == 1
