"""Answer an employee's question from the knowledge base.

:func:`answer` is synchronous and pure (a snapshot and a text in, a :class:`Reply` out), so the
CLI, the terminal chat and the chat adapters all give the same answers. Every answer names its
source and quotes it; a question the matcher is not confident about is declined with where to
turn instead; a question on a sensitive topic (bullying, harassment, violence, threats,
mistrivsel) always names whom to contact, answered or not.
"""

from __future__ import annotations

import logging
import re
import time
from typing import TYPE_CHECKING

from handlers.messages import Contacts, Language, Message, Related, Reply, Source, Suggestion
from handlers.texts import t
from knowledge.matcher import Match, Result
from knowledge.model import Entry
from knowledge.normalize import clean, garbage_ratio
from knowledge.service import Snapshot

if TYPE_CHECKING:
    from handlers.context import Context

logger = logging.getLogger(__name__)

GARBAGE_LIMIT = 0.2  # share of unreadable characters above which a message is not a question
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")


def answer(snapshot: Snapshot, text: str, org: str | None = None, *, within: str | None = None) -> Reply:
    """The bot's reply to ``text``, asked by an employee of ``org`` when it is given.

    An asker's question is answered from their organisation's documents and the shared ones, or
    from the organisation the question names (and the reply says so); another organisation's
    text is never presented as theirs: uncovered questions are declined, and whom to contact on
    a sensitive topic comes from their own documents or is the general advice. ``within`` (an
    organisation's exact name) keeps to its documents whatever the question names.
    """
    if garbage_ratio(text) > GARBAGE_LIMIT:
        return Reply(t("ask.unreadable"), answered=False)
    if not _LETTER_OR_DIGIT.search(text):  # empty, spaces, punctuation or emoji only
        return Reply(t("ask.empty"), answered=False)
    matcher = snapshot.matcher
    if talk := matcher.small_talk(text):  # "hej", "tak for hjælpen": no question, nothing to count
        kind, language = talk
        return Reply(t(f"ask.{kind}", language), answered=False, language=language)
    organization = None
    if org:
        organization = matcher.resolve_organization(org)
        if organization is None:
            known = ", ".join(snapshot.kb.organizations())
            return Reply(t("ask.unknown_organization", name=clean(org)[:100], known=known), answered=False)
    result = matcher.match(text, organization, within=within)
    if result.answered and result.best is not None:
        reply = _answered(snapshot, result, result.best)
    else:
        reply = _declined(snapshot, result)
    logger.debug("answered=%s entry=%s score=%s", reply.answered, reply.entry_id, reply.score)
    return reply


async def handle_ask(msg: Message, ctx: Context, text: str | None = None) -> Reply:
    """The chat handler: answer ``text`` (the message without a command word) from the serving
    knowledge, and count it. An unanswered question is stored for the admins' statistics as
    text only, without the user or the channel (DESIGN.md: personal data).

    In a conversation (``msg.conversation``: a DM, a thread) a short follow-up ("og for ledere?",
    "uddyb") is answered relative to the previous answer (:mod:`handlers.followup`), which
    ``ctx.conversations`` keeps for 10 minutes as the entry id, its organisation and the time:
    never the text (:mod:`handlers.conversations`). A question asked again on the same knowledge
    gets the reply computed before (:mod:`handlers.answer_cache`); it is counted all the same.
    """
    from handlers.followup import respond  # it answers with answer() above: imported here

    question = msg.text if text is None else text
    started = time.perf_counter()
    now = ctx.clock()
    key = f"{msg.platform}:{msg.conversation}" if msg.conversation else None
    previous = ctx.conversations.recall(key, now) if key else None
    snapshot = ctx.knowledge.current
    reply = ctx.answers.reply(
        snapshot,
        question,
        previous.entry_id if previous else None,
        msg.language,
        msg.organization,
        lambda: respond(snapshot, question, previous, msg.language, msg.organization),
    )
    if key and reply.answered and reply.entry_id and reply.source:
        ctx.conversations.remember(key, reply.entry_id, reply.source.organization, now)
    ctx.metrics.latency.observe(time.perf_counter() - started)
    ctx.metrics.questions.labels(msg.platform).inc()
    ctx.metrics.answers.labels("answered" if reply.answered else "declined").inc()
    if reply.answered or reply.score is not None:  # a question, not an empty or unreadable message
        ctx.record(
            "answer statistics",
            ctx.store.record_answer(
                reply.answered, None if reply.answered else clean(question), organization=msg.organization
            ),
        )
    return reply


def entry_reply(
    entry: Entry,
    language: Language,
    *,
    lead: str = "",
    contacts: Contacts | None = None,
    see_also: tuple[Related, ...] = (),
    score: float | None = None,
) -> Reply:
    """The answer from ``entry``, with its source and quote."""
    return Reply(
        text=entry.answer.get(language),
        language=language,
        lead=lead,
        source=source_of(entry),
        contacts=contacts,
        see_also=see_also,
        score=score,
        entry_id=entry.id,
        title=entry.title,
    )


def source_of(entry: Entry) -> Source:
    return Source(entry.organization, entry.document, entry.section, entry.quote)


def _answered(snapshot: Snapshot, result: Result, match: Match) -> Reply:
    entry = match.entry
    contacts = (
        _contacts(snapshot, result, entry.organization) if result.sensitive and not entry.contacts else None
    )
    other = result.asker is not None and entry.organization != result.asker and not entry.shared
    lead = t("ask.other_organization", result.language, organization=entry.organization) if other else ""
    # The score is the decision model's probability, in percent.
    return entry_reply(
        entry, result.language, lead=lead, contacts=contacts, score=round(100 * result.confidence, 1)
    )


def _declined(snapshot: Snapshot, result: Result) -> Reply:
    lang = result.language
    return Reply(
        text=t("ask.decline", lang),
        answered=False,
        language=lang,
        contacts=_contacts(snapshot, result, result.organization) if result.sensitive else None,
        suggestions=tuple(_suggestion(m, lang) for m in result.suggestions()),
        score=round(100 * result.confidence, 1),
    )


def _contacts(snapshot: Snapshot, result: Result, organization: str | None) -> Contacts | None:
    entry = snapshot.matcher.contacts_for(result, organization)
    if entry is not None:
        return Contacts(entry.answer.get(result.language), source_of(entry))
    # The asker's documents name no one: the advice every policy gives, citing none.
    return Contacts(t("ask.general_contacts", result.language)) if result.asker is not None else None


def _suggestion(match: Match, lang: Language) -> Suggestion:
    entry = match.entry
    examples = entry.questions_en if lang == "en" else entry.questions_da
    return Suggestion(entry.title, examples[0] if examples else entry.title, entry.organization, match.score)
