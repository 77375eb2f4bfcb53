"""A :class:`Reply` as plain text: for the terminal (``ask``, ``chat``, ``eval``), the ``ask --json``
object, and the fallback text of a Slack or Teams message.

The wording of each part (the source line, the quote, whom to contact, "did you mean", "see also")
is here once; the Block Kit and Adaptive Card renderers lay the same parts out in blocks.
"""

from __future__ import annotations

from typing import Any

from handlers.messages import Contacts, Language, Reply, Source
from handlers.texts import t


def source_line(source: Source, lang: Language) -> str:
    """ "Kilde: organisation · dokument · afsnit"."""
    where = {"organization": source.organization, "document": source.document, "section": source.section}
    return t("ask.source", lang, **where)


def quote_line(source: Source, lang: Language) -> str:
    return t("ask.quote", lang, quote=source.quote) if source.quote.strip() else ""


def contacts_lines(contacts: Contacts, lang: Language) -> tuple[str, str]:
    """Whom to contact, and where that is written."""
    who, src = t("ask.contacts", lang, answer=contacts.text), contacts.source
    if src is None:
        return who, ""
    where = {"organization": src.organization, "document": src.document, "section": src.section}
    return who, t("ask.contacts_source", lang, **where)


def suggestions_text(reply: Reply) -> str:
    """ "Mente du:" and one line per suggestion; empty without suggestions."""
    lang = reply.language
    lines = [t("ask.suggestion", lang, title=s.title, organization=s.organization) for s in reply.suggestions]
    return "\n".join([t("ask.suggestions", lang), *lines]) if lines else ""


def see_also_text(reply: Reply) -> str:
    """ "Se også:" and one line per related entry; empty without any."""
    lang = reply.language
    lines = [t("followup.related", lang, title=r.title, organization=r.organization) for r in reply.see_also]
    return "\n".join([t("followup.see_also", lang), *lines]) if lines else ""


def body(reply: Reply) -> str:
    """The lead and the text: what a chat renderer puts first."""
    return "\n\n".join(p for p in (reply.lead, reply.text) if p)


def render(reply: Reply) -> str:
    """The whole reply as plain text, one paragraph per part."""
    lang = reply.language
    parts = [body(reply)]
    if reply.source is not None:
        parts.append(
            "\n".join(p for p in (source_line(reply.source, lang), quote_line(reply.source, lang)) if p)
        )
    if reply.contacts is not None:
        parts.append("\n".join(p for p in contacts_lines(reply.contacts, lang) if p))
    parts += [suggestions_text(reply), see_also_text(reply)]
    return "\n\n".join(p for p in parts if p)


def one_line(reply: Reply) -> str:
    """:func:`render` on one line: every line break (and blank line) becomes one space."""
    return " ".join(line.strip() for line in render(reply).splitlines() if line.strip())


def to_json(reply: Reply) -> dict[str, Any]:
    """The ``grundlagbot ask --json`` object of the external contract (DESIGN.md)."""
    return {
        "answered": reply.answered,
        "text": render(reply),
        "score": None if reply.score is None else round(reply.score, 1),
        "source": reply.source.to_json() if reply.source else None,
        "suggestions": [s.to_json() for s in reply.suggestions],
    }
