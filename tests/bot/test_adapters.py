"""The adapter contract (handlers.adapter): every chat platform declares it, and the console, the
smallest, keeps it."""

from __future__ import annotations

import io

import pytest

from bot.console import ConsoleAdapter
from bot.slack import SlackAdapter
from bot.slack_payload import SlackEvent, event_message
from bot.teams import TeamsAdapter
from handlers.adapter import ChatAdapter
from handlers.messages import Reply


@pytest.mark.parametrize("adapter", [SlackAdapter, TeamsAdapter, ConsoleAdapter])
def test_every_adapter_declares_the_contract(adapter: type) -> None:
    assert ChatAdapter in adapter.__mro__  # mypy checks the signatures
    assert isinstance(adapter.platform, str)


def test_slack_receives_mentions_and_direct_messages_only() -> None:
    # SlackAdapter.receive is event_message: a pure translation, no client needed.
    mention = {"type": "app_mention", "channel": "C1", "user": "U1", "text": "<@UBOT> tema", "ts": "1.0"}
    dm = {"type": "message", "channel_type": "im", "channel": "D1", "user": "U1", "text": "tema"}
    from_bot = {**dm, "bot_id": "B1"}
    channel_chatter = {**dm, "channel_type": "channel", "channel": "C1"}

    msg = event_message(SlackEvent(mention, {}, {}))
    assert msg is not None and (msg.text, msg.thread, msg.is_direct) == ("tema", "1.0", False)
    msg = event_message(SlackEvent(dm, {}, {}))
    assert msg is not None and msg.is_direct and msg.conversation == "D1"
    for event in (from_bot, channel_chatter, {**mention, "channel": "D1"}):
        assert event_message(SlackEvent(event, {}, {})) is None


async def test_console_receives_lines_and_prints_replies() -> None:
    out = io.StringIO()
    console = ConsoleAdapter(out)
    assert console.receive("  \n") is None
    msg = console.receive("hvad er ugens tema?\n")
    assert msg is not None and msg.text == "hvad er ugens tema?" and msg.is_direct
    assert msg.conversation == console.receive("uddyb").conversation  # type: ignore[union-attr]
    await console.post(msg.channel, Reply(text="Ugens tema"))
    await console.direct("console", Reply(text="Påmindelse"))
    assert out.getvalue() == "Ugens tema\n\nPåmindelse\n\n"
