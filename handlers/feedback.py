"""👍/👎 on an answer: counted per knowledge entry and day, with nothing about who voted."""

from __future__ import annotations

import logging

from handlers.context import Context
from handlers.messages import Language, Reply
from handlers.texts import t

logger = logging.getLogger(__name__)

MAX_ENTRY_ID = 200


def record(ctx: Context, entry_id: str, up: bool, *, language: Language = "da") -> Reply:
    """Count one vote for ``entry_id`` and thank the user; an unknown entry is refused politely.

    The entry must exist in the knowledge that is serving now: a vote on an answer whose entry a
    reload removed is not stored.
    """
    entry = ctx.knowledge.current.kb.entry(entry_id) if 0 < len(entry_id) <= MAX_ENTRY_ID else None
    if entry is None:
        logger.info("Feedback for an unknown knowledge entry ignored")
        return Reply(text=t("feedback.unknown", language), answered=False, language=language)
    ctx.record("feedback", ctx.store.record_feedback(entry.id, up, day=ctx.clock().date()))
    logger.info("Feedback %s recorded for %s", "up" if up else "down", entry.id)
    return Reply(text=t("feedback.thanks_up" if up else "feedback.thanks_down", language), language=language)
