"""Slack text in and out: incoming mrkdwn to plain text, and a :class:`Reply` to Block Kit.

Everything that goes into a ``text`` field or a block passes through :func:`escape`, so nothing a
user typed (and nothing in a knowledge file) can become ``<!channel>``, ``<@U…>`` or a link when
it is echoed back. Sections and context lines are ``plain_text``, so ``*fed*``, ``_kursiv_`` or a
code span a user typed is shown as typed, not formatted; only the verbatim quote, which comes from
the knowledge files, is mrkdwn (for its quote bar).
"""

from __future__ import annotations

import re
from typing import Any

from bot import plain_render
from handlers.messages import Language, Reply, TeachOffer
from handlers.texts import t

Block = dict[str, Any]

# Slack's limits (https://api.slack.com/reference/block-kit): a section's text, a button's label
# and value, and the top-level fallback text.
SECTION_MAX = 3000
MAX_BLOCKS = 50  # in one message
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
FALLBACK_MAX = 3900  # chat.postMessage truncates text after 40k; notifications show far less
MAX_SUGGESTIONS = 5

# Action ids: the adapter's interactivity listeners match on these.
SUGGEST_ACTION = "grundlag_suggest"
FEEDBACK_UP = "grundlag_feedback_up"
FEEDBACK_DOWN = "grundlag_feedback_down"
SHARE_ACTION = "grundlag_share"
TEACH_ACTION = "grundlag_teach"  # an admin's "svar med …" under an unanswered question in stats
NOT_ANSWERED_ACTION = "grundlag_not_answered"  # ... or "svar ikke fra …" a document
TEACH_BLOCK = "grundlag_teach:"  # + the question: the menus' block id carries what they teach
BLOCK_ID_MAX = 255
OPTION_VALUE_MAX = 150
FEEDBACK_BLOCK = "grundlag_feedback"  # + ":da" / ":en": the language to thank the user in

_BROADCAST = re.compile(r"@(?=(channel|here|everyone)\b)", re.IGNORECASE)
_ANGLE = re.compile(r"<([^<>]*)>")
ZWJ = "\u200d"


def escape(text: str) -> str:
    """Text safe to put in Slack mrkdwn: no control sequences, no broadcast words that ping."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A bare "@here" only pings with link_names, which we never set; the joiner makes sure.
    return _BROADCAST.sub("@" + ZWJ, text)


def clip(escaped: str, limit: int) -> str:
    """Cut escaped text to ``limit`` characters without splitting an ``&amp;``-style entity."""
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    amp = cut.rfind("&", max(0, len(cut) - 5))
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def safe(text: str, limit: int) -> str:
    return clip(escape(text), limit)


def from_slack(text: str) -> str:
    """The plain text a user typed: mentions dropped, links to their label, entities decoded."""

    def plain(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith(("@", "!")):  # user mentions, @here/@channel, user groups
            return label if target.startswith("!subteam") else ""
        if target.startswith("#"):
            return "#" + label if label else ""
        return label or target  # a link

    text = _ANGLE.sub(plain, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"\s+", " ", text).strip()


def _plain(text: str) -> Block:
    return {"type": "plain_text", "text": text, "emoji": True}


def _section(text: str) -> Block:
    return {"type": "section", "text": _plain(safe(text, SECTION_MAX) or " ")}


def _sections(text: str, room: int, lang: Language) -> list[Block]:
    """``text`` in as many sections as it needs (each within Slack's limit, split between lines),
    at most ``room`` of them; when even those are too few, the last ends "… og N mere"."""
    lines = [piece for line in escape(text).split("\n") for piece in _pieces(line)]
    chunks = _pack(lines)
    if len(chunks) > room:
        chunks, left = chunks[:room], [line for chunk in chunks[room:] for line in chunk]
        while True:
            note = escape(t("slack.more", lang, count=sum(1 for line in left if line.strip())))
            if len("\n".join([*chunks[-1], note])) <= SECTION_MAX:
                break
            left.insert(0, chunks[-1].pop())
        chunks[-1].append(note)
    return [{"type": "section", "text": _plain("\n".join(chunk).strip() or " ")} for chunk in chunks]


def _pack(lines: list[str]) -> list[list[str]]:
    """Consecutive lines grouped so that each group, joined, fits in a section."""
    chunks: list[list[str]] = [[]]
    for line in lines:
        if chunks[-1] and len("\n".join([*chunks[-1], line])) > SECTION_MAX:
            chunks.append([])
        chunks[-1].append(line)
    return chunks


def _pieces(line: str) -> list[str]:
    """An escaped line cut into parts that fit in a section: at a space, never inside ``&amp;``."""
    pieces = []
    while len(line) > SECTION_MAX:
        cut = line.rfind(" ", SECTION_MAX // 2, SECTION_MAX)
        if cut == -1:
            cut = SECTION_MAX
            amp = line.rfind("&", cut - 5, cut)
            if amp != -1 and ";" not in line[amp:cut]:
                cut = amp
        pieces.append(line[:cut])
        line = line[cut:].lstrip(" ")
    return [*pieces, line]


def _button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "action_id": action_id,
        "text": _plain(safe(label, BUTTON_TEXT_MAX)),
        "value": value[:BUTTON_VALUE_MAX],
    }
    if style:
        button["style"] = style
    return button


def _quote(text: str) -> Block:
    lines = safe(text, SECTION_MAX - 200).splitlines() or [""]
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "\n".join("&gt; " + line for line in lines)},
    }


def _context(text: str) -> Block:
    return {"type": "context", "elements": [_plain(safe(text, SECTION_MAX) or " ")]}


def render(reply: Reply, *, feedback: bool = True, share: str | None = None) -> tuple[str, list[Block]]:
    """The fallback text and the Block Kit blocks of ``reply``.

    The blocks: the text (in several sections when it is long), the source as a context line with
    the quote below it, whom to contact (with where that is written), "see also", and "did you
    mean" as buttons that ask the question.
    ``feedback`` adds 👍/👎 buttons to an answer from the knowledge base; ``share`` (the question)
    adds a "share in channel" button, for ephemeral slash-command answers. The fallback text, for
    notifications, is the whole reply as plain text.
    """
    lang = reply.language
    blocks: list[Block] = []
    if reply.source:
        blocks.append(_context(plain_render.source_line(reply.source, lang)))
        if reply.source.quote.strip():
            blocks.append(_quote(reply.source.quote))
    if reply.contacts:
        who, where = plain_render.contacts_lines(reply.contacts, lang)
        blocks += [_section(who), _context(where)] if where else [_section(who)]
    if reply.see_also:
        blocks.append(_section(plain_render.see_also_text(reply)))
    if reply.suggestions:
        blocks.append(_context(t("slack.did_you_mean", lang)))
        blocks.append(
            {
                "type": "actions",
                "block_id": "grundlag_suggestions",
                "elements": [
                    _button(s.title, SUGGEST_ACTION, s.question)
                    for s in reply.suggestions[:MAX_SUGGESTIONS]
                    if len(s.question) <= BUTTON_VALUE_MAX
                ],
            }
        )
    for offer in reply.teach:
        blocks += _teach_blocks(offer, lang)
    buttons: list[Block] = []
    if feedback and reply.answered and reply.entry_id:
        buttons += [
            _button(t("slack.feedback_up", lang), FEEDBACK_UP, reply.entry_id),
            _button(t("slack.feedback_down", lang), FEEDBACK_DOWN, reply.entry_id),
        ]
    if share is not None and reply.answered and len(share) <= BUTTON_VALUE_MAX:
        buttons.append(_button(t("slack.share", lang), SHARE_ACTION, share, style="primary"))
    if buttons:
        blocks.append({"type": "actions", "block_id": f"{FEEDBACK_BLOCK}:{lang}", "elements": buttons})
    blocks = [b for b in blocks if b.get("elements", True)]
    fallback = safe(plain_render.render(reply), FALLBACK_MAX)
    return fallback, _sections(plain_render.body(reply), MAX_BLOCKS - len(blocks), lang) + blocks


def _teach_blocks(offer: TeachOffer, lang: Language) -> list[Block]:
    """An unanswered question with two menus: the entry to answer it with, and the document that
    must not answer it. The question rides in the block id (Slack gives it back with the choice);
    one too long for it gets no menus."""
    block_id = TEACH_BLOCK + offer.question
    choices = [c for c in offer.choices if len(c.entry_id) <= OPTION_VALUE_MAX]
    if len(block_id) > BLOCK_ID_MAX or not choices:
        return []
    documents = {(c.organization, c.document): c.entry_id for c in reversed(choices)}
    return [
        _context(t("teach.offer", lang, question=offer.question, count=offer.count)),
        {
            "type": "actions",
            "block_id": block_id,
            "elements": [
                _select(
                    TEACH_ACTION,
                    t("teach.menu", lang),
                    [(f"{c.title} ({c.entry_id})", c.entry_id) for c in choices],
                ),
                _select(
                    NOT_ANSWERED_ACTION,
                    t("teach.decline_menu", lang),
                    [(f"{org} · {doc}", entry) for (org, doc), entry in reversed(documents.items())],
                ),
            ],
        },
    ]


def _select(action_id: str, placeholder: str, options: list[tuple[str, str]]) -> Block:
    return {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": _plain(safe(placeholder, BUTTON_TEXT_MAX)),
        "options": [
            {"text": _plain(safe(label, BUTTON_TEXT_MAX)), "value": value} for label, value in options
        ],
    }
