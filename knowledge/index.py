"""The inverted index the matcher scores questions against.

Every entry's example questions, title, keywords, section, answers and quote are normalised
(:mod:`knowledge.normalize`) into stems with a weight per entry: how central the word is to the
entry (title, keywords and words in several of its questions count most; the quote least).
Danish and English text are indexed apart (English stems carry the prefix :data:`EN`), so that
the Danish stemmer's "bring" from "bringer" does not answer "can I bring my dog"; a word found in
both (KOMPUS, MED, TRIO) is *neutral* and counts fully in either language.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from knowledge.model import Entry, KnowledgeBase
from knowledge.normalize import CompoundSplitter, Language, Lexicon, Word, clean, stem, words

logger = logging.getLogger(__name__)

EN = "~"  # prefix of stems that come from English text
FIELD_WEIGHTS = {"question": 1.0, "title": 1.0, "keyword": 1.0, "section": 0.7, "answer": 0.6, "quote": 0.45}
QUESTION_WEIGHTS = (0.7, 0.85, 1.0)  # by the number of the entry's questions a word is in
KEYWORD_PHRASE_WEIGHT = 0.8  # a word of a multi-word keyword ("uden løn")
OTHER_FIELDS_BONUS = 0.15  # a word in several fields is more central than in one
PART_WEIGHT = 0.7  # a compound's parts count less than the compound itself
QUOTE_ONLY = FIELD_WEIGHTS["quote"]  # the weight of a word found only in the quote


@dataclass(slots=True)
class Question:
    """One of an entry's example questions (or its title), prepared for the rerank."""

    stems: tuple[str, ...]  # with the parts of compounds (tuples: many small sets cost memory)
    core: tuple[str, ...]  # the words themselves
    text: str  # the core stems, sorted, for fuzz.token_sort_ratio
    mass: float = 0.0  # information (normalised IDF) of the core stems


@dataclass
class EntryIndex:
    """What the rerank needs of one entry."""

    questions: list[Question] = field(default_factory=list)  # and one-word keywords; the title last
    topics: set[str] = field(default_factory=set)  # stems of the title and one-word keywords
    names: set[str] = field(default_factory=set)  # stems of the section: a theme's name


class Index:
    """Postings, IDF, vocabularies and organisation aliases of one knowledge base."""

    def __init__(self, kb: KnowledgeBase, lexicon: Lexicon) -> None:
        self.kb = kb
        self.entries: tuple[Entry, ...] = kb.entries
        self.lexicon = lexicon
        self._words: dict[str, list[Word]] = {}
        self._vocabulary()
        # stem -> {entry number: how central the stem is to that entry}
        self.postings: dict[str, dict[int, float]] = defaultdict(dict)
        self.entry_index: list[EntryIndex] = [self._index_entry(i, e) for i, e in enumerate(self.entries)]
        self.postings = dict(self.postings)  # built: a lookup that misses must not add a key
        # The postings without entries that have the word only in their quote: candidates are
        # found here, which keeps a large knowledge base fast; scores still count the quotes.
        self.strong: dict[str, dict[int, float]] = {}
        for s, post in self.postings.items():
            strong = {e: w for e, w in post.items() if w > QUOTE_ONLY}
            self.strong[s] = post if len(strong) == len(post) else strong
        self._idf()
        for idx in self.entry_index:
            for q in idx.questions:
                q.mass = sum(self.idf.get(s, 0.0) for s in q.core)
        # Words both languages use (KOMPUS, MED, TRIO): in the English text of several entries.
        self.neutral = frozenset(
            s for s in self.postings if not s.startswith(EN) and len(self.postings.get(EN + s, ())) >= 2
        )
        self._aliases()
        self._words.clear()  # only needed while building
        del self.surface
        logger.debug("Indexed %d entries, %d stems", len(self.entries), len(self.postings))

    # -- texts and stems -------------------------------------------------------------------------

    @staticmethod
    def texts(entry: Entry) -> Iterable[tuple[str, str, Language]]:
        """(field, text, language) of everything an entry says."""
        for q in entry.questions_da:
            yield "question", q, "da"
        for q in entry.questions_en:
            yield "question", q, "en"
        for k in entry.keywords:
            yield "keyword", k, "da"
        yield "title", entry.title, "da"  # after the questions and keywords: the rerank wants it last
        yield "section", entry.section, "da"
        yield "answer", entry.answer.da, "da"
        yield "answer", entry.answer.en, "en"
        yield "quote", entry.quote, "da"

    def words(self, text: str) -> list[Word]:
        """The words of an entry's text; each text is split once while the index is built."""
        found = self._words.get(text)
        if found is None:
            found = self._words[text] = words(clean(text))
        return found

    def content(self, text: str) -> list[Word]:
        return [w for w in self.words(text) if not self.lexicon.is_stop(w)]

    def stems(self, text: str, language: Language) -> dict[str, float]:
        """The stems of a text with their weights (compound parts count less)."""
        out: dict[str, float] = {}
        for w in self.content(text):
            if language == "en":
                out[EN + stem(w.folded)] = 1.0
                continue
            out[stem(w.folded)] = 1.0
            for part in self.splitter.split(w.folded) or ():
                s = stem(part)
                out[s] = max(out.get(s, 0.0), PART_WEIGHT)
        return out

    # -- building --------------------------------------------------------------------------------

    def _vocabulary(self) -> None:
        surface: dict[Language, set[str]] = {"da": set(), "en": set()}
        every: dict[Language, set[str]] = {"da": set(), "en": set()}
        for entry in self.entries:
            for _, text, language in self.texts(entry):
                found = self.words(text)
                every[language].update(w.folded for w in found)
                surface[language].update(w.folded for w in found if not self.lexicon.is_stop(w))
        # Words only one language uses tell the language of a question.
        self.danish_only = frozenset(every["da"] - every["en"])
        self.english_only = frozenset(every["en"] - every["da"])
        known = surface["da"] | {stem(w) for w in surface["da"]}
        splitter = CompoundSplitter(known)
        # The last part of several of the knowledge base's compounds is a word of its own
        # ("tillids|repræsentant", "arbejdsmiljø|repræsentant"); one compound alone proves
        # nothing ("skabe|loner").
        tails = Counter(ps[-1] for w in surface["da"] if (ps := splitter.split(w, relaxed=True)))
        parts = {p for p, n in tails.items() if n >= 2 and len(p) >= 5}
        self.splitter = CompoundSplitter(known | parts | {stem(p) for p in parts})
        self.surface = surface

    def _index_entry(self, i: int, entry: Entry) -> EntryIndex:
        field_weights: dict[str, list[float]] = defaultdict(list)
        question_hits: Counter[str] = Counter()
        question_best: dict[str, float] = {}
        idx = EntryIndex()
        for kind, text, language in self.texts(entry):
            stems = self.stems(text, language)
            single = kind == "keyword" and len(self.words(text)) == 1
            if kind == "question":
                question_hits.update(stems.keys())
                for s, w in stems.items():
                    question_best[s] = max(question_best.get(s, 0.0), w)
            else:
                base = FIELD_WEIGHTS[kind] * (
                    KEYWORD_PHRASE_WEIGHT if kind == "keyword" and not single else 1.0
                )
                for s, w in stems.items():
                    field_weights[s].append(base * w)
            if kind == "title" or single:
                idx.topics.update(stems)
            if kind == "section":  # a theme's own name; titles also name kinds ("Værdi: Mod")
                idx.names.update(stems)
            if kind in ("question", "title") or single:  # a one-word keyword is how people name it
                core = tuple(sorted(s for s, w in stems.items() if w == 1.0))
                every = core if len(core) == len(stems) else tuple(stems)
                idx.questions.append(Question(every, core, " ".join(core)))
        for s, hits in question_hits.items():
            # A word in one of the entry's questions may be incidental; in several, it is the topic.
            field_weights[s].append(QUESTION_WEIGHTS[min(hits, len(QUESTION_WEIGHTS)) - 1] * question_best[s])
        for s, ws in field_weights.items():
            ws.sort(reverse=True)
            # Not capped at 1: among entries that all have the word, the one that has it in
            # more places is the better candidate. Scores cap it (Matcher).
            self.postings[s][i] = ws[0] + OTHER_FIELDS_BONUS * sum(ws[1:])
        return idx

    def weight(self, stem: str, entry: int) -> float:
        """How central ``stem`` is to entry number ``entry``: 0 (not in it) to 1."""
        post = self.postings.get(stem)
        return min(1.0, post.get(entry, 0.0)) if post else 0.0

    def _idf(self) -> None:
        """Normalised IDF (0–1; a word the index lacks has 1) from weighted document frequency."""
        n = max(1, len(self.entries))
        top = math.log(1 + (n + 0.5) / 0.5)
        self.idf: dict[str, float] = {}
        for s, post in self.postings.items():
            df = sum(min(1.0, w) for w in post.values())
            self.idf[s] = math.log(1 + (n - df + 0.5) / (df + 0.5)) / top
        # Fuzzy lookups compare words of about the same length and the same first letter only
        # (typos seldom hit the first letter): the vocabulary in buckets.
        buckets: dict[tuple[Language, str], list[str]] = defaultdict(list)
        for language, found in self.surface.items():
            own = {s.removeprefix(EN) for s in self.postings if s.startswith(EN) == (language == "en")}
            for w in sorted(found | own, key=lambda w: (len(w), w)):
                buckets[language, w[0]].append(w)
        # (language, first letter) -> the words by length, and their lengths for bisecting.
        self.buckets = {key: (words, [len(w) for w in words]) for key, words in buckets.items()}

    def _aliases(self) -> None:
        self.aliases: dict[tuple[str, ...], str] = {}
        for doc in self.kb.documents:
            short = re.sub(r"\s+kommune$", "", doc.organization, flags=re.IGNORECASE)
            for name in {doc.organization, *doc.aliases, short}:
                key = tuple(w.folded for w in words(clean(name)))
                if key:
                    genitive = (*key[:-1], key[-1] + "s")  # "LTKs", "Gentoftes": Danish genitive
                    for variant in (key, genitive, (*key, "kommune"), (*key, "kommunes")):
                        self.aliases.setdefault(variant, doc.organization)
        self.alias_len = max((len(k) for k in self.aliases), default=1)
        self.alias_starts = frozenset(k[0] for k in self.aliases)

    def take_organization(self, text_words: list[Word]) -> tuple[list[Word], str | None]:
        """The words without organisation names, and the first organisation named."""
        rest: list[Word] = []
        found: str | None = None
        i = 0
        while i < len(text_words):
            longest = self.alias_len if text_words[i].folded in self.alias_starts else 0
            for size in range(min(longest, len(text_words) - i), 0, -1):
                key = tuple(w.folded for w in text_words[i : i + size])
                if key in self.aliases:
                    found = found or self.aliases[key]
                    i += size
                    break
            else:
                rest.append(text_words[i])
                i += 1
        return rest, found
