"""Replies to questions asked before, while the same knowledge serves.

A question's reply is a function of the serving snapshot, the text, the entry of the previous
answer in the conversation (a follow-up is read against it), the message's language and the
asker's organisation, and of nothing else; so a question asked again ("hvem skal jeg kontakte om mobning?" is asked often) gets
the reply computed the first time. The key is the text as it was typed, not a normalised form:
line breaks and "?" say which sentence asks, so only the same text is sure to get the same reply.

Keys hold the question's text, an entry id and an organisation's name, never a user, channel or
conversation id. The
cache belongs to one snapshot: the first question on a new one (after a reload) empties it, so no
reply outlives the knowledge it came from. ``knowledge.answer_cache`` in app.yaml sets its size;
0 turns it off. Counting the question (metrics, statistics) is the caller's, hit or miss.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from handlers.messages import Language, Reply
from knowledge.service import Snapshot

Key = tuple[str, str | None, Language | None, str | None]  # text, previous entry, language, organisation


class AnswerCache:
    """The last ``size`` replies computed on one snapshot, least recently used out first."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._snapshot: Snapshot | None = None
        self._replies: OrderedDict[Key, Reply] = OrderedDict()

    def reply(
        self,
        snapshot: Snapshot,
        text: str,
        previous_entry: str | None,
        language: Language | None,
        organization: str | None,
        compute: Callable[[], Reply],
    ) -> Reply:
        """The reply to ``text`` on ``snapshot``: the one computed before, or ``compute()``'s."""
        if self.size <= 0:
            return compute()
        if snapshot is not self._snapshot:  # a reload: replies of the old knowledge go
            self._replies.clear()
            self._snapshot = snapshot
        key = (text, previous_entry, language, organization)
        found = self._replies.get(key)
        if found is not None:
            self._replies.move_to_end(key)
            return found
        reply = self._replies[key] = compute()
        if len(self._replies) > self.size:
            self._replies.popitem(last=False)
        return reply
