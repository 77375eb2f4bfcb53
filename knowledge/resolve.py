"""Resolve a question's terms against the index: the words themselves, their glossary readings,
compounds, inflections and typos.

A term of a Danish question is looked up among the stems of the Danish texts, a term of an English
question among those of the English texts; a word found only in the other language's texts counts
for less (:data:`CROSS_LANGUAGE`). A word the index lacks is tried, in order, as a compound of
known words, as an inflection the stemmer left alone, as a close typo (rapidfuzz ``fuzz.ratio``
against words of about the same length and first letter), as a compound with an unknown part,
and finally as any typo within the cutoff. What stays unknown keeps the highest importance.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from knowledge.index import EN, Index
from knowledge.normalize import Alt, Language, Term, stem

CROSS_LANGUAGE = 0.5  # a word found only in the other language's text ("bring" in "bringer")
INFLECTION_WEIGHT = 0.9  # "byen" found as "by"
SUFFIXES = ("erne", "ene", "en", "et", "er", "ne", "e", "s")
UNKNOWN_IMPORTANCE = 0.7  # a word the index lacks at all: chat has many words no document uses
RARE_DF = 2  # a word in at most this many entries may be a typo on either side ...
RARE_MIN_LENGTH = 6  # ... when it is this long: shorter words are too often other words
RARE_NEIGHBOUR = CLOSE_TYPO = 0.95 * 0.9  # fuzzy weight of a word one letter away


@dataclass(frozen=True, slots=True)
class QTerm:
    """A question term resolved against the index: readings that exist, and importance."""

    surface: str
    alts: tuple[Alt, ...]
    importance: float


class Resolver:
    """Looks terms up in one :class:`Index`; keeps a cache of fuzzy lookups."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._fuzzy_cache: dict[tuple[str, str, Language], tuple[Alt, ...]] = {}

    def resolve(self, terms: Sequence[Term], language: Language) -> list[QTerm]:
        """The question's terms with the readings the index has (or none: unknown)."""
        out: list[QTerm] = []
        memo: dict[Term, list[QTerm]] = {}
        for term in terms:
            if term not in memo:  # a word repeated in a long message is looked up once
                memo[term] = self._resolve_term(term, language)
            out.extend(memo[term])
        return out

    def _resolve_term(self, term: Term, language: Language) -> list[QTerm]:
        alts = self._readings(term, language)
        rare = term.stem and len(self.index.postings.get(term.stem, ())) <= RARE_DF
        if alts and rare and len(term.surface) >= RARE_MIN_LENGTH:
            # A word the index has only once or twice may be a typo on either side
            # ("fælleskab" in a source text): its close neighbours count too.
            close = self._fuzzy(term.surface, term.stem, language)
            alts += tuple(a for a in close if a.stems[0] != term.stem and a.weight >= RARE_NEIGHBOUR)
        if alts:
            return [self._qterm(term.surface, alts, term.own, language)]
        if term.stem:
            return self._resolve_unknown(term.surface, term.stem, language)
        return [QTerm(term.surface, (), 1.0)]

    def _readings(self, term: Term, language: Language) -> tuple[Alt, ...]:
        """The readings of a term the index has: its own words (in the question's language
        first) and its glossary readings (Danish words)."""
        out: list[Alt] = []
        for alt in term.alts:
            if alt.stems == term.own:
                out += self._own(alt.stems, language)
            elif all(s in self.index.postings for s in alt.stems):
                out.append(alt)
        return tuple(out)

    def _own(self, stems: tuple[str, ...], language: Language) -> list[Alt]:
        postings, neutral = self.index.postings, all(s in self.index.neutral for s in stems)
        out = []
        if all(s in postings for s in stems):
            out.append(Alt(stems, 1.0 if language == "da" or neutral else CROSS_LANGUAGE))
        english = tuple(EN + s for s in stems)
        if all(s in postings for s in english):
            out.append(Alt(english, 1.0 if language == "en" or neutral else CROSS_LANGUAGE))
        return out

    def _resolve_word(self, folded: str, language: Language) -> QTerm:
        """A part of a compound: Danish, looked up directly or corrected."""
        own = stem(folded)
        if own in self.index.postings:
            return self._qterm(folded, (Alt((own,), 1.0),), (own,))
        found = self._inflection(folded) or self._fuzzy(folded, own, language)
        return self._qterm(folded, found) if found else QTerm(folded, (), UNKNOWN_IMPORTANCE)

    def _resolve_unknown(self, folded: str, own: str, language: Language) -> list[QTerm]:
        """A word the index lacks: a compound of known words, an inflection, a compound with an
        unknown part ("medarbejder|nummer": the unknown part still counts), or a typo."""
        if split := self.index.splitter.split(folded):
            return [self._resolve_word(p, language) for p in split]
        if found := self._inflection(folded):
            return [self._qterm(folded, found)]
        fuzzy = self._fuzzy(folded, own, language)
        if fuzzy and fuzzy[0].weight >= CLOSE_TYPO:  # "kompetenceudviklng"
            return [self._qterm(folded, fuzzy)]
        if split := self.index.splitter.split(folded, relaxed=True):
            return [self._resolve_word(p, language) for p in split]
        return [self._qterm(folded, fuzzy)] if fuzzy else [QTerm(folded, (), UNKNOWN_IMPORTANCE)]

    def _inflection(self, folded: str) -> tuple[Alt, ...]:
        """Short words the stemmer leaves alone: "byen" is "by", "året" is "år"."""
        for suffix in SUFFIXES:
            base = folded.removesuffix(suffix)
            if base != folded and len(base) >= 2:
                for candidate in (base, stem(base)):
                    if candidate in self.index.postings:
                        return (Alt((candidate,), INFLECTION_WEIGHT),)
        return ()

    def _qterm(
        self, surface: str, alts: tuple[Alt, ...], own: tuple[str, ...] = (), language: Language = "da"
    ) -> QTerm:
        # A known word is as informative as itself, not as its rarest synonym.
        idf = self.index.idf
        # The words as written, in the question's language if the index has them there.
        english = tuple(EN + s for s in own)
        first, second = (english, own) if language == "en" else (own, english)
        mine = [a for a in alts if a.stems == first] or [a for a in alts if a.stems == second]
        if mine:  # the words as written: a phrase is about its rarest word ("stoppe med at ryge")
            importance = max(idf[s] for a in mine for s in a.stems)
        else:  # only glossary readings: as informative as the reading, i.e. its commonest word
            importance = max(min(idf[s] for s in a.stems) for a in alts)
        return QTerm(surface, alts, importance)

    def _fuzzy(self, surface: str, own: str, language: Language) -> tuple[Alt, ...]:
        """Typo-tolerant readings of an unknown word: index words close to it or to its stem."""
        key = (surface, own, language)
        if key not in self._fuzzy_cache:
            if len(self._fuzzy_cache) > 50_000:
                self._fuzzy_cache.clear()
            self._fuzzy_cache[key] = self._fuzzy_lookup(surface, own, language)
        return self._fuzzy_cache[key]

    def _fuzzy_lookup(self, surface: str, own: str, language: Language) -> tuple[Alt, ...]:
        # Typos are looked for in the question's language only: a typo in a word of the
        # other language is rare, and the lookups are the costly part of a question.
        found: dict[str, float] = {}
        prefix = EN if language == "en" else ""
        for query in dict.fromkeys((surface, own)):
            cutoff = _cutoff(len(query))
            for choice, score in self._nearby(query, cutoff, language) if cutoff else ():
                s = prefix + (choice if prefix + choice in self.index.postings else stem(choice))
                if s in self.index.postings:
                    found[s] = max(found.get(s, 0.0), 0.95 * score / 100)
        best = sorted(found.items(), key=lambda kv: -kv[1])[:2]
        return tuple(Alt((s,), w) for s, w in best)

    def _nearby(self, query: str, cutoff: float, language: Language) -> list[tuple[str, float]]:
        # fuzz.ratio >= cutoff bounds the length difference, so only words of about the same
        # length are compared, and only those with the same first letter (or the second, for a
        # letter too many at the start): this keeps the lookup fast on a large vocabulary.
        n = len(query)
        low = math.ceil(n * cutoff / (200 - cutoff))
        high = math.floor(n * (200 - cutoff) / cutoff)
        out: list[tuple[str, float]] = []
        for first in dict.fromkeys(query[:2]):
            bucket = self.index.buckets.get((language, first))
            if bucket:
                words, lengths = bucket
                choices = words[bisect_left(lengths, low) : bisect_right(lengths, high)]
                hits = process.extract(query, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=3)
                out.extend((c, float(sc)) for c, sc, _ in hits)
        return out


def dedupe(terms: list[QTerm]) -> list[QTerm]:
    """Each reading once: a repeated word (or two words that mean the same) counts once."""
    seen: set[frozenset[tuple[str, ...]] | str] = set()
    out: list[QTerm] = []
    for t in terms:
        key: frozenset[tuple[str, ...]] | str = frozenset(a.stems for a in t.alts) if t.alts else t.surface
        if key not in seen:
            seen.add(key)
            out.append(t)
    return out


def _cutoff(length: int) -> float | None:
    """Minimum fuzz.ratio for a typo match: none for short words, where one letter changes meaning."""
    if length <= 4:
        return None
    if length <= 6:
        return 85.0  # a letter left out or added; a changed letter changes the word ("nummer", "rummer")
    if length <= 9:
        return 80.0
    return 78.0
