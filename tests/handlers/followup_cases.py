"""Conversations to follow up, found in the knowledge base rather than written into the tests:
a theme's two responsibility entries (leaders', employees'), and an entry whose question another
organisation answers too."""

from __future__ import annotations

from collections import defaultdict

from handlers.ask import answer
from knowledge.model import Entry, KnowledgeBase
from knowledge.normalize import clean, words
from knowledge.service import Snapshot


def role_of(kb: KnowledgeBase, entry: Entry) -> str | None:
    """The role whose (Danish) follow-up words the entry's title names: "Ledernes ansvar – …"."""
    title = {w.folded for w in words(clean(entry.title))}
    named = [
        name
        for name, role in kb.glossary.followups.roles.items()
        if title & {w.folded for phrase in role.words.da for w in words(clean(phrase))}
    ]
    return named[0] if len(named) == 1 else None


def role_pairs(kb: KnowledgeBase) -> list[dict[str, Entry]]:
    """Every section with exactly one responsibility entry for leaders and one for employees."""
    sections: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in kb.entries:
        if entry.kind == "responsibility":
            sections[entry.organization, entry.section].append(entry)
    pairs = []
    for entries in sections.values():
        by_role = {role_of(kb, e): e for e in entries}
        if len(entries) == 2 and set(by_role) == {"leaders", "employees"}:
            pairs.append({str(role): e for role, e in by_role.items()})
    return pairs


def role_pair(snapshot: Snapshot) -> dict[str, Entry]:
    """A theme's leaders' and employees' entries whose first questions answer them."""
    return next(
        pair
        for pair in role_pairs(snapshot.kb)
        if all(answer(snapshot, e.questions_da[0]).entry_id == e.id for e in pair.values())
    )


def answers_itself(snapshot: Snapshot, entry: Entry) -> bool:
    """The entry's first question in each language is answered from the entry."""
    questions = (entry.questions_da[0], entry.questions_en[0])
    return all(answer(snapshot, q).entry_id == entry.id for q in questions)


def asked_elsewhere(snapshot: Snapshot) -> tuple[Entry, str]:
    """An entry that answers its own first questions, and another organisation that answers them
    too (from that organisation's documents only, as the follow-up asks them)."""
    for entry in snapshot.kb.entries:
        if not answers_itself(snapshot, entry):
            continue
        for other in snapshot.kb.organizations():
            if other != entry.organization and all(
                answer(snapshot, q, within=other).answered
                for q in (entry.questions_da[0], entry.questions_en[0])
            ):
                return entry, other
    raise AssertionError("no entry's question is answered by another organisation")


def short_name(organization: str) -> str:
    """How people name an organisation in a message: "Gentofte" for "Gentofte Kommune"."""
    return organization.removesuffix(" Kommune")
