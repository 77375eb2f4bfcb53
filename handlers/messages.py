"""The platform-neutral message and reply types.

Chat adapters (Slack, Teams, the console) translate their payloads into a :class:`Message` and
render a :class:`Reply` in their own format (Block Kit, Adaptive Card, plain text). Handlers see
only these two types and never import a chat SDK.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Platform = Literal["slack", "teams", "console"]
Language = Literal["da", "en"]


@dataclass(frozen=True)
class Message:
    """One incoming message or command, whatever platform it came from."""

    text: str
    user: str  # opaque platform user id; never logged or stored next to the text
    channel: str  # conversation the reply goes to
    platform: Platform
    is_direct: bool = False  # a DM / personal chat rather than a channel
    thread: str | None = None  # thread to reply in, when the platform has threads
    # The conversation a follow-up continues (a DM, a thread): handlers.conversations keys its
    # memory of the last answer by it. None: no memory (a slash command, `grundlagbot ask`).
    conversation: str | None = None
    # The asker's organisation, resolved by the adapter from where the message came from (a
    # Slack workspace, a Teams tenant, a channel; bot.config's organisation sources); None when
    # the source is not mapped: then every organisation's documents answer.
    organization: str | None = None
    # Decided once, by handlers.router.dispatch (handlers.language); adapters leave it.
    language: Language = "da"
    # The platform vouched for ``user`` (a signed Slack request, a Teams token, the terminal's own
    # user). Teams without an app id (local mode) cannot: its messages get no admin rights.
    verified: bool = True
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Source:
    organization: str
    document: str
    section: str
    quote: str

    def to_json(self) -> dict[str, str]:
        return {
            "organization": self.organization,
            "document": self.document,
            "section": self.section,
            "quote": self.quote,
        }


@dataclass(frozen=True)
class Suggestion:
    """A "did you mean" candidate; clicking it asks ``question``."""

    title: str
    question: str
    organization: str
    score: float

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "organization": self.organization, "score": round(self.score, 1)}


@dataclass(frozen=True)
class Contacts:
    """Whom to contact on a sensitive topic: a contacts entry's answer, with that entry's source;
    or, without a source, the general advice when the asker's own documents name no one."""

    text: str
    source: Source | None = None


@dataclass(frozen=True)
class Related:
    """An entry an answer points on to ("see also")."""

    title: str
    organization: str


@dataclass(frozen=True)
class TeachChoice:
    """An entry that might answer an unanswered question: what an admin can teach it to."""

    entry_id: str
    title: str
    organization: str
    document: str


@dataclass(frozen=True)
class TeachOffer:
    """An unanswered question (a group in ``stats``) with the entries that might answer it. An
    admin chooses one to teach it the question ("svar med …"), or one whose document must not
    answer it; renderers show the choice as a select menu (Slack) or a card (Teams)."""

    question: str
    count: int
    choices: tuple[TeachChoice, ...]


@dataclass(frozen=True)
class Reply:
    """What the bot says back, as parts that each renderer lays out in its own way.

    ``text`` is the message itself: the whole reply to a command, the answer to a question or the
    decline. What an answer carries besides, a renderer shows from the other fields: ``lead``
    before the text, then the source with its quote, whom to contact, "did you mean" and "see
    also". ``bot.plain_render`` puts them together as plain text.
    """

    text: str
    answered: bool = True
    language: Language = "da"
    lead: str = ""  # a line before the text: "Fortsat fra svaret før:", a theme's pause week
    source: Source | None = None
    contacts: Contacts | None = None  # on a sensitive topic, when the answer does not say it
    suggestions: tuple[Suggestion, ...] = ()
    see_also: tuple[Related, ...] = ()
    score: float | None = None
    entry_id: str | None = None  # the knowledge entry answered from: feedback buttons refer to it
    title: str | None = None
    ephemeral: bool = False  # slash-command answers: shown only to the asker
    teach: tuple[TeachOffer, ...] = ()  # an admin's stats: unanswered questions to teach


class UserFacingError(Exception):
    """An expected failure whose message is meant for the user (already localised)."""
