"""The admin commands through the one dispatcher: reload, status, stats, SIGHUP, the purge."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import load_settings
from handlers.admin import SIGNAL_ADMIN, reload_from_signal
from handlers.admin_reports import group_questions
from handlers.context import Context
from handlers.messages import Platform, Reply
from handlers.texts import t
from knowledge.reload import answers_itself
from tests.knowledge.edits import (
    BROKEN_YAML,
    copy_knowledge,
    document_files,
    organizations_with_one_file,
    remove_entry,
    serving,
)
from tests.testbot import MakeBot, TestBot

ADMIN = "U0ADMIN"
TEAMS_ADMIN = "00000000-0000-0000-0000-00000000ad01"
EMPLOYEE = "U0EMPLOYEE"


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    return copy_knowledge(tmp_path)


@pytest.fixture
def bot(testbot: MakeBot, kdir: Path) -> TestBot:
    """The bot on its own copy of the knowledge files, which the tests edit and reload."""
    return testbot(serving(kdir), admins=frozenset({f"slack:{ADMIN}", f"teams:{TEAMS_ADMIN}"}))


@pytest.fixture
def ctx(bot: TestBot) -> Context:
    return bot.ctx


async def say(bot: TestBot, text: str, user: str = ADMIN, platform: Platform = "slack") -> Reply:
    return await bot.send(text, user=user, channel="C0ADMINS", platform=platform)


def reloads(ctx: Context, outcome: str) -> float:
    return ctx.metrics.registry.get_sample_value("grundlagbot_reloads_total", {"outcome": outcome}) or 0.0


def entries_gauge(ctx: Context) -> float | None:
    return ctx.metrics.registry.get_sample_value("grundlagbot_knowledge_entries")


# -- who may -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("words", "name"),
    [
        ("reload", "reload"),
        ("genindlæs", "reload"),
        ("status", "status"),
        ("stats", "stats"),
        ("statistik", "stats"),
    ],
)
async def test_a_non_admin_is_refused_politely_and_nothing_happens(
    bot: TestBot, ctx: Context, kdir: Path, words: str, name: str
) -> None:
    before = ctx.knowledge.current
    organization = organizations_with_one_file(kdir)[0]
    document_files(kdir)[organization].unlink()

    reply = await say(bot, words, user=EMPLOYEE)

    assert reply.text == t("admin.refused", command=name) and not reply.answered
    assert before.kb.version not in reply.text and organization not in reply.text
    assert ctx.knowledge.current is before and reloads(ctx, "ok") == reloads(ctx, "failed") == 0
    await ctx.settle()  # audit and statistics are written in the background
    [(_, who, _, outcome, _)] = await ctx.store.audit_log()
    assert (who, outcome) == (f"slack:{EMPLOYEE}", "refused")


async def test_an_admin_is_an_admin_only_on_the_platform_named(bot: TestBot, ctx: Context) -> None:
    version = ctx.knowledge.current.kb.version
    assert version in (await say(bot, "status", user=TEAMS_ADMIN, platform="teams")).text
    assert (await say(bot, "status", user=TEAMS_ADMIN, platform="slack")).text == t(
        "admin.refused", command="status"
    )


def test_admins_come_from_app_yaml_and_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "app.yaml"
    config.write_text("admins:\n  slack: [U0YAML]\n  teams: []\n", encoding="utf-8")
    settings = load_settings(
        config, {"GRUNDLAGBOT_ADMINS": "teams:aad-1, slack:U0ENV", "GRUNDLAGBOT_DB": str(tmp_path / "db")}
    )
    assert settings.admins == {"slack:U0YAML", "slack:U0ENV", "teams:aad-1"}


# -- reload --------------------------------------------------------------------------------------
async def test_reload_says_what_changed_per_document_with_version_and_time(
    bot: TestBot, ctx: Context, kdir: Path
) -> None:
    old = ctx.knowledge.current.kb
    organization = organizations_with_one_file(kdir)[0]
    gone = [e for e in old.entries if e.organization == organization]
    document_files(kdir)[organization].unlink()

    reply = await say(bot, "reload")

    new = ctx.knowledge.current.kb
    assert new.version != old.version and len(new.entries) == len(old.entries) - len(gone)
    assert new.version in reply.text and old.version in reply.text and " ms" in reply.text
    [line] = [line for line in reply.text.splitlines() if line.startswith(f"• {organization} · ")]
    removed = t("admin.reload.removed", count=len(gone), ids=gone[0].id)  # "45 fjernet (id, …)"
    assert line.startswith(f"• {organization} · {gone[0].document}: {removed.split('(')[0]}(")
    assert gone[0].id in line
    assert reply.ephemeral
    assert reloads(ctx, "ok") == 1 and entries_gauge(ctx) == len(new.entries)
    await ctx.settle()  # audit and statistics are written in the background
    [(at, who, action, outcome, detail)] = await ctx.store.audit_log()
    assert (who, action, outcome) == (f"slack:{ADMIN}", "reload", "ok") and new.version in detail
    assert abs(datetime.fromisoformat(at) - datetime.now(UTC)) < timedelta(minutes=1)


async def test_a_broken_file_is_listed_as_file_line_message_and_old_knowledge_answers(
    bot: TestBot, ctx: Context, kdir: Path
) -> None:
    before = ctx.knowledge.current
    entry = next(e for e in before.kb.entries if answers_itself(before.matcher, e))
    (kdir / "broken.yaml").write_text(BROKEN_YAML, encoding="utf-8")

    reply = await say(bot, "genindlæs")

    lines = [line for line in reply.text.splitlines() if line.startswith("• ")]
    assert lines and all(line.startswith("• broken.yaml:") for line in lines)
    assert before.kb.version in reply.text and not reply.answered
    assert ctx.knowledge.current is before
    assert reloads(ctx, "failed") == 1 and reloads(ctx, "ok") == 0
    await ctx.settle()  # audit and statistics are written in the background
    assert (await ctx.store.audit_log())[0][1:4] == (f"slack:{ADMIN}", "reload", "failed")
    question = await say(bot, entry.questions[0], user=EMPLOYEE)
    assert question.answered and question.entry_id == entry.id


async def test_a_question_asked_again_after_a_reload_gets_the_new_knowledge_answer(
    bot: TestBot, ctx: Context, kdir: Path
) -> None:
    # Replies to questions asked before are kept (handlers.answer_cache), but never across a reload.
    before = ctx.knowledge.current
    organization = organizations_with_one_file(kdir)[0]
    entry = next(
        e for e in before.kb.entries if e.organization == organization and answers_itself(before.matcher, e)
    )
    first = await say(bot, entry.questions[0], user=EMPLOYEE)
    again = await say(bot, entry.questions[0], user=EMPLOYEE)
    assert first.entry_id == again.entry_id == entry.id and again == first
    remove_entry(document_files(kdir)[organization], entry.id)

    await say(bot, "reload")
    after = await say(bot, entry.questions[0], user=EMPLOYEE)

    assert ctx.knowledge.current is not before and ctx.knowledge.current.kb.entry(entry.id) is None
    assert after.entry_id != entry.id
    await ctx.settle()  # audit and statistics are written in the background
    assert sum(await ctx.store.answer_counts()) == 3  # each asking is counted, remembered or not


async def test_sighup_reloads_and_is_audited_as_the_signal(
    ctx: Context, kdir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="handlers.admin")
    (kdir / "broken.yaml").write_text(BROKEN_YAML, encoding="utf-8")
    await reload_from_signal(ctx)
    assert any("broken.yaml:" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
    (kdir / "broken.yaml").unlink()
    document_files(kdir)[organizations_with_one_file(kdir)[0]].unlink()

    await reload_from_signal(ctx)
    await ctx.settle()

    await ctx.settle()  # audit and statistics are written in the background
    assert [row[1:4] for row in await ctx.store.audit_log()] == [
        (SIGNAL_ADMIN, "reload", "ok"),
        (SIGNAL_ADMIN, "reload", "failed"),
    ]
    assert any(ctx.knowledge.current.kb.version in r.getMessage() for r in caplog.records)


# -- status --------------------------------------------------------------------------------------
async def test_status_shows_version_counts_last_reload_and_failed_posts(bot: TestBot, ctx: Context) -> None:
    kb = ctx.knowledge.current.kb
    assert t("admin.status.no_reload") in (await say(bot, "status")).text
    await say(bot, "reload")
    for _ in range(3):
        await say(bot, "reload", user=EMPLOYEE)  # refused attempts are not the last reload
    await ctx.store.claim_post("weekly-theme", "2030-W02", "C0FAILING")
    await ctx.store.finish_post(
        "weekly-theme", "2030-W02", "C0FAILING", ok=False, attempts=3, error="channel_not_found"
    )

    reply = await say(bot, "status")

    assert kb.version in reply.text and f"{len(kb.entries)} " in reply.text
    for doc in kb.documents:
        assert (
            t(
                "admin.status.document",
                organization=doc.organization,
                document=doc.title,
                entries=len(doc.entries),
            )
            in reply.text
        )
    assert f"slack:{ADMIN}" in reply.text and t("admin.status.no_scheduler") in reply.text
    assert "C0FAILING" in reply.text and "channel_not_found" in reply.text


async def test_status_lists_the_next_scheduled_posts(bot: TestBot, ctx: Context) -> None:
    from scheduler.service import SchedulerService

    ctx.clock = lambda: datetime(2030, 1, 2, 12, 0, tzinfo=UTC)
    ctx.scheduler = SchedulerService(ctx)  # not started: status only reads the plan
    posts = await ctx.scheduler.upcoming(5)
    assert posts

    reply = await say(bot, "status")

    assert t("admin.status.upcoming") in reply.text
    for post in posts:
        assert post.title in reply.text and post.at.isoformat(timespec="minutes") in reply.text


# -- stats and anonymity -------------------------------------------------------------------------
async def test_stats_groups_unanswered_questions_and_shows_feedback_and_answer_rate(
    bot: TestBot, ctx: Context
) -> None:
    kb = ctx.knowledge.current.kb
    for text in (
        "hvad er der til frokost?",
        "Hvad er der til frokost",
        "hvad er der til frokost i dag",
        "hvornår lukker kantinen",
    ):
        await ctx.store.record_answer(False, text)
    for _ in range(6):
        await ctx.store.record_answer(True)
    liked, disliked = kb.entries[0], kb.entries[1]
    for up in (True, True, False):
        await ctx.store.record_feedback(liked.id, up)
    await ctx.store.record_feedback(disliked.id, False)

    reply = await say(bot, "stats")

    assert t("admin.stats.rate", rate=60, answered=6, declined=4) in reply.text
    assert (
        "3× “hvad er der til frokost" in reply.text.lower() and "1× “hvornår lukker kantinen”" in reply.text
    )
    assert t("admin.stats.votes", title=liked.title, entry=liked.id, up=2, down=1) in reply.text
    assert t("admin.stats.votes", title=disliked.title, entry=disliked.id, up=0, down=1) in reply.text


def test_grouping_joins_spellings_and_keeps_different_questions_apart() -> None:
    groups = group_questions(
        [
            "Hvad er der til frokost?",
            "hvad er der til frokst",
            "hvad er der til frokost",
            "hvornår har kantinen åbent",
            "hvor er kopimaskinen",
        ]
    )
    assert [g.count for g in groups] == [3, 1, 1]
    assert groups[0].example in (
        "Hvad er der til frokost?",
        "hvad er der til frokst",
        "hvad er der til frokost",
    )


async def test_the_database_holds_no_user_or_channel_next_to_question_text(
    bot: TestBot, ctx: Context
) -> None:
    import sqlite3

    user, channel = "U0PRIVATEPERSON", "C0PRIVATECHAN"
    entry = ctx.knowledge.current.kb.entries[0]
    asked = [entry.questions[0], "hvad er der til frokost i kantinen i morgen"]
    for text in asked:
        await bot.send(text, user=user, channel=channel)
    await say(bot, "reload", user=user)  # refused: audited with the user, but no question text

    db = sqlite3.connect(ctx.settings.db_path)
    holding = []
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'"):
        columns = [r[1].lower() for r in db.execute(f"PRAGMA table_info({table})")]
        for row in db.execute(f"SELECT * FROM {table}"):
            cells = [str(c) for c in row]
            if any(q in c for q in asked for c in cells):
                holding.append(table)
                assert not any(w in c for c in columns for w in ("user", "channel", "conversation", "admin"))
                assert not any(user in c or channel in c for c in cells)
    await ctx.settle()  # audit and statistics are written in the background
    assert "hvad er der til frokost i kantinen i morgen" in await ctx.store.unanswered()
    assert holding, "the unanswered question was not stored at all"


async def test_purge_deletes_question_texts_older_than_the_retention(ctx: Context) -> None:
    today = date(2030, 6, 1)
    for age in (200, 91, 90, 1, 0):
        await ctx.store.record_answer(
            False, f"spørgsmål stillet for {age} dage siden", day=today - timedelta(days=age)
        )

    assert await ctx.store.purge_questions(90, today=today) == 2

    assert await ctx.store.unanswered() == [f"spørgsmål stillet for {age} dage siden" for age in (90, 1, 0)]
    assert await ctx.store.answer_counts() == (0, 5)  # the counts stay; only the texts go
    assert await ctx.store.purge_questions(90, today=today) == 0
    # Gone from the file as well: not left in freed pages or the write-ahead log.
    files = [p for p in ctx.settings.db_path.parent.iterdir() if p.name.startswith(ctx.settings.db_path.name)]
    raw = b"".join(p.read_bytes() for p in files)
    assert b"stillet for 91 dage" not in raw and b"stillet for 200 dage" not in raw


async def test_the_daily_purge_job_uses_the_configured_retention(ctx: Context) -> None:
    from scheduler.service import PURGE_JOB_ID, SchedulerService

    ctx.settings = replace(ctx.settings, question_retention_days=30)
    now = datetime(2030, 6, 1, 1, 30, tzinfo=UTC)
    ctx.clock = lambda: now
    for age in (31, 30):
        await ctx.store.record_answer(False, f"{age} dage gammelt", day=now.date() - timedelta(days=age))
    service = SchedulerService(ctx)
    fire = service.triggers()[PURGE_JOB_ID].get_next_fire_time(None, now.astimezone(service.tz))
    assert fire is not None and fire - now <= timedelta(days=1)

    await service.run_purge()

    assert await ctx.store.unanswered() == ["30 dage gammelt"]


async def test_a_reload_that_removed_the_glossary_warns_and_the_glossary_can_be_put_back(
    bot: TestBot, kdir: Path
) -> None:
    started = bot.ctx.knowledge.current.version
    away = (kdir / "synonyms.yaml").rename(kdir / "synonyms.bak")
    removed = await say(bot, "reload")
    without = bot.ctx.knowledge.current.version
    assert (
        t("admin.reload.warnings") in removed.text
        and "• synonyms.yaml:1: this shared file is gone" in removed.text
    )
    away.rename(kdir / "synonyms.yaml")
    restored = await say(bot, "reload")
    assert t("admin.reload.warnings") not in restored.text
    assert bot.ctx.knowledge.current.version not in (started, without) and without != started
    assert (await say(bot, "who do I contact about bullying?", user="U0EMP")).answered
