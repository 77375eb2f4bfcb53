"""``grundlagbot schedule`` (the preview) and ``grundlagbot post`` (one job, now).

``post`` uses the same storage as ``serve`` (``GRUNDLAGBOT_DB``), so its exactly-once record is
shared with the running server: posting a week by hand that the server already posted (or the
other way round) posts nothing. It talks to Slack with the adapter's poster and to Teams with the
Teams adapter's poster (when an app id is configured), without starting the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date, datetime

from aiohttp import web

from bot.storage import Storage
from handlers.context import Context
from handlers.rotation import ThemeCalendar, week_period
from handlers.settings import Settings
from knowledge.model import KnowledgeError
from scheduler.jobs import Outcome, post_med_reminders, post_weekly_theme
from scheduler.plan import PlannedPost, plan, registered


def today(settings: Settings) -> date:
    return datetime.now(ThemeCalendar.from_settings(settings.schedule).tz).date()


def run_schedule(args: argparse.Namespace, settings: Settings) -> int:
    """Print the posts of the coming weeks: a table, or with ``--json`` a JSON array in time order."""
    from knowledge.loader import load_knowledge

    try:
        kb = load_knowledge(settings.knowledge_dir)
    except KnowledgeError as exc:
        print("\n".join(str(p) for p in exc.problems), file=sys.stderr)
        return 1
    # Read subscriptions when the database exists; a preview never creates one.
    store = Storage(settings.database) if settings.db_url or settings.db_path.exists() else None
    try:
        known = asyncio.run(registered(store))
    finally:
        if store is not None:
            store.close()
    posts = plan(kb, settings, known, args.start or today(settings), args.weeks)
    if args.json:
        print(json.dumps([p.to_json() for p in posts], ensure_ascii=False, indent=2))
    else:
        print(table(posts))
    return 0


def table(posts: list[PlannedPost]) -> str:
    if not posts:
        return "Nothing is scheduled in that period."
    rows = [("when", "job", "organisation", "title", "targets")]
    for p in posts:
        targets = ", ".join(p.targets) if p.targets else "(no targets yet)"
        rows.append((p.at.strftime("%a %Y-%m-%d %H:%M %z"), p.job, p.organization, p.title, targets))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join(
        "  ".join([*(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)), r[4]]) for r in rows
    )


def run_post(args: argparse.Namespace, settings: Settings) -> int:
    """Run one job for one day; print what was posted, skipped or failed. Exit 1 if any failed."""
    from bot.server import build_context

    try:
        ctx = build_context(settings)
    except KnowledgeError as exc:
        print("\n".join(str(p) for p in exc.problems), file=sys.stderr)
        return 1
    day = args.date or today(settings)
    calendar = ThemeCalendar.from_settings(settings.schedule)
    if args.job == "weekly-theme" and calendar.is_pause(day):
        print(f"{week_period(day)} is a pause week: no weekly theme is posted.")
        return 0
    try:
        outcomes = asyncio.run(_run(ctx, args.job, day, args.dry_run))
    finally:
        ctx.store.close()
    print(report(outcomes, args.dry_run))
    return 1 if any(o.status == "failed" for o in outcomes) else 0


async def _run(ctx: Context, job: str, day: date, dry_run: bool) -> list[Outcome]:
    if not dry_run:
        connect(ctx)
    run = post_weekly_theme if job == "weekly-theme" else post_med_reminders
    return await run(ctx, day, dry_run)


def connect(ctx: Context) -> None:
    """Register the platforms' posters in ``ctx.posters``, as ``serve`` does, without serving."""
    if ctx.settings.slack is not None:
        from bot.slack_client import SlackPoster, make_client

        # A client of its own, not the adapter: no Socket Mode connection from a one-off command.
        client = make_client(ctx.settings.slack)
        if ctx.settings.slack.oauth is not None:  # many workspaces: each target's workspace token
            from bot.slack_oauth import workspace_clients

            ctx.posters["slack"] = SlackPoster(client, workspace_clients(ctx.settings.slack, ctx, client))
        else:
            ctx.posters["slack"] = SlackPoster(client)
    if ctx.settings.teams.authenticated:
        from bot.teams import setup_teams

        setup_teams(web.Application(), ctx)  # an application never served: only its poster is used


def report(outcomes: list[Outcome], dry_run: bool) -> str:
    if not outcomes:
        return "Nothing to post: no targets (or nothing due) for that day."
    lines = []
    shown: set[str] = set()
    for o in outcomes:
        if dry_run and o.reply.text not in shown:
            shown.add(o.reply.text)
            lines += ["", o.reply.text, ""]
        detail = f" ({o.detail})" if o.detail else ""
        lines.append(f"{o.status:8} {o.job} {o.period} {o.target}{detail}")
    return "\n".join(lines).strip("\n")
