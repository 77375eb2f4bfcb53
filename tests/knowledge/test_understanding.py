"""How the matcher understands questions written in employees' own words: the role a question
asks about, the sentence that asks in a long message, and situations described rather than named.
The expected answers are read from the knowledge files, never written here."""

from __future__ import annotations

from collections import defaultdict

import pytest

from knowledge.matcher import Matcher
from tests.knowledge import knowledge_sets


@pytest.fixture(scope="module")
def real() -> Matcher:
    return knowledge_sets.real().matcher


def _role_pairs(matcher: Matcher) -> list[tuple[str, str, dict[str, set[str]]]]:
    """Every theme with leaders' and employees' entries: (organisation, heading, role -> ids)."""
    themes = {(e.organization, e.section) for e in matcher.entries if e.theme is not None}
    by_heading: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for e in matcher.entries:
        if e.role and (e.organization, e.section) in themes:
            by_heading[e.organization, e.section][e.role].add(e.id)
    return [(o, s, roles) for (o, s), roles in by_heading.items() if len(roles) == 2]


def test_the_knowledge_has_headings_with_both_roles(real: Matcher) -> None:
    assert len(_role_pairs(real)) >= 8


@pytest.mark.parametrize(
    ("template", "role"),
    [
        ("som leder i {org}, hvad forventes der af mig under {theme}?", "leaders"),
        ("hvad er mit ansvar som medarbejder i {theme}", "employees"),
        ("as a manager in {org}, what is expected of me in {theme}?", "leaders"),
        ("what do I have to do as an employee in {org} under {theme}", "employees"),
    ],
)
def test_a_named_role_gets_that_roles_duties(real: Matcher, template: str, role: str) -> None:
    wrong = []
    for org, heading, roles in _role_pairs(real):
        result = real.match(template.format(org=org, theme=heading.lower()))
        best = result.best.entry if result.answered and result.best else None
        if best is None or best.id not in roles[role]:
            wrong.append((heading, best.id if best else None))
    assert not wrong


def test_background_sentences_do_not_pull_the_answer_away_from_the_question(real: Matcher) -> None:
    question = "Hvem skal jeg kontakte om mobning?"
    alone = real.match(question)
    background = (
        "Vi har haft mange sygedage i år, og vores leder taler tit om leder- og medarbejdergrundlaget. "
        "Der er også budgetdrøftelse i MED-udvalget. "
    )
    long = real.match(background + question)
    assert alone.answered and long.answered and alone.best and long.best
    assert long.best.entry.id == alone.best.entry.id


@pytest.mark.parametrize(
    ("situation", "topic"),
    [
        ("en borgers søn råbte ad mig og sagde at han vidste hvor jeg bor", "trusler"),
        ("a resident's son shouted at me and said he knew where I live", "trusler"),
        ("der er en på mit hold som holder mig udenfor og griner af mig", "mobning"),
        ("jeg har været sygemeldt længe, hvad sker der nu?", "sygefravær"),
        ("jeg har været sygemeldt siden påske, hvad sker der nu?", "sygefravær"),
        (
            "half my team has stopped caring about their work, what does our foundation say I should"
            " do as their manager?",
            "motivation",
        ),
        ("jeg sover dårligt og kan ikke overskue mit arbejde længere", "mistrivsel"),
    ],
)
def test_a_described_situation_reaches_the_entry_on_its_topic(
    real: Matcher, situation: str, topic: str
) -> None:
    result = real.match(situation)
    assert result.answered and result.best is not None
    entry = result.best.entry
    assert topic in " ".join((entry.title, entry.section, entry.quote, *entry.keywords)).lower()


def test_situation_words_are_read_from_the_glossary(real: Matcher) -> None:
    # The situation vocabulary lives in synonyms.yaml (glossary.situations): its Danish phrases
    # join the synonyms, its English ones the English glossary.
    assert "holdt udenfor" in real.kb.glossary.synonyms and "knows where i live" in real.kb.glossary.english
