"""``abonner`` / ``afmeld`` / ``medformand`` / ``tema`` / ``årshjul`` as a user types them, and
``/grundlag abonner`` end to end through the signed Slack slash command."""

from __future__ import annotations

import pytest

from bot.server import create_app
from handlers.context import Context
from handlers.rotation import ThemeCalendar
from handlers.router import parse
from handlers.settings import ScheduleSettings
from handlers.texts import t
from tests.aiohttp_types import AiohttpClient
from tests.bot.slack_fakes import FakeSlack, Signer, payload
from tests.scheduler.helpers import ALLEROD, local, make_context, say
from tests.testbot import MakeBot

ALBERTSLUND = "Albertslund Kommune"


@pytest.fixture
def ctx(testbot: MakeBot) -> Context:
    return make_context(testbot, now=local(2027, 1, 5, 12, 0))


@pytest.mark.parametrize(
    "typed",
    [
        "abonner Albertslund",
        "abonner albertslund kommune",
        "subscribe Albertslund",
        "abonnér ALBERTSLUND",
        "abonner albertslun",
    ],
)
async def test_subscribe_matches_the_organisation_loosely(ctx: Context, typed: str) -> None:
    reply = await say(ctx, typed)
    assert await ctx.store.subscriptions() == [("slack", "C0THEME", ALBERTSLUND)]
    assert ALBERTSLUND in reply.text and "09:00" in reply.text
    assert reply.language == ("en" if typed.startswith("subscribe") else "da")


async def test_subscribe_with_aliases_and_without_danish_letters(ctx: Context) -> None:
    await say(ctx, "abonner alleroed", channel="C1")
    await say(ctx, "abonner Lyngby", channel="C2")
    assert await ctx.store.subscriptions() == [
        ("slack", "C1", ALLEROD),
        ("slack", "C2", "Lyngby-Taarbæk Kommune"),
    ]


async def test_subscribe_without_an_organisation_uses_the_first_one_in_app_yaml(testbot: MakeBot) -> None:
    from handlers.settings import OrgChannels

    ctx = make_context(testbot, channels=(OrgChannels(ALLEROD), OrgChannels(ALBERTSLUND)))
    reply = await say(ctx, "abonner")
    assert await ctx.store.subscriptions() == [("slack", "C0THEME", ALLEROD)]
    assert reply.text == t("subscribe.done", "da", organization=ALLEROD, day="mandag", time="09:00")
    again = await say(ctx, "abonner")
    assert again.text == t("subscribe.already", "da", organization=ALLEROD)


async def test_subscribe_without_a_default_lists_the_choices(testbot: MakeBot) -> None:
    ctx = testbot(schedule=ScheduleSettings()).ctx  # no channels in app.yaml, so no first one
    reply = await say(ctx, "abonner")
    assert not reply.answered and await ctx.store.subscriptions() == []
    for org in (ALLEROD, ALBERTSLUND, "Lyngby-Taarbæk Kommune"):
        assert org in reply.text


async def test_subscribe_to_an_unknown_organisation_says_which_exist(ctx: Context) -> None:
    reply = await say(ctx, "abonner Vordingborg")
    assert "Vordingborg" in reply.text and ALLEROD in reply.text and await ctx.store.subscriptions() == []


async def test_unsubscribe_removes_only_this_channel(ctx: Context) -> None:
    await say(ctx, "abonner allerød", channel="C1")
    await say(ctx, "abonner allerød", channel="C2")
    assert (await say(ctx, "afmeld", channel="C1")).text == t("unsubscribe.done", "da")
    assert (await say(ctx, "afmeld", channel="C1")).text == t("unsubscribe.none", "da")
    assert (await say(ctx, "unsubscribe", channel="C1")).text == t("unsubscribe.none", "en")
    assert await ctx.store.subscriptions() == [("slack", "C2", ALLEROD)]


async def test_afmeld_with_more_words_is_a_question_not_the_command(ctx: Context) -> None:
    cmd, _ = parse("afmeld mig fra kurset")
    assert cmd is None


async def test_medformand_registers_and_unregisters_a_chair(ctx: Context) -> None:
    reply = await say(ctx, "medformand allerød", platform="teams", channel="19:c@thread.tacv2", user="aad-1")
    chairs = await ctx.store.chairs()
    assert chairs == [("teams", "aad-1", ALLEROD, "Hovedudvalget")]  # the committee in app.yaml
    assert "Hovedudvalget" in reply.text and t("chair.personal", "da") in reply.text  # asked in a channel
    await say(ctx, "medformand Albertslund, Skolernes MED", platform="teams", user="aad-2", direct=True)
    assert ("teams", "aad-2", ALBERTSLUND, "Skolernes MED") in await ctx.store.chairs()
    assert (await say(ctx, "medformand stop", platform="teams", user="aad-1")).text == t(
        "chair.removed", "da"
    )
    assert (await say(ctx, "chair stop", platform="teams", user="aad-1")).text == t(
        "chair.not_registered", "en"
    )


async def test_tema_shows_this_weeks_theme_of_the_channels_organisation(ctx: Context) -> None:
    await say(ctx, "abonner Albertslund")
    reply = await say(ctx, "tema")
    entry = ThemeCalendar().pick(ctx.knowledge.current.kb.themes(ALBERTSLUND), local(2027, 1, 5).date())
    assert entry is not None and entry.theme is not None
    assert "uge 1" in reply.text and entry.theme.discuss.da in reply.text
    assert reply.source is not None and reply.source.organization == ALBERTSLUND
    english = await say(ctx, "theme")
    assert "Theme of the week" in english.text and entry.theme.discuss.en in english.text


async def test_tema_in_a_pause_week_shows_the_next_theme(testbot: MakeBot) -> None:
    ctx = make_context(testbot, now=local(2027, 7, 27, 12, 0))  # week 30
    await say(ctx, "abonner allerød")
    reply = await say(ctx, "tema")
    assert reply.lead == t("scheduler.theme.pause", "da", week=30) and "uge 32" in reply.text


@pytest.mark.parametrize("typed", ["årshjul", "aarshjul", "arshjul", "annual-wheel"])
async def test_aarshjul_shows_the_coming_items(ctx: Context, typed: str) -> None:
    await say(ctx, "abonner allerød")
    reply = await say(ctx, typed)
    wheel = ctx.knowledge.current.kb.wheel(ALLEROD)
    assert wheel is not None
    titles = [line for line in reply.text.splitlines() if line.startswith("•")]
    assert len(titles) == 6 and "Personale- og arbejdsmiljøpolitikken gjort kendt" in titles[0]
    assert ("januar 2027" in reply.text or "uge 3 2027" in reply.text) or "week 3 2027" in reply.text
    assert t("scheduler.wheel.example", reply.language) in reply.text


async def test_slash_abonner_subscribes_the_slack_channel(
    testbot: MakeBot, aiohttp_client: AiohttpClient, fake_slack: FakeSlack
) -> None:
    from handlers.settings import OrgChannels

    ctx = make_context(testbot, fake_slack, channels=(OrgChannels(ALLEROD),))
    client = await aiohttp_client(create_app(ctx))
    form = payload(
        "slash_command", text="abonner", channel_id="C0THEME", response_url=fake_slack.response_url("sub")
    )
    body, headers = Signer().form(form)

    assert (await client.post("/slack/events", data=body, headers=headers)).status == 200

    [confirmation] = await fake_slack.wait(lambda c: c.kind == "response_url" and c.method == "sub")
    assert ALLEROD in confirmation.text() and await ctx.store.subscriptions() == [
        ("slack", "C0THEME", ALLEROD)
    ]
