"""``grundlagbot serve``: one aiohttp application for Slack, Teams, health and metrics.

Routes (DESIGN.md): ``POST /slack/events`` (bot.slack), ``POST /api/messages`` (bot.teams),
``GET /healthz`` and ``GET /metrics`` (here). The scheduler starts and stops with the application
when ``schedule.enabled`` is true in app.yaml.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import ipaddress
import json
import logging
import signal
from typing import Any

from aiohttp import web

from bot.database import shown
from bot.metrics import Metrics
from bot.storage import Storage
from handlers.context import Context
from handlers.replicas import follow, in_sync, publish
from handlers.settings import Settings
from knowledge.service import KnowledgeService

logger = logging.getLogger(__name__)

CONTEXT: web.AppKey[Context] = web.AppKey("context", Context)


def build_context(settings: Settings, knowledge: KnowledgeService | None = None) -> Context:
    """Load the knowledge (unless given, loaded already) and open the database: everything a
    handler needs."""
    store = Storage(settings.database)  # first: a database that cannot be used fails at once
    if knowledge is None:
        try:
            knowledge = KnowledgeService(settings.knowledge_dir)
        except BaseException:
            store.close()
            raise
    metrics = Metrics()
    metrics.entries.set(len(knowledge.current.kb.entries))
    return Context(settings=settings, knowledge=knowledge, store=store, metrics=metrics)


async def healthz(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    kb = ctx.knowledge.current.kb
    body = {
        "status": "ok",
        "knowledge": {
            "version": kb.version,
            "entries": len(kb.entries),
            "documents": len(kb.documents),
            "loaded_at": kb.loaded_at.isoformat(timespec="seconds"),
            # Replicas: the version they published, and whether this one serves it (handlers.replicas)
            "published": ctx.published_knowledge,
            "in_sync": in_sync(ctx),
        },
        "slack": ctx.settings.slack is not None,
        "teams": "authenticated" if ctx.settings.teams.authenticated else "local",
        "scheduler": ctx.scheduler is not None,
        "scheduler_running": ctx.scheduler is not None and ctx.scheduler.running,
        "database": "postgresql" if ctx.store.shared else "sqlite",
    }
    return web.json_response(body, dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def metrics(request: web.Request) -> web.Response:
    body = request.app[CONTEXT].metrics.render()
    return web.Response(body=body, headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})


def create_app(ctx: Context, *, teams_authentication: Any = None) -> web.Application:
    """The whole server as one aiohttp application (tests run it with aiohttp's test server, and
    may give the Teams route another authentication: see ``bot.teams.setup_teams``)."""
    from bot.slack import setup_slack
    from bot.teams import setup_teams
    from scheduler.service import setup_scheduler

    app = web.Application(client_max_size=1024 * 1024)
    app[CONTEXT] = ctx
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    if ctx.settings.slack is not None:
        setup_slack(app, ctx)
    setup_teams(app, ctx, authentication=teams_authentication)
    if ctx.settings.schedule.enabled:
        setup_scheduler(app, ctx)
    if ctx.store.shared:
        setup_replicas(app, ctx)

    async def close_store(app: web.Application) -> None:
        await ctx.settle()  # the statistics and audit writes still on their way
        ctx.store.close()

    app.on_cleanup.append(close_store)
    return app


FOLLOWER: web.AppKey[asyncio.Task[None]] = web.AppKey("knowledge-follower", asyncio.Task)


def setup_replicas(app: web.Application, ctx: Context) -> None:
    """On a shared database: publish this replica's knowledge version, and follow the others'."""

    async def start(app: web.Application) -> None:
        await publish(ctx)
        app[FOLLOWER] = asyncio.get_running_loop().create_task(follow(ctx))

    async def stop(app: web.Application) -> None:
        app[FOLLOWER].cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await app[FOLLOWER]

    app.on_startup.append(start)
    app.on_cleanup.insert(0, stop)


def listen_host(settings: Settings, requested: str | None) -> str:
    """Without a Teams app id, /api/messages is unauthenticated: then listen on loopback only."""
    host = requested or ("0.0.0.0" if settings.teams.authenticated else "127.0.0.1")
    if not settings.teams.authenticated and not is_loopback(host):
        logger.warning(
            "No MICROSOFT_APP_ID: Teams runs unauthenticated, so listening on 127.0.0.1, not %s", host
        )
        return "127.0.0.1"
    return host


def is_loopback(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _log_features(settings: Settings, host: str, port: int) -> None:
    slack = settings.slack
    slack_mode = (
        "off (no SLACK_BOT_TOKEN/SLACK_SIGNING_SECRET)"
        if slack is None
        else ("on, Socket Mode" if slack.app_token else "on, HTTP at POST /slack/events")
    )
    teams = (
        "on, authenticated"
        if settings.teams.authenticated
        else "local mode, unauthenticated (no MICROSOFT_APP_ID)"
    )
    logger.info("Slack: %s", slack_mode)
    logger.info("Teams: %s at POST /api/messages", teams)
    logger.info("Scheduler: %s", "on" if settings.schedule.enabled else "off (schedule.enabled is false)")
    logger.info("Knowledge: %s; storage: %s", settings.knowledge_dir, shown(settings.database))
    logger.info("Listening on http://%s:%d (GET /healthz, GET /metrics)", host, port)


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    host = listen_host(settings, args.host)
    ctx = build_context(settings)
    app = create_app(ctx)
    # The knowledge index is long-lived: keep the garbage collector from walking it on every
    # collection, which otherwise shows in the answers' latency tail.
    gc.freeze()
    _log_features(settings, host, args.port)

    async def on_start(app: web.Application) -> None:
        from handlers.admin import reload_from_signal

        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(reload_from_signal(ctx)))

    app.on_startup.append(on_start)
    web.run_app(app, host=host, port=args.port, print=None, access_log=None, handle_signals=True)
    return 0
