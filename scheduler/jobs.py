"""The posting jobs, shared by the scheduler in ``serve`` and by ``grundlagbot post``.

Each post is claimed in the storage's exactly-once record under (job, period, target) before it is
sent and marked posted or failed after: a restart, a second ``post`` run, a catch-up or a second
replica never posts the same thing twice, and a failed post is tried again by the next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from handlers import compose
from handlers import wheel as annual_wheel
from handlers.context import Context
from handlers.messages import Reply
from handlers.rotation import ThemeCalendar, week_period
from handlers.services import StoreError
from scheduler.delivery import Courier
from scheduler.plan import (
    REMINDER_JOB,
    THEME_JOB,
    chair_targets,
    registered,
    theme_organizations,
    theme_targets,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What happened to one post: posted, already (posted before), failed, skipped, dry-run, or
    (in a dry run) no-targets: the post nobody would get yet."""

    job: str
    period: str
    target: str
    status: str
    title: str
    reply: Reply
    detail: str = ""


async def post_weekly_theme(
    ctx: Context, day: date, dry_run: bool = False, courier: Courier | None = None
) -> list[Outcome]:
    """Post the theme of ``day``'s ISO week to every target of every organisation; none in pause weeks.

    ``courier`` paces and retries the posts; the scheduler passes its own, shared by its jobs.
    """
    courier = courier or Courier()
    calendar = ThemeCalendar.from_settings(ctx.settings.schedule)
    if calendar.is_pause(day):
        logger.info("Week %s is a pause week: no weekly theme", week_period(day))
        return []
    kb = ctx.knowledge.current.kb
    known = await registered(ctx.store)
    outcomes = []
    for org in theme_organizations(kb):
        entry = calendar.pick(kb.themes(org), day)
        if entry is None:
            continue
        reply = compose.theme_reply(entry, day)
        targets = theme_targets(ctx.settings, known, org)
        if dry_run and not targets:
            outcomes.append(Outcome(THEME_JOB, week_period(day), "-", "no-targets", reply.title or "", reply))
        for target in targets:
            outcomes.append(
                await _post(
                    ctx, courier, THEME_JOB, week_period(day), target, reply, direct=False, dry_run=dry_run
                )
            )
    return outcomes


async def post_med_reminders(
    ctx: Context, day: date, dry_run: bool = False, courier: Courier | None = None
) -> list[Outcome]:
    """DM every MED chair the årshjul items whose reminder is due on ``day`` (see wheel.due)."""
    courier = courier or Courier()
    kb = ctx.knowledge.current.kb
    known = await registered(ctx.store)
    outcomes = []
    for wheel in kb.wheels:
        targets = chair_targets(ctx.settings, known, wheel.organization)
        for occ in annual_wheel.due(wheel, day):
            entry = kb.entry(occ.item.entry) if occ.item.entry else None
            reply = compose.reminder_reply(wheel, occ, entry)
            if dry_run and not targets:
                outcomes.append(
                    Outcome(REMINDER_JOB, occ.period, "-", "no-targets", reply.title or "", reply)
                )
            for target in targets:
                outcomes.append(
                    await _post(
                        ctx, courier, REMINDER_JOB, occ.period, target, reply, direct=True, dry_run=dry_run
                    )
                )
    return outcomes


async def _post(
    ctx: Context,
    courier: Courier,
    job: str,
    period: str,
    target: str,
    reply: Reply,
    *,
    direct: bool,
    dry_run: bool,
) -> Outcome:
    title = reply.title or ""
    platform, _, address = target.partition(":")
    if dry_run:
        done = await ctx.store.post_status(job, period, target) == "posted"
        return Outcome(job, period, target, "already" if done else "dry-run", title, reply)
    poster = ctx.posters.get(platform)
    if poster is None:
        return Outcome(
            job, period, target, "skipped", title, reply, f"no {platform} connection in this process"
        )
    try:
        # An unfinished claim younger than schedule.claim_timeout_seconds belongs to a post under
        # way elsewhere (another replica, another ``post``): it is left alone.
        pending_for = ctx.settings.schedule.claim_timeout_seconds
        claim = await ctx.store.claim_post(job, period, target, pending_for=pending_for)
    except StoreError as exc:  # without a claim, posting could double a post: try again next run
        logger.error("Could not claim %s %s for %s: %s", job, period, platform, exc)
        ctx.metrics.errors.labels("storage").inc()
        return Outcome(job, period, target, "failed", title, reply, f"database: {exc}")
    if claim is None:
        return Outcome(job, period, target, "already", title, reply)
    if claim.taken_over is not None and not direct:
        # An earlier run claimed this post and never finished: it may have died while the
        # platform was accepting the post. Look before posting again.
        found = await poster.find_post(address, reply, claim.taken_over)
        if found is not None:
            await ctx.store.finish_post(job, period, target, ok=True, attempts=0, ref=found)
            logger.info("Found %s %s in %s from an unfinished run: not posted again", job, period, platform)
            return Outcome(job, period, target, "already", title, reply, "posted by an unfinished run")
    sent: list[str | None] = []

    async def send() -> None:
        if direct:
            await poster.direct(address, reply)
        else:
            sent.append(await poster.post(address, reply))

    result = await courier.deliver(send, target)
    await ctx.store.finish_post(
        job,
        period,
        target,
        ok=result.ok,
        attempts=result.attempts,
        error=result.error,
        ref=next(iter(sent), None),
    )
    ctx.metrics.posts.labels(job, "posted" if result.ok else "failed").inc()
    if result.ok:
        logger.info("Posted %s %s to %s", job, period, platform)
        return Outcome(job, period, target, "posted", title, reply)
    return Outcome(job, period, target, "failed", title, reply, result.error or "")
