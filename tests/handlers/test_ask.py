"""Turning a question into the bot's reply: the answer in the question's language, the source and
the quote, polite declines with where to turn, contacts on sensitive topics, and bad input."""

from __future__ import annotations

import os

import pytest

from bot.plain_render import render, to_json
from handlers.ask import answer
from handlers.messages import Source
from handlers.texts import t
from knowledge.service import KnowledgeService, Snapshot
from tests.knowledge import knowledge_sets
from tests.testbot import MakeBot


@pytest.fixture(scope="module")
def mini() -> Snapshot:
    return knowledge_sets.mini()


@pytest.fixture(scope="module")
def real() -> Snapshot:
    return knowledge_sets.real()


def test_an_answer_names_its_source_and_quotes_it(mini: Snapshot) -> None:
    reply = answer(mini, "hvor tit kan jeg få et sundhedstjek?")
    entry = mini.kb.entry("testrup-sundhedstjek")
    assert entry is not None and reply.answered and reply.entry_id == entry.id
    assert reply.text == entry.answer.da and reply.contacts is None and reply.lead == ""
    assert reply.source == Source("Testrup Kommune", "Personalepolitik", "Sundhed", entry.quote)
    assert (
        reply.score is not None and reply.score >= 100 * mini.matcher.model.answer and reply.language == "da"
    )


def test_an_english_question_gets_an_english_answer_with_the_danish_quote(mini: Snapshot) -> None:
    reply = answer(mini, "how often can I get a health check?")
    entry = mini.kb.entry("testrup-sundhedstjek")
    assert entry is not None and reply.answered and reply.language == "en"
    assert reply.text == entry.answer.en
    assert reply.source is not None and reply.source.organization == "Testrup Kommune"
    assert reply.source.quote == entry.quote


def test_the_json_has_the_contract_shape(mini: Snapshot) -> None:
    data = to_json(answer(mini, "sundhedstjek"))
    assert set(data) == {"answered", "text", "score", "source", "suggestions"}
    assert set(data["source"]) == {"organization", "document", "section", "quote"}
    declined = to_json(answer(mini, "hvad er klokken"))
    assert (
        declined["answered"] is False
        and declined["source"] is None
        and isinstance(declined["suggestions"], list)
    )


@pytest.mark.parametrize(
    ("question", "language"), [("hvad er klokken", "da"), ("what is the time in Tokyo", "en")]
)
def test_a_decline_says_where_to_turn(mini: Snapshot, question: str, language: str) -> None:
    reply = answer(mini, question)
    assert not reply.answered and reply.source is None and reply.language == language
    assert reply.text == t("ask.decline", language)  # type: ignore[arg-type]
    assert "HR" in reply.text and "tillidsrepræsentant" in reply.text


def test_a_decline_offers_at_most_three_suggestions(real: Snapshot) -> None:
    reply = answer(real, "hvad er formålet")
    assert not reply.answered and 1 <= len(reply.suggestions) <= 3
    assert all(s.question for s in reply.suggestions)


def test_a_sensitive_answer_without_contacts_gets_them_added(mini: Snapshot) -> None:
    reply = answer(mini, "er mobning skadeligt")
    contacts = mini.kb.entry("testrup-mobning-kontakt")
    assert contacts is not None and reply.answered and reply.entry_id == "testrup-mobning-skadelig"
    assert reply.contacts is not None and reply.contacts.text == contacts.answer.da
    assert reply.contacts.source.section == contacts.section


def test_a_sensitive_question_names_contacts_even_when_declined(mini: Snapshot) -> None:
    # Nordby's documents say nothing about bullying and name nobody: its employee gets the general
    # advice, not Testrup's policy as if it were theirs (tests/handlers/test_organizations.py).
    reply = answer(mini, "hvem kontakter jeg om mobning", org="Nordby")
    assert not reply.answered and reply.contacts is not None
    assert reply.contacts.source is None and reply.contacts.text == t("ask.general_contacts")


def test_the_real_bullying_question_names_whom_to_contact(real: Snapshot) -> None:
    for question in (
        "hvem skal jeg kontakte om mobning?",
        "who do I contact about bullying?",
        "en borger truede mig",
    ):
        reply = answer(real, question)
        shown = render(reply)
        assert reply.answered and ("tillidsrepræsentant" in shown or "union representative" in shown)


def test_being_talked_over_in_meetings_names_whom_to_tell_answered_or_not(real: Snapshot) -> None:
    # A situation told in everyday words that may be bullying: if the bot is not sure enough to
    # answer, the contacts still come, and the bullying contacts entry is offered first.
    reply = answer(real, "der er en på mit hold som aldrig lader mig komme til orde på møderne")
    entry = real.kb.entry(reply.entry_id) if reply.entry_id else None
    assert reply.contacts is not None or (entry is not None and entry.contacts)
    if not reply.answered:
        assert reply.suggestions and "obning" in reply.suggestions[0].title


def test_a_long_report_of_violence_is_answered_with_whom_to_tell(real: Snapshot) -> None:
    # Chatty, and with words no document uses, so the match is less certain than for a short
    # question; on a sensitive topic the entry naming the contacts answers all the same.
    reply = answer(real, "en borger slog ud efter mig i borgerservice i går, hvem skal jeg fortælle det til?")
    assert reply.answered and reply.source is not None and "tillidsrepræsentant" in reply.source.quote


def test_bullying_outside_work_is_not_answered_from_the_workplace_policy(real: Snapshot) -> None:
    reply = answer(real, "min søn bliver mobbet i skolen")
    assert not reply.answered and reply.source is None


@pytest.mark.parametrize(
    ("text", "key", "language"),
    [
        ("Hej!", "ask.greeting", "da"),
        ("tak for hjælpen", "ask.thanks", "da"),
        ("Thank you", "ask.thanks", "en"),
    ],
)
def test_small_talk_gets_a_friendly_reply_and_is_no_unanswered_question(
    real: Snapshot, text: str, key: str, language: str
) -> None:
    reply = answer(real, text)
    assert reply.text == t(key, language) and not reply.answered and reply.score is None
    # A message with a question in it is a question, thanks or not.
    assert answer(real, "tak, hvem skal jeg kontakte om mobning?").answered


def test_an_unknown_organisation_is_named_with_the_known_ones(mini: Snapshot) -> None:
    reply = answer(mini, "sundhedstjek", org="Odense")
    assert not reply.answered and "Odense" in reply.text and "Testrup Kommune" in reply.text


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "ask.empty"),
        ("   \n\t ", "ask.empty"),
        ("?!", "ask.empty"),
        ("\x00\x01\x02\x03", "ask.unreadable"),
    ],
)
def test_empty_and_unreadable_messages_get_a_clear_reply(mini: Snapshot, text: str, key: str) -> None:
    reply = answer(mini, text)
    assert reply.text == t(key) and not reply.answered and reply.score is None


def test_binary_garbage_and_huge_messages_get_a_reply(real: Snapshot) -> None:
    assert answer(real, os.urandom(5000).decode("utf-8", "replace")).text == t("ask.unreadable")
    huge = answer(real, "Hej. " * 8000 + "Hvem skal jeg kontakte om mobning?")
    assert huge.answered and huge.source is not None


async def test_the_chat_handler_keeps_an_unanswered_question_without_the_user(
    testbot: MakeBot, mini: Snapshot
) -> None:
    bot = testbot(KnowledgeService(knowledge_sets.MINI, mini))
    store = bot.ctx.store
    await bot.send("sundhedstjek")
    reply = await bot.send("hvad er der til frokost")
    assert not reply.answered
    assert await store.answer_counts() == (1, 1) and await store.unanswered() == ["hvad er der til frokost"]
