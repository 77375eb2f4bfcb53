"""The scheduler inside ``grundlagbot serve``: APScheduler 3 on the aiohttp application's loop.

Jobs are built from app.yaml when the application starts, with stable ids, in APScheduler's
in-memory job store: nothing (no client, no connection) is pickled, and the state that matters
lives in the storage's exactly-once record. APScheduler 3 cannot share a job store between
processes: with replicas on one PostgreSQL database, the one that holds the database's advisory
lock (:meth:`Store.lead`) runs the scheduler, and the others try every :data:`LEAD_EVERY`
seconds, so one of them takes over within seconds of the leader's death (its session ends, and the
lock with it). ``schedule.enabled: false`` keeps a replica out of it altogether. Alone (SQLite),
the process runs its scheduler from the start, as before.

A job that fires late (the loop was busy, the machine slept) still runs within
``schedule.grace_hours``; when the process itself was down at the time, :meth:`start` catches up
the current period's missed post if it is still within that window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

from aiohttp import web
from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from handlers.context import Context
from handlers.rotation import ThemeCalendar
from handlers.services import PostRecord, StoreError
from scheduler.delivery import Courier
from scheduler.jobs import post_med_reminders, post_weekly_theme
from scheduler.plan import PlannedPost, plan, registered

logger = logging.getLogger(__name__)

THEME_JOB_ID = "weekly-theme"
REMINDER_JOB_ID = "med-reminders"
PURGE_JOB_ID = "purge-questions"
PURGE_AT = (3, 30)
LEAD_EVERY = 5.0  # seconds between a replica's attempts to take, or keep, the scheduler  # local time of the daily purge of old unanswered questions


class PostingDayTrigger(CronTrigger):  # type: ignore[misc]  # APScheduler ships no type hints
    """Fires at the theme's local time, on each week's posting day only.

    A daily CronTrigger (so DST is APScheduler's business) filtered by the calendar: pause weeks
    are skipped, and a public holiday moves the post to the next working day.
    """

    def __init__(self, calendar: ThemeCalendar) -> None:
        super().__init__(hour=calendar.at.hour, minute=calendar.at.minute, timezone=calendar.tz)
        self.calendar = calendar

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        fire: datetime | None = super().get_next_fire_time(previous_fire_time, now)
        for _ in range(400):  # a year of days: only a calendar of nothing but pause weeks runs out
            if fire is None or self.calendar.is_posting_day(fire.date()):
                return fire
            fire = super().get_next_fire_time(None, fire + timedelta(seconds=1))
        return None


class SchedulerService:
    """The running schedule of one process: ``ctx.scheduler``, read by the admin ``status``."""

    def __init__(self, ctx: Context, courier: Courier | None = None) -> None:
        self.ctx = ctx
        self.courier = courier or Courier()  # one pacer for all the jobs of this process
        self.settings = ctx.settings.schedule
        self.calendar = ThemeCalendar.from_settings(self.settings)
        self.tz = self.calendar.tz
        self.grace = timedelta(hours=self.settings.grace_hours)
        self.scheduler = AsyncIOScheduler(
            timezone=self.tz,
            jobstores={"default": MemoryJobStore()},
            job_defaults={
                "coalesce": True,  # after downtime, one run, not one per missed firing
                "max_instances": 1,
                "misfire_grace_time": max(1, int(self.grace.total_seconds())),
            },
        )
        self.scheduler.add_listener(self._on_error, EVENT_JOB_ERROR)

    # -- lifecycle --------------------------------------------------------------------------------
    def triggers(self) -> dict[str, CronTrigger]:
        remind = self.settings.reminder_time
        return {
            THEME_JOB_ID: PostingDayTrigger(self.calendar),
            REMINDER_JOB_ID: CronTrigger(hour=remind.hour, minute=remind.minute, timezone=self.tz),
            PURGE_JOB_ID: CronTrigger(hour=PURGE_AT[0], minute=PURGE_AT[1], timezone=self.tz),
        }

    def start(self) -> None:
        """Add the jobs, start the scheduler, and catch up a post missed within the grace window."""
        jobs: dict[str, Callable[[], Awaitable[Any]]] = {
            THEME_JOB_ID: self.run_weekly_theme,
            REMINDER_JOB_ID: self.run_med_reminders,
            PURGE_JOB_ID: self.run_purge,
        }
        for job_id, trigger in self.triggers().items():
            self.scheduler.add_job(jobs[job_id], trigger, id=job_id, name=job_id, replace_existing=True)
        self.scheduler.start()
        for job_id, day in self.missed(self.now()):
            logger.info("Catching up the %s run of %s missed while the bot was down", job_id, day)
            run = post_weekly_theme if job_id == THEME_JOB_ID else post_med_reminders
            self.scheduler.add_job(
                run,
                "date",
                args=[self.ctx, day],
                kwargs={"courier": self.courier},
                id=f"{job_id}-catch-up",
                replace_existing=True,
            )
        logger.info("Scheduler started (%s); next weekly theme %s", self.tz.key, self.next_run(THEME_JOB_ID))

    async def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down in a callback on the loop

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    # -- jobs -----------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.ctx.clock().astimezone(self.tz)

    async def run_weekly_theme(self) -> None:
        today = self.now().date()
        await post_weekly_theme(self.ctx, self.calendar.week_posted_on(today) or today, courier=self.courier)

    async def run_med_reminders(self) -> None:
        await post_med_reminders(self.ctx, self.now().date(), courier=self.courier)

    async def run_purge(self) -> None:
        removed = await self.ctx.store.purge_questions(
            self.ctx.settings.question_retention_days, today=self.now().date()
        )
        logger.info(
            "Purged %d unanswered question(s) older than %d days",
            removed,
            self.ctx.settings.question_retention_days,
        )

    async def lead(self, every: float = LEAD_EVERY) -> None:
        """Run the scheduler while this replica holds the leadership; until cancelled."""
        while True:
            try:
                leading = await self.ctx.store.lead()
            except StoreError as exc:
                logger.warning("Could not check who runs the scheduler: %s", exc)
                self.ctx.metrics.errors.labels("storage").inc()
                leading = False
            if leading and not self.running:
                logger.info("This replica runs the scheduler now")
                self.start()
            elif not leading and self.running:
                logger.warning("This replica no longer runs the scheduler: another one does")
                await self.stop()
            await asyncio.sleep(every)

    def _on_error(self, event: JobExecutionEvent) -> None:
        # APScheduler has logged the traceback already; count it for /metrics.
        self.ctx.metrics.errors.labels("scheduler").inc()

    def missed(self, now: datetime) -> list[tuple[str, date]]:
        """Runs whose time passed less than the grace window ago: at start they may have been missed."""
        now = now.astimezone(self.tz)
        found = []
        weeks = [now.date() - timedelta(weeks=back) for back in (1, 0)]
        posts = [
            (at, week) for week in weeks if (at := self.calendar.posting_at(week)) is not None and at <= now
        ]
        if posts and now - max(posts)[0] <= self.grace:
            found.append((THEME_JOB_ID, max(posts)[1]))  # a day of the week whose theme is due
        remind = self.settings.reminder_time
        for day in (now.date(), now.date() - timedelta(days=1)):
            at = datetime.combine(day, remind, tzinfo=self.tz)
            if at <= now:
                if now - at <= self.grace:
                    found.append((REMINDER_JOB_ID, day))
                break
        return found

    # -- what ``status`` shows --------------------------------------------------------------------
    def next_run(self, job_id: str) -> datetime | None:
        job = self.scheduler.get_job(job_id)
        return getattr(job, "next_run_time", None) if job is not None else None

    async def upcoming(self, n: int = 5) -> list[PlannedPost]:
        """The next ``n`` scheduled posts, with their targets."""
        now = self.now()
        known = await registered(self.ctx.store)
        posts = plan(self.ctx.knowledge.current.kb, self.ctx.settings, known, now.date(), weeks=n + 5)
        return [p for p in posts if p.at >= now][:n]

    async def failures(self, limit: int = 10) -> list[PostRecord]:
        """Posts that failed after their retries and have not been posted since."""
        return await self.ctx.store.post_records("failed", limit=limit)


LEADERSHIP: web.AppKey[asyncio.Task[None]] = web.AppKey("scheduler-leadership", asyncio.Task)


def setup_scheduler(app: web.Application, ctx: Context) -> None:
    """Run the scheduler with the aiohttp application: started on startup, shut down on cleanup."""
    service = SchedulerService(ctx)
    ctx.scheduler = service

    async def start(app: web.Application) -> None:
        if ctx.store.shared:  # replicas: the one that leads runs it
            app[LEADERSHIP] = asyncio.get_running_loop().create_task(service.lead())
        else:
            service.start()

    async def stop(app: web.Application) -> None:
        if LEADERSHIP in app:
            app[LEADERSHIP].cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await app[LEADERSHIP]
        await service.stop()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
