"""A message's language is decided once, in dispatch, by the detector the matcher reads questions
with; handlers, error replies and follow-ups read that one decision."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers import ask
from handlers.context import Context
from handlers.language import language_of
from handlers.messages import Language, Message, Reply
from handlers.texts import t
from knowledge.service import Snapshot
from tests.knowledge import knowledge_sets
from tests.testbot import MakeBot, TestBot

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def real() -> Snapshot:
    return knowledge_sets.real()


@pytest.fixture
def bot(testbot: MakeBot) -> TestBot:
    return testbot()


def test_the_decision_is_the_matchers_reading_of_a_question(real: Snapshot) -> None:
    entries = real.kb.entries[::4]
    questions = [q for e in entries for q in (*e.questions_da[:1], *e.questions_en[:1])]
    assert len(questions) > 100
    differ = [q for q in questions if language_of(real, q) != real.matcher.match(q).language]
    assert not differ


@pytest.mark.parametrize(
    ("text", "word", "language"),
    [
        ("help", "help", "en"),
        ("hjælp", "hjælp", "da"),
        ("?", "?", "da"),
        ("Theme?", "theme", "en"),
        ("tema", "tema", "da"),
        ("subscribe Gentofte", "subscribe", "en"),
        ("abonner Gentofte", "abonner", "da"),
    ],
)
async def test_a_command_is_in_the_language_of_its_word(
    bot: TestBot, text: str, word: str, language: Language
) -> None:
    assert language_of(bot.ctx.knowledge.current, text, word) == language
    reply = await bot.send(text)
    assert reply.language == language


@pytest.mark.parametrize(
    ("text", "language"),
    [("who do I contact about bullying?", "en"), ("hvem skal jeg kontakte om mobning?", "da"), ("", "da")],
)
async def test_dispatch_decides_once_and_the_handler_reads_it(
    bot: TestBot, monkeypatch: pytest.MonkeyPatch, text: str, language: Language
) -> None:
    seen: list[Language] = []

    async def handle_ask(msg: Message, ctx: Context, text: str | None = None) -> Reply:
        seen.append(msg.language)
        raise RuntimeError("the handler failed")

    monkeypatch.setattr(ask, "handle_ask", handle_ask)
    reply = await bot.send(text)
    assert seen == [language]
    assert reply.text == t("error.apology", language) and reply.language == language  # the apology too


def test_the_packages_have_one_language_detector() -> None:
    callers = [
        str(path.relative_to(ROOT))
        for package in ("bot", "handlers", "scheduler")
        for path in sorted((ROOT / package).rglob("*.py"))
        if "detect_language" in (text := path.read_text(encoding="utf-8")) or ".language(" in text
    ]
    assert callers == ["handlers/language.py"]
