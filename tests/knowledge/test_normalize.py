"""Danish-aware normalisation: folding, stemming, compounds, glossary, stop words, language."""

from __future__ import annotations

import os

import pytest

from knowledge.loader import load_knowledge
from knowledge.normalize import (
    CompoundSplitter,
    Lexicon,
    clean,
    detect_language,
    fold,
    garbage_ratio,
    stem,
    words,
)
from tests.knowledge.knowledge_sets import MINI


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon(load_knowledge(MINI).glossary)


def readings(lexicon: Lexicon, text: str) -> list[set[tuple[str, ...]]]:
    return [{a.stems for a in t.alts} for t in lexicon.terms(words(clean(text)))]


@pytest.mark.parametrize(
    "spellings",
    [
        ("sygefravær", "sygefravaer", "sygefravar", "SYGEFRAVÆR"),
        ("årshjul", "aarshjul", "arshjul", "Årshjulet"),
        ("arbejdsmiljørepræsentant", "arbejdsmiljoerepraesentant", "arbejdsmiljorepraesentant"),
        ("trøst", "troest", "trost"),
    ],
)
def test_danish_letters_and_their_ascii_spellings_stem_alike(spellings: tuple[str, ...]) -> None:
    assert len({stem(fold(w)) for w in spellings}) == 1


def test_inflected_forms_share_a_stem() -> None:
    assert stem(fold("sygefraværet")) == stem(fold("sygefravær"))
    assert stem(fold("repræsentanter")) == stem(fold("repræsentant"))
    assert stem(fold("tillidsrepræsentanten")) == stem(fold("tillidsrepræsentant"))


def test_words_flag_acronyms_and_hyphen_compounds_and_cut_garbage() -> None:
    found = words(clean("Hvem sender forslag til MED-udvalget, og hvad med LTK's værktøjer?"))
    by_word = {w.folded: w for w in reversed(found)}  # the first of a repeated word
    assert by_word["med"].keep  # "MED-" is the committee, not the preposition
    assert not [w for w in found if w.folded == "med"][1].keep  # "hvad med": the preposition
    assert by_word["ltk"].keep and "s" not in by_word
    assert not by_word["hvem"].keep
    assert by_word[fold("værktøjer")].danish
    assert all(len(w.folded) <= 40 for w in words("x" * 5000))


def test_clean_removes_control_characters_and_lone_surrogates() -> None:
    assert clean("hej\x00\x07 med\udcff dig\n") == "hej med dig"
    assert clean("") == ""


def test_garbage_ratio_tells_binary_from_text() -> None:
    assert garbage_ratio(os.urandom(2000).decode("utf-8", "replace")) > 0.3
    assert garbage_ratio("hvem skal jeg kontakte om mobning?") == 0.0


def test_compounds_split_against_the_vocabulary_with_the_linking_s() -> None:
    known = {fold(w) for w in ("arbejdsmiljø", "repræsentant", "tillid", "sygefravær", "sundhed", "tjek")}
    splitter = CompoundSplitter(known | {stem(w) for w in known})
    assert splitter.split(fold("arbejdsmiljørepræsentant")) == (fold("arbejdsmiljø"), fold("repræsentant"))
    assert splitter.split(fold("tillidsrepræsentant")) == ("tillid", fold("repræsentant"))
    assert splitter.split(fold("sundhedstjek")) == ("sundhed", "tjek")
    # "statistik" is unknown: only the relaxed split keeps the known first part.
    assert splitter.split(fold("sygefraværsstatistik")) is None
    assert splitter.split(fold("sygefraværsstatistik"), relaxed=True) == (fold("sygefravær"), "statistik")
    assert splitter.split("kantinen") is None and splitter.split("qwertyuiopasd") is None


def test_english_words_and_phrases_map_to_danish(lexicon: Lexicon) -> None:
    sick, rules = readings(lexicon, "sick leave rules")
    assert (stem(fold("sygefravær")),) in sick
    assert (stem("rules"),) in rules
    assert any((stem(fold("tillidsrepræsentant")),) in r for r in readings(lexicon, "union representatives"))
    assert any((stem("mobning"),) in r for r in readings(lexicon, "I was bullied"))


def test_stop_words_go_and_synonyms_hold_one_way(lexicon: Lexicon) -> None:
    assert [t.surface for t in lexicon.terms(words(clean("hvem skal jeg gå til hvis jeg er sygemeldt")))] == [
        "ga",
        "sygemeldt",
    ]
    sygemeldt = readings(lexicon, "sygemeldt")[0]
    assert (stem(fold("sygefravær")),) in sygemeldt
    assert (stem(fold("sygemeldt")),) not in readings(lexicon, "sygefravær")[0]


def test_sensitive_topics_are_found_in_danish_and_english(lexicon: Lexicon) -> None:
    def topics(text: str) -> list[str]:
        return lexicon.sensitive_topics(lexicon.terms(words(clean(text))))

    assert topics("jeg bliver mobbet") and topics("I was bullied at work")
    assert topics("trusler fra en borger") and not topics("hvor tit kan jeg få sundhedstjek")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("who do I contact about bullying?", "en"),
        ("is there a gym or exercise offer", "en"),
        ("hvem skal jeg kontakte om mobning?", "da"),
        ("sundhedstjek", "da"),
        ("hvad er årshjulet", "da"),
    ],
)
def test_language_is_detected(lexicon: Lexicon, text: str, language: str) -> None:
    assert lexicon.language(words(clean(text))) == language
    assert detect_language(text) == language
