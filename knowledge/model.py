"""The knowledge model: what the YAML files in ``knowledge/data`` become once loaded.

The file format is documented in ``knowledge/data/README.md``. Everything here is immutable: a
reload builds a new :class:`KnowledgeBase` and swaps it in whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Literal

Kind = Literal["theme", "value", "focus-area", "section", "statement", "responsibility", "curated"]
KINDS: tuple[str, ...] = ("theme", "value", "focus-area", "section", "statement", "responsibility", "curated")
THEME_KINDS: tuple[str, ...] = ("theme", "value", "focus-area")
ROLES: tuple[str, ...] = ("leaders", "employees")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a knowledge file, printed as ``file:line: message``."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge files could not be loaded; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Bilingual:
    da: str
    en: str

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.da


@dataclass(frozen=True)
class Theme:
    """The weekly-theme view of a theme, value or focus area."""

    order: int
    statements: tuple[str, ...]
    leaders: tuple[str, ...]
    employees: tuple[str, ...]
    discuss: Bilingual


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str
    organization: str
    document: str
    section: str
    title: str
    answer: Bilingual
    quote: str
    questions_da: tuple[str, ...]
    questions_en: tuple[str, ...]
    keywords: tuple[str, ...]
    contacts: bool = False
    role: str = ""  # "leaders" or "employees": whose duties the entry states (ROLES)
    theme: Theme | None = None
    related: tuple[str, ...] = ()
    draft: bool = False  # drafted by `grundlagbot import`, not yet reviewed: answers with its quote
    shared: bool = False  # from a document shared by all organisations (Document.shared)
    file: str = ""
    line: int = 0

    @property
    def questions(self) -> tuple[str, ...]:
        return self.questions_da + self.questions_en


@dataclass(frozen=True)
class Document:
    organization: str
    aliases: tuple[str, ...]
    title: str
    file: str
    entries: tuple[Entry, ...]
    # Shared by all organisations (a national agreement): it answers every organisation's
    # employees, beside their own documents.
    shared: bool = False
    # Phrasings this document must not answer (HR marked them out of scope): a question that
    # reads as one of them is not answered from this document.
    not_answered: tuple[str, ...] = ()
    source: str = ""  # the extracted text the quotes come from (a file name, see sources.py)


@dataclass(frozen=True)
class WheelItem:
    """One item of a MED annual wheel (årshjul)."""

    id: str
    organization: str
    title: str
    discuss: str
    fixed: bool
    entry: str | None
    lead_days: int
    month: int | None = None
    week: int | None = None


@dataclass(frozen=True)
class Wheel:
    organization: str
    example: bool
    items: tuple[WheelItem, ...]


@dataclass(frozen=True)
class Phrases:
    """Words or phrases in Danish and in English, as the knowledge files list them."""

    da: tuple[str, ...] = ()
    en: tuple[str, ...] = ()


@dataclass(frozen=True)
class FollowUpRole:
    """A role a follow-up can switch to ("og for ledere?"): the words that name it, and ``ask``,
    how the previous answer's theme is asked for that role ("ledernes ansvar")."""

    ask: str
    words: Phrases = Phrases()


@dataclass(frozen=True)
class FollowUps:
    """The words of short messages that continue the previous answer (``glossary.followups``)."""

    openers: Phrases = Phrases()  # "og", "hvad med", "and", "what about"
    conditions: Phrases = Phrases()  # "og hvis", "what if": the previous question, another case
    elaborate: Phrases = Phrases()  # "uddyb", "hvad mener du", "tell me more"
    roles: Mapping[str, FollowUpRole] = field(default_factory=dict)


@dataclass(frozen=True)
class Glossary:
    english: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    stopwords_da: frozenset[str] = frozenset()
    stopwords_en: frozenset[str] = frozenset()
    sensitive: frozenset[str] = frozenset()
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # role -> phrases that name it
    facts: tuple[str, ...] = ()  # phrases that ask for a number, an amount or a date
    small_talk: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # greeting|thanks -> phrases
    followups: FollowUps = field(default_factory=FollowUps)


@dataclass(frozen=True)
class KnowledgeBase:
    documents: tuple[Document, ...]
    glossary: Glossary
    wheels: tuple[Wheel, ...]
    version: str  # content hash of the files: changes whenever the knowledge changes
    loaded_at: datetime
    path: str = ""
    shared_files: tuple[str, ...] = ()  # the files of the glossary and the wheels, as loaded

    @property
    def content(self) -> str:
        """The content hash alone (``version`` may carry the number of the build after a dot)."""
        return self.version.partition(".")[0]

    # Computed once per knowledge base (it never changes): health checks, help and feedback ask often.
    @cached_property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(e for d in self.documents for e in d.entries)

    @cached_property
    def _by_id(self) -> dict[str, Entry]:
        return {e.id: e for e in self.entries}

    def entry(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def organizations(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d.organization for d in self.documents))

    def themes(self, organization: str) -> tuple[Entry, ...]:
        """The organisation's themes, values or focus areas in document order."""
        found = [e for e in self.entries if e.organization == organization and e.theme is not None]
        return tuple(sorted(found, key=lambda e: e.theme.order if e.theme else 0))

    def wheel(self, organization: str) -> Wheel | None:
        return next((w for w in self.wheels if w.organization == organization), None)
