"""The admins' chat tools for improving the knowledge: teaching from ``stats``, and ``hvorfor``.

``stats`` lists the unanswered questions, each with the entries that come closest
(:class:`~handlers.messages.TeachOffer`); the adapters show them as a select menu (Slack) or a card
(Teams), and a choice arrives here as an action: :data:`TEACH` adds the question to the chosen
entry's example questions, :data:`NOT_ANSWERED` marks it as a phrasing the chosen entry's document
does not answer. Both edit the file, audit it and reload at once
(:func:`handlers.teaching.teach_and_reload`).

``hvorfor <spørgsmål>`` / ``why <question>`` explains how a question is answered
(:mod:`handlers.why`). "hvorfor" also starts many an employee's question, so for anyone who is
not an admin the words are a question like any other, and are answered.
"""

from __future__ import annotations

from dataclasses import replace

from handlers.admin import admin_reply, refuse
from handlers.context import Context
from handlers.language import language_of
from handlers.messages import Message, Reply
from handlers.router import action, command
from handlers.teaching import parse_action_value, teach_and_reload
from handlers.texts import t
from handlers.why import explain

TEACH = "teach"
NOT_ANSWERED = "not-answered"


@action(TEACH)
async def handle_teach(msg: Message, ctx: Context, argument: str) -> Reply:
    """ "Svar med …": teach the question to the chosen entry and reload."""
    return await _teach(msg, ctx, argument, not_answered=False)


@action(NOT_ANSWERED)
async def handle_not_answered(msg: Message, ctx: Context, argument: str) -> Reply:
    """ "Svar ikke fra …": the chosen entry's document no longer answers the question; reload."""
    return await _teach(msg, ctx, argument, not_answered=True)


async def _teach(msg: Message, ctx: Context, argument: str, *, not_answered: bool) -> Reply:
    refused = refuse(msg, ctx, NOT_ANSWERED if not_answered else TEACH)
    if refused is not None:
        return refused
    entry_id, question = parse_action_value(argument)
    if not entry_id or not question:
        return admin_reply(t("teach.no_choice"))
    admin = f"{msg.platform}:{msg.user}"
    return admin_reply(await teach_and_reload(ctx, admin, question, entry_id, not_answered=not_answered))


@command("why", "hvorfor", "why", takes_argument=True)
async def handle_why(msg: Message, ctx: Context, argument: str) -> Reply:
    """How ``argument`` is answered, for an admin; anyone else asked a question, and is answered."""
    from handlers.ask import handle_ask

    if not ctx.is_admin(msg):
        question = msg.text.strip()
        return await handle_ask(
            replace(msg, language=language_of(ctx.knowledge.current, question)), ctx, question
        )
    if not argument:
        return admin_reply(t("why.usage", msg.language))
    text = explain(ctx.knowledge.current, argument, msg.organization, msg.language)
    return replace(admin_reply(text), language=msg.language)
