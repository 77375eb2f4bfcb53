"""The contract of a chat adapter: what a new chat platform implements (errbot's ``Backend``).

An adapter is thin. For each platform it does four things, and nothing a handler does:

* ``receive``: translate one of the platform's payloads into the neutral
  :class:`~handlers.messages.Message`, or None when it is not for the bot (another bot's post, an
  edit, a channel message that does not mention it). The adapter hands the message to
  :func:`handlers.router.dispatch`, which returns the :class:`~handlers.messages.Reply`;
* ``render``: lay that reply out in the platform's format (Block Kit, an Adaptive Card, plain
  text), from the reply's fields, never by taking its text apart;
* ``post``: deliver a reply into a conversation (a channel, a stored Teams conversation);
* ``direct``: deliver a reply to one person, in their direct chat with the bot.

``post`` and ``direct`` are also how the scheduler reaches the platform: the adapter registers
itself (or a poster with those two methods) in ``ctx.posters[platform]`` (:class:`Poster`).
Everything else stays inside the adapter's own modules: its route on the shared aiohttp
application, authentication, acknowledgements, retries, buttons and slash commands.

The adapters declare the contract by subclassing it, so mypy checks their signatures:
``bot.slack.SlackAdapter``, ``bot.teams.TeamsAdapter`` and ``bot.console.ConsoleAdapter``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeVar

from handlers.context import Poster

if TYPE_CHECKING:
    from datetime import datetime

    from handlers.messages import Message, Reply

PayloadT_contra = TypeVar("PayloadT_contra", contravariant=True)
RenderedT_co = TypeVar("RenderedT_co", covariant=True)


class ChatAdapter(Poster, Protocol[PayloadT_contra, RenderedT_co]):
    """One chat platform: ``receive`` its payloads, ``render`` replies, ``post`` and ``direct`` them.

    ``PayloadT_contra`` is what the platform delivers (a Slack event, a Bot Framework activity, a
    line typed in the terminal); ``RenderedT_co`` is what it sends (Block Kit with its fallback
    text, an activity, a string).
    """

    platform: str

    def receive(self, payload: PayloadT_contra) -> Message | None:
        """The neutral message of ``payload``; None when it is not addressed to the bot."""
        ...

    def render(self, reply: Reply) -> RenderedT_co:
        """``reply`` in the platform's format."""
        ...

    async def post(self, target: str, reply: Reply) -> str | None:
        """Deliver ``reply`` into the conversation ``target``; the message's id, if it has one."""
        ...

    async def direct(self, user: str, reply: Reply) -> None:
        """Deliver ``reply`` to ``user`` in their direct chat with the bot."""
        ...

    async def find_post(self, target: str, reply: Reply, since: datetime) -> str | None:
        """The id of a post of ``reply`` in ``target`` since ``since``; None if none or unknown."""
        ...
