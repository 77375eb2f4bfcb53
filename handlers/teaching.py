"""Teaching from real questions: what the admins' chat actions and ``grundlagbot teach`` call.

:func:`describe` words what a teaching action did; :func:`record` writes it to the audit log (the
entry and the file, never the question: the audit log holds no question text);
:func:`teach_and_reload` is the whole chat action: edit the file, audit, reload. The chat UIs (a
Slack select menu on ``stats``, a Teams card) call :func:`teach_and_reload` with the admin's id.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from handlers.messages import Language, TeachChoice
from handlers.services import Store
from handlers.texts import t
from knowledge.service import Snapshot
from knowledge.teach import Taught, TeachFailed, mark_not_answered, teach

if TYPE_CHECKING:
    from handlers.context import Context

logger = logging.getLogger(__name__)

MAX_CHOICES = 3  # candidate entries offered for an unanswered question


def choices(snapshot: Snapshot, question: str) -> tuple[TeachChoice, ...]:
    """The entries that come closest to answering ``question``: the matcher's best matches."""
    result = snapshot.matcher.match(question, limit=MAX_CHOICES)
    return tuple(
        TeachChoice(m.entry.id, m.entry.title, m.entry.organization, m.entry.document) for m in result.matches
    )


def action_value(entry_id: str, question: str) -> str:
    """What a teaching click carries: the entry chosen and the question (entry ids have no spaces)."""
    return f"{entry_id} {question}"


def parse_action_value(value: str) -> tuple[str, str]:
    """The entry id and the question of :func:`action_value`; empty strings when missing."""
    entry_id, _, question = value.partition(" ")
    return entry_id, question.strip()


def apply(folder: Path, question: str, entry_id: str, *, not_answered: bool = False) -> Taught:
    """Teach ``question`` to entry ``entry_id``, or mark it not answered by the entry's document.

    Raises :class:`~knowledge.teach.TeachFailed` with the reason when nothing was changed.
    """
    return (mark_not_answered if not_answered else teach)(folder, question, entry_id)


async def record(store: Store, admin: str, action: str, entry_id: str, outcome: str, file: str = "") -> None:
    """The audit line of a teaching action: who, what, on which entry; no question text."""
    await store.audit(admin, action, outcome, f"{entry_id} ({Path(file).name})" if file else entry_id)


def describe(taught: Taught, language: Language = "da") -> str:
    """What a teaching action did, and what the question gets now, in plain words."""
    name = Path(taught.file).name
    if taught.action == "teach":
        key = "teach.added" if taught.added else "teach.present"
        lines = [
            t(
                key,
                language,
                question=taught.question,
                language=taught.language,
                entry=taught.entry_id,
                file=name,
            )
        ]
        if taught.answered:
            lines.append(t("teach.answers", language, entry=taught.entry_id))
        else:
            lines.append(t("teach.not_yet", language, entry=taught.entry_id, best=taught.best or "-"))
        return "\n".join(lines)
    key = "teach.declined_added" if taught.added else "teach.declined_present"
    lines = [
        t(key, language, question=taught.question, organization=taught.organization,
          document=taught.document, file=name)
    ]  # fmt: skip
    if taught.answered and taught.best:
        lines.append(t("teach.declined_other", language, best=taught.best))
    elif taught.answered:
        lines.append(t("teach.declined_now", language))
    return "\n".join(lines)


async def teach_and_reload(
    ctx: Context, admin: str, question: str, entry_id: str, *, not_answered: bool = False
) -> str:
    """The chat action: teach (or mark not answered), audit, and reload so it answers at once."""
    from handlers.admin import render_report, run_reload  # admin's commands build on this module

    action = "not-answered" if not_answered else "teach"
    folder = ctx.settings.knowledge_dir
    try:
        taught = await asyncio.to_thread(apply, folder, question, entry_id, not_answered=not_answered)
    except TeachFailed as exc:
        ctx.record("audit", record(ctx.store, admin, action, entry_id, "failed"))
        lines = [t("teach.failed", reason=str(exc)), *(f"• {p}" for p in exc.problems[:10])]
        return "\n".join(lines)
    outcome = "ok" if taught.added else "unchanged"
    ctx.record("audit", record(ctx.store, admin, action, entry_id, outcome, taught.file))
    if not taught.added:
        return describe(taught)
    report = await run_reload(ctx, admin)
    return describe(taught) + "\n" + render_report(report)
