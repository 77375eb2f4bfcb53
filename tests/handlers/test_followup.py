"""Follow-ups read against the previous answer, on the real knowledge: more of the same entry,
the same question for another organisation or role, a refinement; and what must not change:
clear questions, out-of-scope messages, a conversation without a previous answer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.ask import answer
from handlers.conversations import Turn
from handlers.followup import MAX_WORDS, read, respond
from handlers.messages import Language, Related
from handlers.texts import t
from knowledge.model import Entry
from knowledge.service import Snapshot
from tests.handlers.followup_cases import asked_elsewhere, role_pairs, short_name
from tests.knowledge import knowledge_sets

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def real() -> Snapshot:
    return knowledge_sets.real()


def after(entry: Entry) -> Turn:
    return Turn(entry.id, entry.organization, NOW)


@pytest.mark.parametrize(
    "text, language",
    [
        ("uddyb", "da"),
        ("kan du uddybe det?", "da"),
        ("hvad mener du?", "da"),
        ("forklar det lidt nærmere", "da"),
        ("tell me more", "en"),
        ("what do you mean?", "en"),
        ("elaborate", "en"),
    ],
)
def test_elaborate_shows_the_entry_again_with_its_quote_and_related_entries(
    real: Snapshot, text: str, language: Language
) -> None:
    entry = next(e for e in real.kb.entries if len(e.related) >= 2)
    reply = respond(real, text, after(entry))
    assert reply.answered and reply.entry_id == entry.id and reply.language == language
    assert reply.lead == t("followup.continued", language) and reply.text == entry.answer.get(language)
    assert reply.source is not None and reply.source.quote == entry.quote
    related = [real.kb.entry(r) for r in entry.related]
    assert reply.see_also == tuple(Related(e.title, e.organization) for e in related if e is not None)
    assert len(reply.see_also) == len(entry.related)


def test_another_organisation_is_asked_the_previous_question(real: Snapshot) -> None:
    entry, other = asked_elsewhere(real)
    for text, language in [
        (f"and in {short_name(other)}?", "en"),
        (f"og hvad med {short_name(other)}?", "da"),
    ]:
        reply = respond(real, text, after(entry))
        assert reply.answered and reply.language == language, text
        assert reply.source is not None and reply.source.organization == other


def test_an_organisation_without_an_answer_says_so(real: Snapshot) -> None:
    entry, other = next(
        (e, o)
        for e in real.kb.entries
        for o in real.kb.organizations()
        if o != e.organization and not answer(real, e.questions_da[0], o).answered
        and not answer(real, e.title, o).answered
    )  # fmt: skip
    reply = respond(real, f"og i {short_name(other)}?", after(entry))
    assert not reply.answered
    assert reply.lead == t("followup.not_found", "da", title=entry.title, organization=other)


@pytest.mark.parametrize(
    "previous, text, wanted",
    [
        ("leaders", "og for medarbejderne?", "employees"),
        ("leaders", "hvad med medarbejderne", "employees"),
        ("leaders", "what about employees?", "employees"),
        ("employees", "og for ledere?", "leaders"),
        ("employees", "and for managers?", "leaders"),
        ("employees", "gælder det også for lederne?", "leaders"),
    ],
)
def test_another_role_gets_the_same_themes_other_responsibility(
    real: Snapshot, previous: str, text: str, wanted: str
) -> None:
    pairs = role_pairs(real.kb)
    assert len(pairs) >= 10  # every theme of two foundations
    for pair in pairs:
        reply = respond(real, text, after(pair[previous]))
        assert reply.answered and reply.entry_id == pair[wanted].id, (pair[previous].id, text)
        assert reply.source is not None and reply.source.section == pair[previous].section
        assert reply.language == ("en" if text.startswith(("what", "and")) else "da")


def test_another_role_is_only_ever_answered_with_what_a_role_does(real: Snapshot) -> None:
    for entry in real.kb.entries:
        reply = respond(real, "og for ledere?", after(entry))
        found = real.kb.entry(reply.entry_id) if reply.entry_id else None
        assert not reply.answered or (found is not None and found.kind == "responsibility"), entry.id


def test_a_refinement_stays_on_the_topic(real: Snapshot) -> None:
    bullying = next(e for e in real.kb.entries if e.contacts and "mobning" in e.keywords)
    alone = answer(real, "what if it's a colleague?")
    reply = respond(real, "what if it's a colleague?", after(bullying))
    assert not alone.answered and reply.answered and reply.language == "en"
    assert reply.source is not None and (reply.source.organization, reply.source.section) == (
        bullying.organization,
        bullying.section,
    )


def test_a_clear_question_is_answered_as_it_would_be_on_its_own(real: Snapshot) -> None:
    previous = after(next(e for e in real.kb.entries if e.contacts))
    asked = 0
    for entry in real.kb.entries:
        for question in (entry.questions_da[0], entry.questions_en[-1]):
            alone = answer(real, question)
            if alone.answered:
                asked += 1
                assert respond(real, question, previous) == alone, question
    assert asked > len(real.kb.entries)


@pytest.mark.parametrize(
    "text",
    [
        "hvad er klokken?",
        "hvad er der til frokost?",
        "kan jeg parkere gratis?",
        "hvem vinder VM?",
        "må jeg have hund med?",
        "what's for lunch?",
        "what's the weather like?",
        "tak",
        "ok",
        "og?",
        "hvad koster det?",
    ],
)
def test_short_out_of_scope_messages_are_still_declined_after_an_answer(real: Snapshot, text: str) -> None:
    assert not answer(real, text).answered
    firsts = {e.organization: e for e in reversed(real.kb.entries)}  # each organisation's first entry
    previous = [*firsts.values(), *(e for e in real.kb.entries if e.contacts)]
    for entry in previous:
        assert not respond(real, text, after(entry)).answered, entry.id


def test_without_a_previous_answer_a_message_is_answered_on_its_own(real: Snapshot) -> None:
    for text in ("uddyb", "og for ledere?", "hvor tit kan jeg få et sundhedstjek?"):
        assert respond(real, text, None) == answer(real, text)
        gone = Turn("an-entry-a-reload-removed", "Allerød Kommune", NOW)
        assert respond(real, text, gone) == answer(real, text)


def test_how_a_message_reads(real: Snapshot) -> None:
    role = read(real, "og for ledere?")
    assert role is not None and role.role == "leaders" and not role.content and role.language == "da"
    case = read(real, "og hvis det er lederen?")  # after a condition, the leader is who it is about
    assert case is not None and case.role is None and case.content
    elsewhere = read(real, "and in Gentofte?")
    assert (
        elsewhere is not None and elsewhere.organization == "Gentofte Kommune" and elsewhere.language == "en"
    )
    more = read(real, "elaborate")
    assert more is not None and more.elaborate and more.language == "en"
    assert read(real, " ".join(["ledere"] * (MAX_WORDS + 1))) is None
    assert read(real, "?!") is None
