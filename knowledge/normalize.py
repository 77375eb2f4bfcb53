"""Danish-aware text normalisation shared by the index and the questions.

Both sides go through the same steps, so whatever is folded or stemmed is folded and stemmed the
same way everywhere:

1. :func:`clean`: NFKC, no control characters or lone surrogates.
2. :func:`words`: word tokens with two flags the stop-word filter needs (acronym, hyphen prefix).
3. :func:`fold`: lower case, æ/ø/å and their ASCII spellings ae/oe/aa folded to a/o/a, so
   "sygefravær", "sygefravaer" and "sygefravar" become one word.
4. :func:`stem`: Snowball Danish on the folded word (twice: one pass strips one ending).
5. :class:`Lexicon`: the glossary compiled: stop words, English→Danish words and phrases,
   Danish synonyms (one way, as the glossary documents them), sensitive topics; it turns a text
   into :class:`Term` s.
6. :class:`CompoundSplitter`: splits compounds against the vocabulary of the knowledge base
   (arbejdsmiljørepræsentant → arbejdsmiljø + repræsentant, with the linking -s-/-e-).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, Protocol

import snowballstemmer

from knowledge.model import Glossary

Language = Literal["da", "en"]

_WORD_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)?(-(?=[^\W\d_]))?")
_FOLD_TABLE = str.maketrans({"æ": "a", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u"})
_ASCII_FOLDS = (("aa", "a"), ("ae", "a"), ("oe", "o"))
_DANISH_LETTERS = re.compile(r"[æøåÆØÅ]")
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\ud800-\udfff]")
_GARBAGE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\ud800-\udfff\ue000-\uf8ff]")
_SPACE = re.compile(r"\s")
_stemmers = threading.local()  # a stemmer keeps state while it works: one per thread (reloads
# build the index in a worker thread while questions are answered)

MAX_WORD = 40  # longer "words" are garbage: cut, so that nothing downstream is slow on them
SYNONYM_WEIGHT = 0.85
TRANSLATION_WEIGHT = 0.95


def clean(text: str) -> str:
    """NFKC-normalised text without control characters, replacement marks or lone surrogates."""
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    text = unicodedata.normalize("NFKC", text)
    return " ".join(_BAD_CHARS.sub(" ", text).split())


def garbage_ratio(text: str, sample: int = 4000) -> float:
    """How much of ``text`` (ignoring spaces) is control characters or undecodable bytes.

    Judged on the first ``sample`` characters: enough to tell a question from binary.
    """
    text = text[:sample].encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    chars = len(text) - len(_SPACE.findall(text))
    return len(_GARBAGE.findall(text)) / chars if chars else 0.0


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Lower case with æ/ø/å and the ASCII spellings ae/oe/aa folded to one form."""
    word = word.lower().translate(_FOLD_TABLE)
    for pair, single in _ASCII_FOLDS:
        word = word.replace(pair, single)
    return word


def _stemmer(language: str) -> Any:
    found = getattr(_stemmers, language, None)
    if found is None:
        found = snowballstemmer.stemmer(language)
        setattr(_stemmers, language, found)
    return found


@lru_cache(maxsize=65536)
def stem(folded: str) -> str:
    """Snowball Danish stem of a folded word; numbers stay as they are."""
    if folded.isdigit():
        return folded
    # Twice: Snowball strips one ending per pass, so "arbejdspladsen" would stop at
    # "arbejdsplads" while "arbejdsplads" becomes "arbejdsplad"; "budgettet" and "budget" meet too.
    danish = _stemmer("danish")
    return str(danish.stemWord(danish.stemWord(folded)))


@lru_cache(maxsize=65536)
def stem_en(folded: str) -> str:
    """English Snowball stem: used to look English words up in the glossary."""
    return str(_stemmer("english").stemWord(folded))


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a text: ``folded`` form, and whether it must not be taken for a stop word."""

    folded: str
    keep: bool  # an acronym ("MED") or the first half of a hyphen compound ("MED-udvalget")
    danish: bool  # written with æ, ø or å


def words(text: str) -> list[Word]:
    """The words of a cleaned text, folded."""
    out: list[Word] = []
    for m in _WORD_RE.finditer(text):
        raw, hyphen = m.group(0, 1)
        if hyphen:
            raw = raw[:-1]
        if "'" in raw:
            raw = raw.split("'")[0]  # "Gentofte's" -> "Gentofte"
        if len(raw) < 2 and not raw.isdigit():
            continue
        raw = raw[:MAX_WORD]
        keep = hyphen is not None or (len(raw) >= 2 and raw.isupper())  # "MED-udvalget", "MED"
        danish = not raw.isascii() and _DANISH_LETTERS.search(raw) is not None
        out.append(_word(fold(raw), keep, danish))
    return out


@lru_cache(maxsize=65536)
def _word(folded: str, keep: bool, danish: bool) -> Word:
    # Words repeat: one shared object each keeps large texts small in memory.
    return Word(folded, keep, danish)


@dataclass(frozen=True, slots=True)
class Alt:
    """One reading of a term: all ``stems`` must occur; ``weight`` ≤ 1 says how direct it is."""

    stems: tuple[str, ...]
    weight: float


@dataclass(frozen=True, slots=True)
class Term:
    """A content word or glossary phrase of a text, with the stems it may be matched by."""

    surface: str
    alts: tuple[Alt, ...]  # the words themselves (weight 1) and their glossary readings
    stem: str  # the own stem of a single word ("" for a phrase)
    own: tuple[str, ...] = ()  # the stems of the words themselves


_Table = dict[tuple[str, ...], tuple[Alt, ...]]  # glossary phrase (stems) -> its readings


class HasAlts(Protocol):
    @property
    def alts(self) -> tuple[Alt, ...]: ...


class Lexicon:
    """The glossary compiled for matching: stop words, translations, synonyms, sensitive topics."""

    def __init__(self, glossary: Glossary, keep: Iterable[str] = ()) -> None:
        self.keep = frozenset(fold(k) for k in keep)
        self.stop_da = frozenset(fold(w) for w in glossary.stopwords_da) - self.keep
        self.stop_en = frozenset(fold(w) for w in glossary.stopwords_en) - self.keep
        self.english: _Table = {}
        self.synonyms: _Table = {}
        for key, targets in glossary.english.items():
            key_stems = tuple(stem_en(w.folded) for w in words(clean(key)))
            self._add(self.english, key_stems, targets, TRANSLATION_WEIGHT)
        for key, targets in glossary.synonyms.items():
            # One way, as the glossary documents it: the key also matches its targets.
            self._add(self.synonyms, self._key(key), targets, SYNONYM_WEIGHT)
        self.max_phrase = max((len(k) for k in (*self.english, *self.synonyms)), default=1)
        self._starts = frozenset(k[0] for k in (*self.english, *self.synonyms) if len(k) > 1)
        self.english_words = frozenset(s for k in self.english for s in k)
        self.sensitive: dict[str, str] = {}  # stem -> topic
        for topic in sorted(glossary.sensitive):  # sorted: the same topic names in every process
            for alt in self.expand(topic):
                if len(alt.stems) == 1:
                    self.sensitive.setdefault(alt.stems[0], topic)

    @staticmethod
    def _key(phrase: str) -> tuple[str, ...]:
        """A Danish phrase as looked up in a question: every word's stem, stop words included."""
        return tuple(stem(w.folded) for w in words(clean(phrase)))

    def _stems_of(self, phrase: str) -> tuple[str, ...]:
        """Stems of a glossary phrase, without its stop words."""
        return tuple(stem(w.folded) for w in words(clean(phrase)) if not self.is_stop(w))

    def _add(self, table: _Table, key: tuple[str, ...], targets: Iterable[str], weight: float) -> None:
        if not key:
            return
        alts = [Alt(s, weight) for t in targets if (s := self._stems_of(t))]
        merged = {a.stems: a for a in (*table.get(key, ()), *alts)}
        table[key] = tuple(merged.values())

    def expand(self, phrase: str) -> tuple[Alt, ...]:
        """The readings of a single word or phrase (itself, its synonyms and translations)."""
        terms = self.terms(words(clean(phrase)))
        if len(terms) == 1:
            return terms[0].alts
        return (Alt(tuple(t.stem for t in terms if t.stem), 1.0),)

    def is_stop(self, word: Word) -> bool:
        return not word.keep and (word.folded in self.stop_da or word.folded in self.stop_en)

    def _is_english_stop(self, word: Word) -> bool:
        return not word.keep and word.folded in self.stop_en

    def terms(self, text_words: list[Word], language: Language = "da") -> list[Term]:
        """Content terms of a text: glossary phrases first (longest match), then single words.

        In an English question a single Danish function word is taken for English ("can I bring
        my dog"); two or more mean the question quotes Danish ("what does vi er én kommune mean").
        """
        danish = [w for w in text_words if w.folded in self.stop_da and w.folded not in self.stop_en]
        stop = self.is_stop if language == "da" or len(danish) >= 2 else self._is_english_stop
        out: list[Term] = []
        i = 0
        while i < len(text_words):
            size, alts = self._phrase_at(text_words, i)
            chunk = text_words[i : i + size]
            i += size
            if size == 1 and stop(chunk[0]):
                continue
            own = tuple(stem(w.folded) for w in chunk if size == 1 or not stop(w))
            # The words themselves first, then their synonyms and translations; each reading once.
            merged = {a.stems: a for a in reversed((Alt(own, 1.0), *alts)) if a.stems}
            readings = tuple(sorted(merged.values(), key=lambda a: -a.weight))
            out.append(Term(" ".join(w.folded for w in chunk), readings, own[0] if size == 1 else "", own))
        return out

    def _phrase_at(self, text_words: list[Word], i: int) -> tuple[int, tuple[Alt, ...]]:
        """The longest glossary phrase starting at ``i``: its length and readings (or 1, ())."""
        first = text_words[i].folded
        longest = self.max_phrase if (stem_en(first) in self._starts or stem(first) in self._starts) else 1
        for size in range(min(longest, len(text_words) - i), 0, -1):
            chunk = text_words[i : i + size]
            found: list[Alt] = []
            found += self.english.get(tuple(stem_en(w.folded) for w in chunk), ())
            found += self.synonyms.get(tuple(stem(w.folded) for w in chunk), ())
            if found:
                return size, tuple(found)
        return 1, ()

    def language(
        self, text_words: list[Word], danish_only: Iterable[str] = (), english_only: Iterable[str] = ()
    ) -> Language:
        """English when the words look English (stop words, glossary words), else Danish."""
        da_only, en_only = frozenset(danish_only), frozenset(english_only)
        da = en = 0.0
        for w in text_words:
            if w.danish:
                da += 2
            da += (w.folded in self.stop_da) + 0.5 * (w.folded in da_only)
            en += (w.folded in self.stop_en) + 0.5 * (w.folded in en_only)
            en += 0.5 * (stem_en(w.folded) in self.english_words)
        return "en" if en > da else "da"

    def sensitive_topics(self, terms: Iterable[Term | HasAlts]) -> list[str]:
        """The sensitive topics (glossary ``sensitive.topics``) a text touches."""
        found: dict[str, None] = {}
        for term in terms:
            for alt in term.alts:
                for s in alt.stems:
                    if s in self.sensitive:
                        found[self.sensitive[s]] = None
        return list(found)


class CompoundSplitter:
    """Splits Danish compounds into words the knowledge base knows.

    ``known`` is the vocabulary (folded words and their stems). A split needs a known first part
    (the linking -s- or -e- may follow it) and a rest that is known or splits again. With
    ``relaxed``, a long known first part may be followed by an unknown rest of four letters or
    more: that is how "sygefraværsstatistik" still yields "sygefravær".
    """

    MIN_PART = 4
    MIN_WORD = 8

    def __init__(self, known: Iterable[str]) -> None:
        self.known = frozenset(w for w in known if len(w) >= self.MIN_PART)
        self._cache: dict[tuple[str, bool], tuple[str, ...] | None] = {}

    def split(self, word: str, *, relaxed: bool = False) -> tuple[str, ...] | None:
        """The parts of ``word`` (folded), or None when it is no compound of known words."""
        key = (word, relaxed)
        if key not in self._cache:
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[key] = self._split(word, relaxed)
        return self._cache[key]

    def _split(self, word: str, relaxed: bool) -> tuple[str, ...] | None:
        if len(word) < self.MIN_WORD:
            return None
        best: tuple[str, ...] | None = None
        # The longest known first part first: "sygefraværs|statistik" before "syge|fraværs…".
        for i in range(len(word) - self.MIN_PART, self.MIN_PART - 1, -1):
            left = self._known_left(word[:i])
            if left is None:
                continue
            right = word[i:]
            if right in self.known or stem(right) in self.known:  # "repræsentanter"
                return (left, right)
            rest = self.split(right)
            if rest and (best is None or len(rest) + 1 < len(best)):
                best = (left, *rest)
        if best is None and relaxed:
            for i in range(len(word) - self.MIN_PART, self.MIN_PART - 1, -1):
                left = self._known_left(word[:i])
                if left is not None and len(left) >= 5:
                    return (left, word[i:])
        return best

    def _known_left(self, left: str) -> str | None:
        if left in self.known:
            return left
        if left[-1] in "se" and len(left) > self.MIN_PART:  # the linking -s- or -e-
            bare = left[:-1]
            if bare in self.known:
                return bare
        return None


# The most frequent function words of each language: enough to tell Danish from English when no
# glossary is at hand (error messages, commands). Questions are told apart with the glossary.
_DANISH_HINTS = frozenset(
    " ".join((
        "og i jeg det at en til er som på de med han af for ikke der var mig sig men et har om vi",
        "min hvad hvem hvor hvordan hvornår hvorfor kan skal må vil du din mit dig",
    )).split()
)  # fmt: skip
_ENGLISH_HINTS = frozenset(
    " ".join((
        "the a an and of to in is are was it i you my me we our what who where when why how can",
        "do does should would will with for about on this that there",
    )).split()
)  # fmt: skip


def detect_language(text: str, lexicon: Lexicon | None = None) -> Language:
    """ "en" when ``text`` reads as English, else "da" (the bot's first language)."""
    text_words = words(clean(text[:2000]))
    if lexicon is not None:
        return lexicon.language(text_words)
    da = sum(2 if w.danish else (w.folded in _DANISH_HINTS) for w in text_words)
    en = sum(1 for w in text_words if w.folded in _ENGLISH_HINTS and w.folded not in _DANISH_HINTS)
    return "en" if en > da else "da"
