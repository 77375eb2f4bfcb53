"""The console adapter: ``grundlagbot chat``, the bot in a terminal.

The smallest :class:`~handlers.adapter.ChatAdapter`: a typed line is the payload, plain text
(``bot.plain_render``) is the rendering, and both posting and direct messages print. Every line
goes through :func:`handlers.router.dispatch` like a Slack or Teams message, so the terminal gives
the answers the chat platforms give.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import datetime
from typing import TextIO

from bot import plain_render
from handlers.adapter import ChatAdapter
from handlers.context import Context
from handlers.messages import Message, Reply
from handlers.router import dispatch
from handlers.texts import t

EXIT_WORDS = frozenset({"exit", "quit", "farvel", "bye", "hej hej"})
USER = "console"


class ConsoleAdapter(ChatAdapter[str, str]):
    """One terminal: one user, one direct conversation, replies printed to ``out``."""

    platform = "console"

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        # The terminal is one conversation: follow-ups ("uddyb", "og i Gentofte?") continue the
        # previous answer, which this process alone remembers (handlers.conversations).
        self.conversation = f"chat-{uuid.uuid4().hex}"

    def receive(self, payload: str) -> Message | None:
        """A typed line as a direct message; None for an empty line."""
        text = payload.rstrip("\r\n")
        if not text.strip():
            return None
        return Message(
            text, user=USER, channel=USER, platform="console", is_direct=True, conversation=self.conversation
        )

    def render(self, reply: Reply) -> str:
        return plain_render.render(reply)

    async def post(self, target: str, reply: Reply) -> None:
        self.say(self.render(reply) + "\n")

    async def direct(self, user: str, reply: Reply) -> None:
        self.say(self.render(reply) + "\n")

    async def find_post(self, target: str, reply: Reply, since: datetime) -> str | None:
        return None  # the terminal keeps no history

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


def is_goodbye(line: str) -> bool:
    return line.strip().lower().rstrip("!.") in EXIT_WORDS


async def chat(ctx: Context, stdin: TextIO, adapter: ConsoleAdapter | None = None) -> int:
    """Answer each line of ``stdin`` until EOF or a goodbye."""
    console = adapter or ConsoleAdapter()
    console.say(t("chat.welcome"))
    while True:
        console.out.write(t("chat.prompt"))
        console.out.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line or is_goodbye(line):
            console.say(("\n" if not line else "") + t("chat.goodbye"))
            await ctx.settle()
            return 0
        msg = console.receive(line)
        if msg is not None:
            await console.post(msg.channel, await dispatch(msg, ctx))
