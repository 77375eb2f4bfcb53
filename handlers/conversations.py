"""What the bot remembers of a conversation between two messages: its last answer, briefly.

A follow-up ("og for ledere?", "uddyb", "and in Gentofte?") only makes sense next to the answer
before it (:mod:`handlers.followup`). So that it can be answered, the bot keeps, per
conversation, exactly three things: the id of the knowledge entry it last answered from, that
entry's organisation and when it answered. Never the question's text, and never a user id as the
key: the key is the conversation the adapter names (a Slack DM channel, or a channel thread's
channel and ts; a Teams conversation id; one key per ``grundlagbot chat`` process).

Retention: in memory only, for :data:`TTL` (10 minutes) after the answer, and for at most
:data:`SIZE` conversations, the least recently answered forgotten first. A restart forgets
everything, which costs at most one follow-up that is then answered on its own; a database would
keep a trace of who talked about what for no gain. ``grundlagbot ask`` keeps nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

TTL = timedelta(minutes=10)
SIZE = 5_000


@dataclass(frozen=True, slots=True)
class Turn:
    """The previous answer in a conversation: its entry, the entry's organisation, and when."""

    entry_id: str
    organization: str
    at: datetime


class ConversationMemory:
    """The last answer per conversation, forgotten after ``ttl``; at most ``size`` conversations.

    Kept in the order of the answers, so the oldest answer is always first: forgetting what
    expired and what does not fit both take from the front.
    """

    def __init__(self, ttl: timedelta = TTL, size: int = SIZE) -> None:
        self.ttl = ttl
        self.size = size
        self._turns: OrderedDict[str, Turn] = OrderedDict()

    def __len__(self) -> int:
        return len(self._turns)

    def remember(self, key: str, entry_id: str, organization: str, now: datetime) -> None:
        """``key``'s conversation was just answered from ``entry_id``."""
        self._turns.pop(key, None)
        self._turns[key] = Turn(entry_id, organization, now)
        self._forget_old(now)

    def recall(self, key: str, now: datetime) -> Turn | None:
        """The previous answer in ``key``'s conversation, if it is recent enough to follow up."""
        self._forget_old(now)
        turn = self._turns.get(key)
        if turn is not None and not self._fresh(turn, now):  # the clock went back: trust nothing
            del self._turns[key]
            return None
        return turn

    def _fresh(self, turn: Turn, now: datetime) -> bool:
        return timedelta(0) <= now - turn.at < self.ttl

    def _forget_old(self, now: datetime) -> None:
        while self._turns:
            oldest = next(iter(self._turns.values()))
            if len(self._turns) <= self.size and now - oldest.at < self.ttl:
                return
            self._turns.popitem(last=False)
