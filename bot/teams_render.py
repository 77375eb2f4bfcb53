"""Renders a neutral :class:`Reply` for Microsoft Teams, and reads back the card's button clicks.

Plain data only (dicts and strings, no Bot Framework types), so this module survives a change of
Teams SDK unchanged. An answer becomes an Adaptive Card: the answer, the source line
(organisation · document · section), the verbatim quote, whom to contact, "see also", "did you
mean" buttons and 👍/👎 feedback. A reply that is only text (help, status, a decline without
suggestions) stays a plain message, as :mod:`bot.plain_render` writes it.

Text that may echo the user's words is never interpreted as markup: card text goes into
``RichTextBlock``/``TextRun`` elements, which Teams shows literally (no Markdown, unlike
``TextBlock``), and plain messages are sent with ``textFormat: plain`` and without angle brackets,
so neither ``<at>…</at>`` mentions nor HTML can be injected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot import plain_render
from handlers.messages import Language, Reply, TeachOffer
from handlers.texts import t

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.4"
ACTION_KEY = "grundlagbot"  # marks the Action.Submit data this bot put on its own cards


@dataclass(frozen=True)
class CardAction:
    """A click on one of our cards: ask a suggested question, or vote on an answer."""

    kind: str  # "ask" | "feedback" | "teach" | "not-answered" (an admin's choice under stats)
    question: str = ""
    entry_id: str = ""
    up: bool = False
    language: Language = "da"


def neutralise(text: str) -> str:
    """Plain text that no Teams client can read as a tag (``<at>``, HTML)."""
    return text.replace("<", "‹").replace(">", "›")


TEACH_KINDS = ("teach", "not-answered")


def needs_card(reply: Reply) -> bool:
    return bool(reply.source or reply.suggestions or reply.entry_id or reply.teach)


def card(reply: Reply) -> dict[str, Any]:
    """The Adaptive Card for an answer (see the module docstring for what it holds)."""
    lang = reply.language
    body: list[dict[str, Any]] = []
    if reply.title:
        body.append(_rich(reply.title, weight="Bolder", size="Medium"))
    body.append(_rich(plain_render.body(reply)))
    if reply.source is not None:
        body.append(_rich(plain_render.source_line(reply.source, lang), isSubtle=True, size="Small"))
        if quote := plain_render.quote_line(reply.source, lang):
            body.append({"type": "Container", "style": "emphasis", "items": [_rich(quote, italic=True)]})
    if reply.contacts is not None:
        who, where = plain_render.contacts_lines(reply.contacts, lang)
        body += [_rich(who), _rich(where, isSubtle=True, size="Small")] if where else [_rich(who)]
    if reply.see_also:
        body.append(_rich(plain_render.see_also_text(reply)))
    if reply.suggestions:
        body.append(_rich(t("ask.suggestions", lang), weight="Bolder"))
        body.append(
            {"type": "ActionSet", "actions": [_ask_button(s.title, s.question) for s in reply.suggestions]}
        )
    for n, offer in enumerate(reply.teach, 1):
        body += _teach_items(offer, f"teach-{n}", lang)
    if reply.answered and reply.entry_id:
        body.append(
            {
                "type": "ActionSet",
                "actions": [
                    _vote_button(t("teams.feedback_up", lang), reply.entry_id, True, lang),
                    _vote_button(t("teams.feedback_down", lang), reply.entry_id, False, lang),
                ],
            }
        )
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "fallbackText": plain_text(reply),
        "body": body,
        "msteams": {"width": "Full"},
    }


def plain_text(reply: Reply) -> str:
    """The whole reply as plain text, headed by its title: the message itself, or the fallback
    for a card."""
    text = plain_render.render(reply)
    if reply.title and reply.title not in text:
        text = f"{reply.title}\n\n{text}"
    return neutralise(text)


def parse_action(value: Any) -> CardAction | None:
    """The :class:`CardAction` in an Action.Submit ``value``; None for anything else."""
    if not isinstance(value, dict) or not isinstance(value.get(ACTION_KEY), str):
        return None
    lang: Language = "en" if value.get("lang") == "en" else "da"
    kind = value[ACTION_KEY]
    if kind == "ask" and isinstance(value.get("question"), str) and value["question"].strip():
        return CardAction("ask", question=value["question"], language=lang)
    if kind == "feedback" and isinstance(value.get("entry"), str) and isinstance(value.get("up"), bool):
        return CardAction("feedback", entry_id=value["entry"], up=value["up"], language=lang)
    if (
        kind in TEACH_KINDS
        and isinstance(value.get("question"), str)
        and isinstance(value.get("choice"), str)
    ):
        # The card sends every input it holds; "choice" names the menu under this question.
        chosen = value.get(value["choice"])
        entry_id = chosen if isinstance(chosen, str) else ""
        return CardAction(kind, question=value["question"], entry_id=entry_id, language=lang)
    return None


def _rich(text: str, **style: Any) -> dict[str, Any]:
    # RichTextBlock text runs are shown literally: no Markdown, so no injected links or formatting.
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": neutralise(text), **style}]}


def _ask_button(title: str, question: str) -> dict[str, Any]:
    return {
        "type": "Action.Submit",
        "title": neutralise(title)[:80],
        "data": {ACTION_KEY: "ask", "question": question},
    }


def _vote_button(label: str, entry_id: str, up: bool, lang: Language) -> dict[str, Any]:
    return {
        "type": "Action.Submit",
        "title": label,
        "data": {ACTION_KEY: "feedback", "entry": entry_id, "up": up, "lang": lang},
    }


def _teach_items(offer: TeachOffer, field: str, lang: Language) -> list[dict[str, Any]]:
    """An unanswered question, a menu of the entries that might answer it, and two buttons: answer
    it with the chosen entry, or mark it as not answered by that entry's document."""
    choices = [
        {
            "title": neutralise(f"{c.title} ({c.entry_id}) · {c.organization} · {c.document}"),
            "value": c.entry_id,
        }
        for c in offer.choices
    ]
    return [
        _rich(t("teach.offer", lang, question=offer.question, count=offer.count), weight="Bolder"),
        {"type": "Input.ChoiceSet", "id": field, "style": "compact", "placeholder": t("teach.choose", lang),
         "choices": choices},
        {"type": "ActionSet", "actions": [
            _teach_button(t("teach.teach_button", lang), "teach", offer.question, field),
            _teach_button(t("teach.decline_button", lang), "not-answered", offer.question, field),
        ]},
    ]  # fmt: skip


def _teach_button(label: str, kind: str, question: str, field: str) -> dict[str, Any]:
    return {
        "type": "Action.Submit",
        "title": label,
        "data": {ACTION_KEY: kind, "question": question, "choice": field},
    }
