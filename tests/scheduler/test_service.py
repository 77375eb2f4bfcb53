"""The scheduler inside the aiohttp application: started and stopped with it, its jobs, catch-up.

The scheduler runs for real (APScheduler's AsyncIOScheduler on the test's loop); no test waits for
a job to come due. Catch-up runs are due at once, and their post is awaited at the fake Slack.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from bot.server import create_app
from scheduler.service import PURGE_JOB_ID, REMINDER_JOB_ID, THEME_JOB_ID, SchedulerService
from tests.aiohttp_types import AiohttpClient
from tests.bot.slack_fakes import FakeSlack
from tests.scheduler.helpers import CHAIR, local, make_context, quick, say, without_client_retries
from tests.testbot import MakeBot


async def test_the_scheduler_starts_and_stops_with_the_application(
    testbot: MakeBot, aiohttp_client: AiohttpClient
) -> None:
    ctx = make_context(testbot, enabled=True)
    app = create_app(ctx)
    service = ctx.scheduler
    assert isinstance(service, SchedulerService) and not service.running

    client = await aiohttp_client(app)
    assert service.running
    jobs = {job.id: job for job in service.scheduler.get_jobs()}
    assert set(jobs) == {THEME_JOB_ID, REMINDER_JOB_ID, PURGE_JOB_ID}
    for job in jobs.values():  # caught up within the grace window, once, however long the downtime
        assert job.misfire_grace_time == 12 * 3600 and job.coalesce and job.max_instances == 1
    theme_at = jobs[THEME_JOB_ID].next_run_time
    assert (theme_at.hour, theme_at.minute) == (9, 0) and service.calendar.is_posting_day(theme_at.date())
    assert (jobs[REMINDER_JOB_ID].next_run_time.hour, jobs[PURGE_JOB_ID].next_run_time.hour) == (8, 3)
    assert (await client.get("/healthz")).status == 200

    await client.close()
    assert not service.running


async def test_without_schedule_enabled_there_is_no_scheduler(testbot: MakeBot) -> None:
    ctx = make_context(testbot, enabled=False)
    assert ctx.scheduler is None


def test_missed_runs_within_the_grace_window(testbot: MakeBot) -> None:
    service = SchedulerService(make_context(testbot, enabled=False))
    monday = date(2027, 1, 4)
    assert service.missed(local(2027, 1, 4, 10, 0)) == [(THEME_JOB_ID, monday), (REMINDER_JOB_ID, monday)]
    assert service.missed(local(2027, 1, 4, 8, 30)) == [(REMINDER_JOB_ID, monday)]  # theme not yet due
    assert service.missed(local(2027, 1, 4, 21, 0)) == [(THEME_JOB_ID, monday)]  # 12 h after 09:00
    assert service.missed(local(2027, 1, 4, 21, 1)) == []  # more than 12 hours late for both
    assert service.missed(local(2027, 1, 5, 7, 0)) == []
    # After a holiday shift, the post of the week is on Tuesday.
    assert service.missed(local(2027, 3, 30, 9, 30))[0] == (THEME_JOB_ID, date(2027, 3, 30))
    friday = SchedulerService(make_context(testbot, db="friday.sqlite3", theme_day="fri"))
    job, day = friday.missed(local(2027, 3, 30, 9, 30))[0]  # Good Friday's post, moved to Tuesday
    assert job == THEME_JOB_ID and day.isocalendar().week == 12
    # Sunday night's downtime ends Monday morning before the post: nothing was missed.
    assert (THEME_JOB_ID, date(2027, 1, 4)) not in service.missed(local(2027, 1, 4, 8, 59))


async def test_a_post_missed_during_downtime_is_caught_up_at_start(
    testbot: MakeBot, aiohttp_client: AiohttpClient, fake_slack: FakeSlack
) -> None:
    back = local(2027, 1, 4, 11, 0)  # down at 09:00, back at 11:00
    ctx = make_context(testbot, fake_slack, now=back, enabled=True)
    await say(ctx, "abonner")

    await aiohttp_client(create_app(ctx))

    [post] = await fake_slack.wait(
        lambda c: c.method == "chat.postMessage" and c.body["channel"] == "C0THEME"
    )
    assert "uge 1" in post.text()
    [dm] = await fake_slack.wait(
        lambda c: c.method == "chat.postMessage" and c.body["channel"] == f"D{CHAIR}"
    )
    assert "Personale- og arbejdsmiljøpolitikken gjort kendt" in dm.text()  # week 3's item, due 4 January
    for _ in range(50):  # the job records the post once Slack's answer is back
        if await ctx.store.post_status("weekly-theme", "2027-W01", "slack:C0THEME") == "posted":
            break
        await asyncio.sleep(0.05)
    assert await ctx.store.post_status("weekly-theme", "2027-W01", "slack:C0THEME") == "posted"


async def test_status_can_show_the_next_posts_and_the_failures(
    testbot: MakeBot, fake_slack: FakeSlack
) -> None:
    ctx = make_context(testbot, fake_slack, now=local(2027, 1, 4, 9, 30))
    await say(ctx, "abonner")
    service = SchedulerService(ctx, quick())

    coming = await service.upcoming(5)

    assert len(coming) == 5 and [p.at for p in coming] == sorted(p.at for p in coming)
    assert all(p.at >= local(2027, 1, 4, 9, 30) for p in coming)
    assert coming[0].job == "med-reminder" and coming[0].at == local(2027, 1, 11, 8, 0)
    assert any(p.targets == ("slack:C0THEME",) for p in coming)
    assert await service.failures() == []
    fake_slack.fail["chat.postMessage"] = 100
    without_client_retries(ctx)
    await service.run_weekly_theme()
    [failure] = await service.failures()
    assert failure.target == "slack:C0THEME" and failure.period == "2027-W01"


async def test_the_daily_purge_removes_old_unanswered_questions(testbot: MakeBot) -> None:
    now = local(2027, 6, 1, 3, 30)
    ctx = make_context(testbot, now=now)
    await ctx.store.record_answer(False, "hvad er der til frokost", day=(now - timedelta(days=91)).date())
    await ctx.store.record_answer(False, "hvornår er der julefrokost", day=(now - timedelta(days=10)).date())

    await SchedulerService(ctx, quick()).run_purge()

    assert await ctx.store.unanswered() == ["hvornår er der julefrokost"]
