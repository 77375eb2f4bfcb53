"""Answers from the asker's own documents: an employee of one organisation is answered from its
documents and the shared ones, or from the organisation the question names (and the reply says
so); another organisation's text is never presented as theirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli_knowledge import passes, read_cases
from handlers.ask import answer
from handlers.texts import t
from knowledge.service import Snapshot, build_snapshot
from tests.knowledge import knowledge_sets

SHARED = Path(__file__).resolve().parents[1] / "knowledge" / "fixtures" / "shared"
NORDBY, TESTRUP = "Nordby Kommune", "Testrup Kommune"


@pytest.fixture(scope="module")
def kb() -> Snapshot:
    """Nordby (a leadership foundation, no contacts), Testrup (a personnel policy with whom to
    tell about bullying) and an agreement shared by both."""
    return build_snapshot([knowledge_sets.MINI, SHARED])


def test_a_question_only_another_organisation_covers_is_declined_for_the_asker(kb: Snapshot) -> None:
    question = "hvor tit kan jeg få et sundhedstjek?"
    assert answer(kb, question).source.organization == TESTRUP  # type: ignore[union-attr]
    reply = answer(kb, question, "Nordby")
    assert not reply.answered and reply.source is None
    assert all(s.organization != TESTRUP for s in reply.suggestions)


def test_a_question_naming_another_organisation_is_answered_from_it_and_says_so(kb: Snapshot) -> None:
    reply = answer(kb, "hvor tit kan jeg få et sundhedstjek i Testrup?", "Nordby")
    assert reply.answered and reply.source is not None and reply.source.organization == TESTRUP
    assert reply.lead == t("ask.other_organization", organization=TESTRUP)
    own = answer(kb, "hvor tit kan jeg få et sundhedstjek i Testrup?", "Testrup")
    assert own.answered and own.lead == ""


def test_bullying_names_whom_to_contact_from_the_askers_documents_or_the_general_advice(
    kb: Snapshot,
) -> None:
    own = answer(kb, "jeg bliver mobbet, hvem kontakter jeg?", "Testrup")
    assert own.answered and own.source is not None and own.source.organization == TESTRUP
    nordby = answer(kb, "jeg bliver mobbet, hvem kontakter jeg?", "Nordby")
    assert nordby.source is None or nordby.source.organization == NORDBY
    assert nordby.contacts is not None and nordby.contacts.source is None
    assert nordby.contacts.text == t("ask.general_contacts")
    english = answer(kb, "I am being bullied, who do I contact?", "Nordby")
    assert english.contacts is not None and english.contacts.text == t("ask.general_contacts", "en")


def test_a_shared_document_answers_every_organisations_employees(kb: Snapshot) -> None:
    for asker in ("Nordby", "Testrup", None):
        reply = answer(kb, "hvornår kan jeg få en seniorsamtale?", asker)
        assert reply.answered and reply.entry_id == "faelles-seniorsamtale" and reply.lead == "", asker


@pytest.mark.parametrize(
    ("asker", "organization"),
    [
        ("lyngby", "Lyngby-Taarbæk Kommune"),
        ("gentofte", "Gentofte Kommune"),
        ("albertslund", "Albertslund Kommune"),
    ],
)
def test_unnamed_questions_of_the_real_knowledge_come_from_the_askers_own_documents(
    asker: str, organization: str
) -> None:
    real = knowledge_sets.real()
    for question in (
        "hvad er vores værdier?",
        "hvad siger vores grundlag om at lære af fejl?",
        "what is expected of me as a leader?",
        "hvem skal jeg kontakte om mobning?",
    ):
        reply = answer(real, question, asker)
        sources = [s for s in (reply.source, reply.contacts and reply.contacts.source) if s is not None]
        assert all(s.organization == organization for s in sources), (asker, question, sources)


def test_eval_passes_a_cases_asker_as_ask_org_does(kb: Snapshot, tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(
        '- {q: "hvor tit kan jeg få et sundhedstjek?", oos: true, asker: Nordby}\n'
        '- {q: "hvor tit kan jeg få et sundhedstjek?", any: [hvert andet år], asker: Testrup}\n',
        encoding="utf-8",
    )
    cases = read_cases(path)
    assert [c.asker for c in cases] == ["Nordby", "Testrup"]
    assert all(passes(c, answer(kb, c.question, c.asker)) for c in cases)
