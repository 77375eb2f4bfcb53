"""Admin commands: ``reload`` (also on SIGHUP), ``status`` and ``stats``.

Admins are listed in app.yaml and ``GRUNDLAGBOT_ADMINS`` (``slack:U0123``, ``teams:<AAD object
id>``); an organisation's own admins (its ``admins`` in app.yaml) may use ``stats``, which shows
them that organisation's questions only. Anyone else gets a polite refusal, nothing happens, and
the attempt is audited. Every
reload, whatever its outcome, is written to the audit log with who asked and when.

Replies are Danish: the admin commands are HR's tools, and their words (``reload``, ``status``,
``stats``) are the same in both languages.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from handlers.admin_reports import statistics, status
from handlers.context import Context
from handlers.messages import Message, Reply
from handlers.replicas import publish
from handlers.router import command
from handlers.texts import t
from knowledge.reload import ReloadReport

logger = logging.getLogger(__name__)

MAX_PROBLEMS = 25  # listed in a reply; the log has them all
MAX_IDS = 5  # entry ids named per document and kind of change
SIGNAL_ADMIN = "signal:SIGHUP"


def refuse(msg: Message, ctx: Context, action: str) -> Reply | None:
    """A refusal for a non-admin (audited), or None when ``msg`` comes from an admin."""
    if ctx.is_admin(msg):
        return None
    ctx.record("audit", ctx.store.audit(f"{msg.platform}:{msg.user}", action, "refused"))
    logger.info("Admin command %s refused for a non-admin on %s", action, msg.platform)
    return admin_reply(t("admin.refused", command=action))


def admin_reply(text: str) -> Reply:
    # Not an answer from the knowledge (answered=False): no feedback or "share in channel" buttons,
    # whose click would run the admin command again. Ephemeral: only the admin sees it.
    return Reply(text=text, answered=False, ephemeral=True)


async def run_reload(ctx: Context, admin: str) -> ReloadReport:
    """Reload the knowledge, audit it and update the metrics; the report says what happened."""
    report = await ctx.reloader.reload()
    outcome = "ok" if report.ok else "failed"
    detail = (
        f"{report.previous_version}->{report.version}" if report.ok else f"{len(report.problems)} problems"
    )
    ctx.record("audit", ctx.store.audit(admin, "reload", outcome, detail))
    ctx.metrics.reloads.labels(outcome).inc()
    ctx.metrics.entries.set(len(ctx.knowledge.current.kb.entries))
    if report.ok:
        await publish(ctx)  # the other replicas load the same files
    return report


@command("reload", "reload", "genindlæs", "genindlaes")
async def handle_reload(msg: Message, ctx: Context, argument: str) -> Reply:
    """Reload the knowledge files and say what changed, or what is wrong."""
    refused = refuse(msg, ctx, "reload")
    if refused is not None:
        return refused
    report = await run_reload(ctx, f"{msg.platform}:{msg.user}")
    return admin_reply(render_report(report))


async def reload_from_signal(ctx: Context) -> None:
    """SIGHUP: reload as daemons do; the outcome goes to the log and the audit log."""
    try:
        report = await run_reload(ctx, SIGNAL_ADMIN)
    except Exception:
        # A signal handler's task has no caller to report to: log it, keep serving.
        logger.exception("Reload on SIGHUP failed")
        ctx.metrics.errors.labels("reload").inc()
        return
    if report.ok:
        logger.info(
            "SIGHUP reload: version %s, %d entries, %d ms",
            report.version,
            report.entries,
            report.milliseconds,
        )
    for problem in report.problems:
        logger.error("SIGHUP reload: %s", problem)


def render_report(report: ReloadReport) -> str:
    """The reload reply: what changed per document, or each problem as ``file:line: message``."""
    if not report.ok:
        lines = [t("admin.reload.failed", count=len(report.problems), version=report.version)]
        lines += [f"• {p}" for p in report.problems[:MAX_PROBLEMS]]
        if len(report.problems) > MAX_PROBLEMS:
            lines.append(t("admin.more", count=len(report.problems) - MAX_PROBLEMS))
        return "\n".join(lines)
    added, removed, changed = report.counts
    lines = [
        t(
            "admin.reload.ok",
            ms=report.milliseconds,
            version=report.version,
            previous=report.previous_version,
        ),
        t(
            "admin.reload.totals",
            documents=report.documents,
            entries=report.entries,
            added=added,
            removed=removed,
            changed=changed,
        ),
    ]
    for doc in report.changes:
        parts = [
            t(key, count=len(ids), ids=_ids(ids))
            for key, ids in (
                ("admin.reload.added", doc.added),
                ("admin.reload.removed", doc.removed),
                ("admin.reload.changed", doc.changed),
            )
            if ids
        ]
        lines.append(f"• {doc.organization} · {doc.document}: {'; '.join(parts)}")
    if not report.changes:
        lines.append(t("admin.reload.unchanged"))
    if report.other_changes:
        names = ", ".join(t(f"admin.reload.other.{name}") for name in report.other_changes)
        lines.append(t("admin.reload.other", names=names))
    if report.warnings:
        lines += [t("admin.reload.warnings"), *(f"• {w}" for w in report.warnings)]
    return "\n".join(lines)


def _ids(ids: tuple[str, ...]) -> str:
    shown = ", ".join(ids[:MAX_IDS])
    return shown + (f", … (+{len(ids) - MAX_IDS})" if len(ids) > MAX_IDS else "")


@command("status", "status")
async def handle_status(msg: Message, ctx: Context, argument: str) -> Reply:
    """Knowledge version and counts, last reload, next scheduled posts, recent failures."""
    refused = refuse(msg, ctx, "status")
    if refused is not None:
        return refused
    return admin_reply(await status(ctx))


@command("stats", "stats", "statistik")
async def handle_stats(msg: Message, ctx: Context, argument: str) -> Reply:
    """Unanswered questions grouped by similarity, 👍/👎 per entry and the answer rate: anonymous.

    A global admin sees them all, then per organisation, with the choices that teach them; an
    organisation's own admin sees that organisation's only (and teaches nothing: teaching edits
    files every organisation's answers come from)."""
    own = None if ctx.is_admin(msg) else ctx.admin_of(msg)
    if own is not None:
        return admin_reply((await statistics(ctx, own))[0])
    refused = refuse(msg, ctx, "stats")
    if refused is not None:
        return refused
    text, offers = await statistics(ctx)
    return replace(admin_reply(text), teach=offers)
