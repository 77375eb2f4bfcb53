"""``hjælp`` / ``help``: what the bot can do, with example questions from the knowledge itself."""

from __future__ import annotations

from handlers.context import Context
from handlers.messages import Language, Message, Reply
from handlers.router import command
from handlers.texts import t
from knowledge.model import Entry, KnowledgeBase

MAX_CURATED = 4


@command("help", "hjælp", "hjaelp", "help", "?")
async def handle_help(msg: Message, ctx: Context, argument: str) -> Reply:
    """The commands of the bot and 4–6 questions people really ask, in Danish or English."""
    language = msg.language
    lines = [t("help.intro", language), "", t("help.examples", language)]
    lines += [f"• {q}" for q in example_questions(ctx.knowledge.current.kb, language, msg.organization)]
    lines += ["", t("help.commands", language)]
    if ctx.is_admin(msg):
        lines.append(t("help.admin", language))
    if msg.platform == "slack":
        lines += ["", t("help.share_slack", language)]
    return Reply(text="\n".join(lines), language=language, title=t("help.title", language))


def example_questions(kb: KnowledgeBase, language: Language, organization: str | None = None) -> list[str]:
    """The first question of curated entries (one organisation after another) and of an overview;
    of ``organization``'s documents and the shared ones only, when the asker's is known."""
    entries = [e for e in kb.entries if organization is None or e.organization == organization or e.shared]
    curated = _spread([e for e in entries if e.kind == "curated"])[:MAX_CURATED]
    themes = {e.id for e in entries if e.theme is not None}
    overview = next((e for e in entries if len(themes.intersection(e.related)) >= 2), None)
    chosen = curated + ([overview] if overview else [])
    if len(chosen) < 4:  # a knowledge base without curated entries: its first sections
        chosen += [e for e in entries if e.kind == "section" and e not in chosen][: 4 - len(chosen)]
    return [q for q in (_first_question(e, language) for e in chosen) if q]


def _spread(entries: list[Entry]) -> list[Entry]:
    """Entries reordered round-robin over their organisations, so examples show each of them."""
    by_org: dict[str, list[Entry]] = {}
    for e in entries:
        by_org.setdefault(e.organization, []).append(e)
    out: list[Entry] = []
    while any(by_org.values()):
        for group in by_org.values():
            if group:
                out.append(group.pop(0))
    return out


def _first_question(entry: Entry, language: Language) -> str:
    questions = entry.questions_en if language == "en" else entry.questions_da
    return questions[0] if questions else ""
