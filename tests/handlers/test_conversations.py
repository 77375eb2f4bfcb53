"""The memory of the last answer per conversation: it expires, it is bounded, and it holds the
entry, its organisation and the time only (never the question, never who asked)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from handlers.ask import answer
from handlers.conversations import TTL, ConversationMemory, Turn
from handlers.messages import Reply
from tests.testbot import MakeBot

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def test_an_answer_is_remembered_for_ten_minutes_and_then_forgotten() -> None:
    memory = ConversationMemory()
    memory.remember("slack:D1", "entry-a", "Allerød Kommune", START)
    assert memory.recall("slack:D1", START + TTL - timedelta(seconds=1)) == Turn(
        "entry-a", "Allerød Kommune", START
    )
    assert timedelta(minutes=10) == TTL
    assert memory.recall("slack:D1", START + TTL) is None
    assert len(memory) == 0  # forgotten, not only hidden
    assert memory.recall("slack:D2", START) is None


def test_a_new_answer_replaces_the_previous_one_and_restarts_the_ten_minutes() -> None:
    memory = ConversationMemory()
    memory.remember("c", "entry-a", "Allerød Kommune", START)
    memory.remember("c", "entry-b", "Gentofte Kommune", START + timedelta(minutes=8))
    turn = memory.recall("c", START + timedelta(minutes=15))
    assert turn is not None and turn.entry_id == "entry-b" and len(memory) == 1


def test_the_memory_is_bounded_and_forgets_the_oldest_answer_first() -> None:
    memory = ConversationMemory(size=3)
    for i, key in enumerate(["a", "b", "c", "d"]):
        memory.remember(key, f"entry-{key}", "Allerød Kommune", START + timedelta(seconds=i))
    memory.remember("b", "entry-b2", "Allerød Kommune", START + timedelta(seconds=5))  # b is newest now
    memory.remember("e", "entry-e", "Allerød Kommune", START + timedelta(seconds=6))
    now = START + timedelta(seconds=7)
    assert len(memory) == 3
    assert [k for k in "abcde" if memory.recall(k, now)] == ["b", "d", "e"]


def test_expired_answers_go_even_when_nobody_asks_for_them() -> None:
    memory = ConversationMemory()
    for i in range(100):
        memory.remember(f"old-{i}", "entry-a", "Allerød Kommune", START)
    memory.remember("new", "entry-a", "Allerød Kommune", START + TTL)
    assert len(memory) == 1


def test_a_clock_that_went_back_is_not_trusted() -> None:
    memory = ConversationMemory()
    memory.remember("c", "entry-a", "Allerød Kommune", START)
    assert memory.recall("c", START - timedelta(minutes=1)) is None


def _strings(value: Any) -> list[str]:
    """Every string held in ``value``: attributes, mapping keys and values, dataclass fields."""
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _strings(dataclasses.astuple(value))
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list | tuple | set):
        return [s for v in value for s in _strings(v)]
    if hasattr(value, "__dict__"):  # an object: its attributes' values
        return _strings(list(vars(value).values()))
    return []


async def test_the_chat_handler_keeps_the_entry_not_the_question_nor_the_user(testbot: MakeBot) -> None:
    bot = testbot(clock=lambda: START)
    ctx, snapshot = bot.ctx, bot.ctx.knowledge.current
    entry = next(e for e in snapshot.kb.entries if answer(snapshot, e.questions_da[0]).entry_id == e.id)
    question = entry.questions_da[0]

    async def in_the_dm(text: str) -> Reply:
        return await bot.send(text, user="U0SECRET", channel="D0DM", direct=True, conversation="D0DM")

    reply = await in_the_dm(question)

    assert reply.answered and reply.entry_id == entry.id
    assert ctx.conversations.recall("slack:D0DM", START) == Turn(entry.id, entry.organization, START)
    kept = _strings(ctx.conversations)
    assert set(kept) == {"slack:D0DM", entry.id, entry.organization}
    assert not any(question in s or "U0SECRET" in s for s in kept)
    await bot.send(question, user="U0SECRET", channel="C0ROOM")  # a slash command: no conversation
    await in_the_dm("hvad er klokken?")  # declined: nothing new
    assert len(ctx.conversations) == 1 and ctx.conversations.recall("slack:D0DM", START) is not None
