"""Replicas serve one knowledge version: a reload on one reaches the others.

With a shared database (PostgreSQL), every replica publishes the content digest of its knowledge
(the part of ``kb.version`` before the dot) when it starts and after an admin's successful reload;
the others poll the published version every :data:`FOLLOW_EVERY` seconds and, when it is not
theirs, reload their own files, validated as an admin's reload is. A replica whose files give
another version (a bad deploy, a folder not shared) keeps serving what it has and says so:
``/healthz`` shows ``knowledge.in_sync: false`` with the published version, and ``/metrics``
``grundlagbot_knowledge_in_sync 0``. The newest start or reload wins, so a rolling deploy of new
files converges as the replicas restart. Alone (SQLite) none of this runs.
"""

from __future__ import annotations

import asyncio
import logging

from handlers.context import Context
from handlers.services import StoreError

logger = logging.getLogger(__name__)

FOLLOW_EVERY = 2.0  # seconds between looks at the published version: a reload reaches all within 5 s


def content_version(version: str) -> str:
    """The part of a knowledge version that depends on the files only (not on this process)."""
    return version.split(".")[0]


def in_sync(ctx: Context) -> bool:
    published = ctx.published_knowledge
    return published is None or published == content_version(ctx.knowledge.current.version)


def _report(ctx: Context) -> None:
    ctx.metrics.knowledge_in_sync.set(1 if in_sync(ctx) else 0)


async def publish(ctx: Context) -> None:
    """Tell the other replicas which knowledge to serve: this one's (after a start or a reload)."""
    if not ctx.store.shared:
        return
    version = content_version(ctx.knowledge.current.version)
    try:
        await ctx.store.publish_knowledge(version)
    except StoreError as exc:
        logger.warning("Could not publish knowledge version %s to the replicas: %s", version, exc)
        ctx.metrics.errors.labels("storage").inc()
        return
    ctx.published_knowledge = version
    _report(ctx)


async def follow_once(ctx: Context) -> None:
    """Load the files again when another replica published a version this one does not serve."""
    published = await ctx.store.published_knowledge()
    if published is None or published == ctx.published_knowledge:
        return
    ctx.published_knowledge = published
    if published != content_version(ctx.knowledge.current.version):
        report = await ctx.reloader.reload()
        ctx.metrics.reloads.labels("ok" if report.ok else "failed").inc()
        ctx.metrics.entries.set(len(ctx.knowledge.current.kb.entries))
        if in_sync(ctx):
            logger.info("Reloaded knowledge version %s, as another replica did", report.version)
        else:
            logger.error(
                "The replicas serve knowledge version %s, but this one's files give %s (%d problems)",
                published,
                content_version(ctx.knowledge.current.version),
                len(report.problems),
            )
    _report(ctx)


async def follow(ctx: Context, every: float = FOLLOW_EVERY) -> None:
    """Run :func:`follow_once` every ``every`` seconds, until cancelled."""
    while True:
        await asyncio.sleep(every)
        try:
            await follow_once(ctx)
        except StoreError as exc:
            logger.warning("Could not read the replicas' knowledge version: %s", exc)
            ctx.metrics.errors.labels("storage").inc()
