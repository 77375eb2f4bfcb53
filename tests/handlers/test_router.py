"""The command table and the one error boundary."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from handlers import router
from handlers.context import Context
from handlers.messages import Message, Reply, UserFacingError
from handlers.router import COMMANDS, command, parse
from tests.testbot import MakeBot, TestBot


@pytest.fixture
def bot(testbot: MakeBot) -> TestBot:
    return testbot()


@pytest.mark.parametrize(
    ("text", "name", "argument"),
    [
        ("hjælp", "help", ""),
        ("Help!", "help", ""),
        ("?", "help", ""),
        ("/tema", "theme", ""),
        ("årshjul", "wheel", ""),
        ("aarshjul", "wheel", ""),
        ("abonner Gentofte", "subscribe", "Gentofte"),
        ("status", "status", ""),
    ],
)
def test_command_words_route_to_their_command(text: str, name: str, argument: str) -> None:
    cmd, arg = parse(text)
    assert cmd is not None and cmd.name == name and arg == argument


@pytest.mark.parametrize(
    "text", ["status på sygefravær", "tema for mobning", "hjælp til sygefravær", "reload min kaffe"]
)
def test_a_command_word_inside_a_question_is_still_a_question(text: str) -> None:
    assert parse(text) == (None, text)


async def test_a_question_is_answered_by_the_knowledge(bot: TestBot) -> None:
    reply = await bot.send("hvor tit kan jeg få et sundhedstjek", channel="D1", direct=True)
    assert reply.answered and reply.source is not None and "hvert andet år" in reply.text


@pytest.fixture
def failing_commands() -> Iterator[None]:
    @command("boom", "boom")
    async def boom(msg: Message, ctx: Context, argument: str) -> Reply:
        raise RuntimeError("secret internal detail")

    @command("refuse", "refuse")
    async def refuse(msg: Message, ctx: Context, argument: str) -> Reply:
        raise UserFacingError("Det må du ikke.")

    yield
    del COMMANDS["boom"], COMMANDS["refuse"]


@pytest.mark.usefixtures("failing_commands")
async def test_an_unexpected_error_becomes_an_apology_and_a_logged_traceback(
    bot: TestBot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger=router.__name__):
        reply = await bot.send("boom", user="U0SECRET")
    assert not reply.answered and "secret internal detail" not in reply.text and reply.text
    assert "secret internal detail" in caplog.text  # the traceback is in the log ...
    assert "U0SECRET" not in caplog.text  # ... the user is not
    assert bot.ctx.metrics.registry.get_sample_value("grundlagbot_errors_total", {"where": "handler"}) == 1


@pytest.mark.usefixtures("failing_commands")
async def test_an_expected_error_reaches_the_user_as_it_was_written(bot: TestBot) -> None:
    reply = await bot.send("refuse")
    assert reply.text == "Det må du ikke." and not reply.answered
