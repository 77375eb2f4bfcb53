"""A message's language, decided once per message by :func:`handlers.router.dispatch`.

The decision is carried on the message (``Message.language``); handlers, error replies and
follow-ups read it from there. A command typed in English ("help", "subscribe", "theme") is
English, any other command Danish. Anything else is read with the detector the matcher reads
questions with: the glossary's stop words and English words, and the words that only the Danish
or only the English texts of the knowledge use. Danish when in doubt: it is the bot's first
language.
"""

from __future__ import annotations

from handlers.messages import Language
from knowledge.normalize import clean, words
from knowledge.service import Snapshot

ENGLISH_COMMANDS = frozenset({"help", "subscribe", "unsubscribe", "chair", "theme", "annual-wheel", "why"})
MAX_CHARS = 2000  # the head of a pasted document says which language it is in


def language_of(snapshot: Snapshot, text: str, command: str | None = None) -> Language:
    """The language of ``text``; ``command`` is the command word it starts with, if it is a command."""
    if command is not None:
        return "en" if command in ENGLISH_COMMANDS else "da"
    found = words(clean(text[:MAX_CHARS]))
    if not found:
        return "da"
    matcher = snapshot.matcher
    return matcher.lexicon.language(found, matcher.index.danish_only, matcher.index.english_only)
