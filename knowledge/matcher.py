"""Find the knowledge entry that answers a question, with a calibrated confidence (0–100).

How a question is scored (the index it is scored against: :mod:`knowledge.index`):

1. It is normalised like the index (:mod:`knowledge.normalize`): folded, glossary phrases and
   synonyms, stop words out, stemmed. Organisation names ("i Gentofte", "LTK") are remembered
   (and stay words of the question). Each *term* is looked up in its language's part of the index; a word the
   index does not know is split as a compound, stripped of an inflection, or corrected with
   rapidfuzz (``fuzz.ratio`` against words of about its length, with a cutoff that is strict for
   short words). A word that stays unknown keeps the highest importance: it pulls the confidence
   down, which is what declines out-of-scope questions ("hvad er klokken").
2. *Coverage*: how much of the question's information (terms weighted by IDF) an entry explains,
   weighted by how central each word is to the entry.
3. On the best candidates only: *similarity* to the entry's own example questions (IDF-weighted
   Dice overlap plus ``fuzz.token_sort_ratio`` of the stemmed forms; ``WRatio``, ``partial_ratio``
   and ``token_set_ratio`` are not used: they give high scores to unrelated long texts or to any
   subset), and how much of the entry's *title* the question names.
4. *Specificity*: common words alone ("leder", "arbejde") carry little information, so the
   confidence is scaled down until the matched information reaches a floor.
"""

from __future__ import annotations

import heapq
import logging
import math
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from operator import itemgetter

from rapidfuzz import fuzz

from knowledge.decision import DecisionModel, Signals, load_model
from knowledge.index import Index
from knowledge.model import THEME_KINDS, Entry, KnowledgeBase
from knowledge.normalize import Language, Lexicon, Word, clean, stem, words
from knowledge.resolve import QTerm, Resolver, dedupe

logger = logging.getLogger(__name__)

# Whether to answer is the decision model's (knowledge/decision.py); the ranking score only
# orders the entries and says which of them are worth offering under "did you mean".
SUGGEST_THRESHOLD = 25.0  # a ranking score below this is too far off to suggest

# How much of a message is analysed: chatty messages are fine, pasted documents are cut.
MAX_CHARS = 4000  # the head and the tail of longer messages
MAX_SENTENCES = 12
MAX_WORDS = 200  # the last words: a chatty message asks at its end
MAX_TERMS = 40  # content terms (the first and the last of longer messages)
ASKED_MIN_INFO = 0.5  # an asking sentence with this much known information (IDF) carries the question ...
BACKGROUND = 0.4  # ... and the other sentences' words count this much

# Scoring (calibrated on the project's question sets; see the module docstring).
GENERATOR_IDF = 0.25  # terms at least this informative find the candidates
GENERATORS = 5  # ... the most informative of them
COMMON_SHARE, COMMON_MIN = 0.05, 250  # a reading in more entries than this finds no candidates
CANDIDATES = 20  # entries whose coverage is computed
RERANK = 8  # ... of which the best are compared with their example questions
RERANK_SHARE = 0.6  # ... if their coverage is at least this share of the best one's
COMMON_IDF = 0.15  # normalised IDF a word needs before it says anything specific
SPECIFICITY_FLOOR = 0.35  # specific information matched (sum of IDF above COMMON_IDF) for full confidence
COVERAGE_FULL = 0.7  # below this coverage, unexplained words scale the confidence down
COVERAGE_SHARE, SIMILARITY_SHARE, TITLE_SHARE = 0.45, 0.4, 0.15
CONTACTS_BOOST = 1.2  # on a sensitive question, the entries naming whom to contact
OFF_TOPIC_FACTOR = 0.6  # a one-word question answered by an entry that only mentions the word
ORG_WORDS = 0.3  # the organisation's name as words of the question
ORG_INFORMATION = 0.2  # naming the organisation narrows the question down by itself
OTHER_ORG_FACTOR = 0.4  # the question names an organisation: other organisations' entries
THEME_PRIOR = 1.1  # a theme, value or focus area asked for by its name
SMALL_TALK_CHARS = 60  # longer messages are not small talk
ROLE_MATCH, ROLE_OTHER = 1.25, 0.6  # "som leder …": the leaders' duties before the employees'
ROLE_THEME = 0.85  # ... and before the theme's general description under the same heading
OWN_ROLE_PREFIXES = ("som ", "jeg ", "vi ", "as ", "i'm ", "i am ", "we ")  # "som leder", "I am a manager"

NOT_ANSWERED_EXTRA = 1  # content words a question may add to a not-answered phrasing and still be it
NOT_ANSWERED_SIMILAR = 90  # ... or how alike (fuzz.ratio of the sorted stems) for typos
AMBIGUITY_GAP = 3.0  # points within which entries of two documents are a tie

_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True, slots=True)
class Match:
    """An entry and how confident the matcher is that it answers the question."""

    entry: Entry
    score: float
    coverage: float = 0.0
    similarity: float = 0.0
    title: float = 0.0  # share of the entry's title the question names
    specificity: float = 0.0  # specific information matched, relative to SPECIFICITY_FLOOR


@dataclass(frozen=True, slots=True)
class Candidate:
    """A match as the decision model sees it, for ``ask --why``."""

    match: Match
    signals: Signals
    probability: float


@dataclass(frozen=True)
class Result:
    """What the matcher found for one question, and whether it is confident enough to answer."""

    matches: tuple[Match, ...]  # best first
    language: Language
    organization: str | None  # whose documents answered: named in the question, or the asker's
    sensitive: tuple[str, ...]  # sensitive topics the question touches
    terms: tuple[str, ...] = ()  # the analysed terms, for debugging and statistics
    unknown: tuple[str, ...] = ()  # words the knowledge base does not know
    signals: Signals | None = None  # of the best match: what the decision model weighs
    confidence: float = 0.0  # the model's probability that the best match answers the question
    confident: bool = False  # at or above the model's answer threshold, and not a tie
    suggest: bool = False  # at or above the model's suggestion threshold
    asker: str | None = None  # the organisation of the employee who asks, when known
    # With match(explain=True): every match with its signals and the model's probability for it,
    # and the documents that do not answer the question (HR marked it not_answered there).
    candidates: tuple[Candidate, ...] = ()
    declined_by: tuple[tuple[str, str], ...] = ()

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None

    @property
    def answered(self) -> bool:
        return self.confident and self.best is not None

    def suggestions(self, limit: int = 3) -> tuple[Match, ...]:
        """ "Did you mean" candidates: the best matches, when the best one is close."""
        if not self.suggest:
            return ()
        return tuple(m for m in self.matches if m.score >= SUGGEST_THRESHOLD)[:limit]


class Matcher:
    """Answers questions from one :class:`KnowledgeBase`; immutable once built, safe to share."""

    def __init__(self, kb: KnowledgeBase, model: DecisionModel | None = None) -> None:
        self.kb = kb
        self.entries: tuple[Entry, ...] = kb.entries
        self._position = {e.id: i for i, e in enumerate(self.entries)}
        # One-word keywords are never stop words ("mod" is Albertslund's value "Mod").
        keep = {
            k for e in self.entries for k in e.keywords if " " not in k and len(k) >= 3 and not k.isupper()
        }
        self.lexicon = Lexicon(kb.glossary, keep)
        self.index = Index(kb, self.lexicon)
        self.resolver = Resolver(self.index)
        self.model = model or load_model()
        self.small = {kind: _PhraseSet(phrases) for kind, phrases in kb.glossary.small_talk.items()}
        self.facts = _PhraseSet(kb.glossary.facts)
        self.roles = {role: _PhraseSet(phrases) for role, phrases in kb.glossary.roles.items()}
        # The phrases by which the asker says the role is their own ("som leder", "I'm a manager").
        self.own_roles = {
            role: _PhraseSet([p for p in phrases if p.casefold().startswith(OWN_ROLE_PREFIXES)])
            for role, phrases in kb.glossary.roles.items()
        }
        # (organisation, document) -> the stems of each phrasing HR marked as not answered there
        self.not_answered = {
            (d.organization, d.title): [self._content_stems(words(clean(p))) for p in d.not_answered]
            for d in kb.documents
            if d.not_answered
        }

    # -- organisations and contacts --------------------------------------------------------------

    def resolve_organization(self, name: str) -> str | None:
        """The organisation an ``--org`` value names (name or alias, any case, with or without æøå)."""
        key = tuple(w.folded for w in words(clean(name)))
        if not key:
            return None
        if key in self.index.aliases:
            return self.index.aliases[key]
        wanted = " ".join(key)
        for org in self.kb.organizations():
            if wanted in " ".join(w.folded for w in words(clean(org))):
                return org
        return None

    def contacts_for(self, result: Result, organization: str | None = None) -> Entry | None:
        """The ``contacts: true`` entry that best fits a sensitive question.

        Prefers ``organization``'s entries and shared documents' (any organisation's when it has
        none, unless the asker is known) and, among them, the entry that speaks most of the
        question's sensitive topics.
        """
        contacts = [i for i, e in enumerate(self.entries) if e.contacts]
        own = [i for i in contacts if self.entries[i].organization == organization or self.entries[i].shared]
        # An asker's question is never answered with another organisation's policy as theirs.
        pool = own if result.asker is not None else own or contacts
        if not pool:
            return None
        topics = sorted(self._topic_stems(result.sensitive))  # sorted: the same sum in every process
        # Ties go to the entry first in the files, whatever the hash seed.
        best = max(pool, key=lambda i: (round(sum(self.index.weight(s, i) for s in topics), 9), -i))
        return self.entries[best]

    def _topic_stems(self, topics: Sequence[str]) -> set[str]:
        return {s for topic in topics for a in self.lexicon.expand(topic) for s in a.stems}

    # -- matching --------------------------------------------------------------------------------

    def match(
        self,
        text: str,
        organization: str | None = None,
        limit: int = 5,
        *,
        within: str | None = None,
        explain: bool = False,
    ) -> Result:
        """Score ``text`` against every entry.

        ``organization`` is the asker's: then only its documents and the shared ones answer,
        unless the question names another organisation, whose documents answer instead
        ("hvad siger Gentoftes ledelsesgrundlag om …"). Without it, every organisation's do, and
        one the question names comes first. ``within`` keeps to one organisation's documents
        (and the shared ones) whatever the question names: a follow-up's "og i Gentofte?" asks
        the previous answer's question, which may name its own organisation. ``explain`` fills
        in the result's ``candidates`` and ``declined_by`` (``ask --why``).
        """
        all_words, language, named, qterms, asked = self._analyse(text)
        folded = [w.folded for w in all_words]
        role = self._role(folded)
        fact = self.facts.found_in(folded)
        scope = within or ((named or organization) if organization else None)
        matches = self._score(qterms, scope, named, role)
        if self.not_answered:
            matches = self._drop_not_answered(matches, all_words)
        sensitive = tuple(self.lexicon.sensitive_topics(qterms))
        if sensitive:
            matches = self._prefer_contacts(matches, sensitive)
        result = Result(
            declined_by=tuple(self.declined_by(all_words)) if explain and self.not_answered else (),
            matches=tuple(matches[:limit]),
            language=language,
            organization=scope or named,
            sensitive=sensitive,
            terms=tuple(t.surface for t in qterms),
            unknown=tuple(t.surface for t in qterms if not t.alts),
            asker=organization or within,
        )
        decided = self._decide(result, qterms, asked or qterms, fact)
        if not explain:
            return decided
        candidates = []
        for m in decided.matches:
            signals = self._signals(decided, m, qterms, asked or qterms, fact)
            candidates.append(Candidate(m, signals, self.model.probability(signals)))
        return replace(decided, candidates=tuple(candidates))

    def _content_stems(self, found: list[Word]) -> frozenset[str]:
        return frozenset(stem(w.folded) for w in found if not self.lexicon.is_stop(w))

    def declined_by(self, found: list[Word]) -> list[tuple[str, str]]:
        """The documents (organisation, title) that do not answer this question: it reads as one
        of their ``not_answered`` phrasings (the same content words, one more at most, or a typo)."""
        asked = self._content_stems(found)
        text = " ".join(sorted(asked))
        return [
            document
            for document, phrasings in self.not_answered.items()
            if any(_close(asked, text, p) for p in phrasings)
        ]

    def _drop_not_answered(self, matches: list[Match], found: list[Word]) -> list[Match]:
        declined = self.declined_by(found)
        if not declined:
            return matches
        return [m for m in matches if (m.entry.organization, m.entry.document) not in declined]

    def terms(self, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The terms ``text`` is analysed into and those the knowledge does not know: what
        :meth:`match` reports as ``terms`` and ``unknown``, without scoring the entries."""
        qterms = self._analyse(text)[3]
        return tuple(t.surface for t in qterms), tuple(t.surface for t in qterms if not t.alts)

    def _analyse(self, text: str) -> tuple[list[Word], Language, str | None, list[QTerm], list[QTerm]]:
        """The words of ``text``, its language, the organisation it names, its terms (weighed) and
        those of its asking sentence."""
        sentences, asks = _sentences(text)
        all_words = [w for s in sentences for w in s]
        language = self.lexicon.language(all_words, self.index.danish_only, self.index.english_only)
        named: str | None = None
        parts: list[list[QTerm]] = []
        for sentence in sentences:
            terms, found = self._sentence_terms(sentence, language)
            named = named or found
            parts.append(terms)
        centre = max((i for i, a in enumerate(asks) if a), default=len(parts) - 1)
        asked = dedupe(parts[centre]) if parts else []
        return all_words, language, named, _weighed(parts, asked), asked

    def _sentence_terms(self, sentence: list[Word], language: Language) -> tuple[list[QTerm], str | None]:
        """A sentence's terms, and the organisation it names. The name is remembered and weighs
        little as words of the question: a theme may carry it ("Vi er fælles om Allerød"), but
        "Lyngby-Taarbæk Kommune" is no question about "Vi er én kommune"."""
        content, found = self.index.take_organization(sentence)
        terms = self.resolver.resolve(self.lexicon.terms(content, language), language)
        if found:
            kept = {id(w) for w in content}
            name = [w for w in sentence if id(w) not in kept]
            terms += [
                replace(t, importance=t.importance * ORG_WORDS)
                for t in self.resolver.resolve(self.lexicon.terms(name, language), language)
            ]
        return terms, found

    def _decide(self, result: Result, qterms: list[QTerm], asked: list[QTerm], fact: bool) -> Result:
        """The decision model's verdict on the best match."""
        best = result.best
        if best is None:
            return result
        signals = self._signals(result, best, qterms, asked, fact)
        confidence = self.model.probability(signals)
        # Whom to tell about bullying or threats is the same advice in every municipality's
        # policy: a tie between municipalities does not hold that answer back.
        tie = not signals.contacts and _tie(list(result.matches))
        return replace(
            result,
            signals=signals,
            confidence=confidence,
            confident=confidence >= self.model.answer and not tie,
            suggest=confidence >= self.model.suggest or tie,
        )

    def _signals(
        self, result: Result, best: Match, qterms: list[QTerm], asked: list[QTerm], fact: bool
    ) -> Signals:
        """What the decision model weighs about ``best`` as the answer to the question."""
        e = self._position[best.entry.id]
        # The runner-up that would be another answer: an entry of the same organisation under
        # another heading, not one the best names as related (or names it), and not a second
        # entry naming whom to contact. (Another municipality's passage on the same topic is no
        # doubt about the topic; it is the tie rule's business, and the signal keeps its meaning
        # as municipalities are added.)
        runner_up = next(
            (m.score for m in result.matches if m is not best and _another_answer(best.entry, m.entry)), 0.0
        )
        total = sum(t.importance for t in qterms) or 1.0
        asked_total = sum(t.importance for t in asked) or 1.0
        return Signals(
            score=min(1.2, best.score / 100),
            coverage=best.coverage,
            similarity=best.similarity,
            title=best.title,
            specificity=best.specificity,
            margin=(best.score - runner_up) / 100,
            unknown=sum(t.importance for t in qterms if not t.alts) / total,
            asked=sum(t.importance * _value(t, e, self.index.postings) for t in asked if t.alts)
            / asked_total,
            terms=math.log1p(len(qterms)) / math.log1p(MAX_TERMS),
            single=1.0 if len(qterms) == 1 else 0.0,
            contacts=1.0 if result.sensitive and best.entry.contacts else 0.0,
            fact=1.0 if fact else 0.0,
            consensus=_consensus(best, result.matches),
        )

    def small_talk(self, text: str) -> tuple[str, Language] | None:
        """ "greeting" or "thanks", and its language, when the whole message is one of the
        glossary's small-talk phrases (a greeting with a question in it is a question)."""
        if len(text) > SMALL_TALK_CHARS:
            return None
        found = words(clean(text))
        key = tuple(w.folded for w in found)
        kind = next((k for k, phrases in self.small.items() if key in phrases.phrases), None)
        if kind is None:
            return None
        return kind, self.lexicon.language(found, self.index.danish_only, self.index.english_only)

    def _role(self, folded: list[str]) -> str | None:
        """The role a question names ("som leder", "as an employee"), when it names one only; when
        it names both, the one the asker says is theirs ("jeg er leder …, medarbejdernes faglighed")."""
        named = [role for role, phrases in self.roles.items() if phrases.found_in(folded)]
        if len(named) > 1:
            named = [role for role in named if self.own_roles[role].found_in(folded)]
        return named[0] if len(named) == 1 else None

    def _prefer_contacts(self, matches: list[Match], topics: tuple[str, ...]) -> list[Match]:
        """Someone who reports bullying or violence needs to know whom to tell first: entries that
        name the contacts for the topic rank higher on a sensitive question."""
        stems = self._topic_stems(topics)
        position = self._position
        boosted = [
            replace(m, score=round(min(100.0, m.score * CONTACTS_BOOST), 1))
            if m.entry.contacts and any(self.index.weight(s, position[m.entry.id]) for s in stems)
            else m
            for m in matches
        ]
        return sorted(boosted, key=lambda m: -m.score)

    # -- scoring ---------------------------------------------------------------------------------

    def _score(
        self,
        qterms: list[QTerm],
        organization: str | None,
        named: str | None,
        role: str | None = None,
    ) -> list[Match]:
        if not qterms:
            return []
        org = organization or named
        entries = self.entries
        if organization is not None:
            partial = self._candidates(
                qterms, lambda e: entries[e].organization == organization or entries[e].shared
            )
        else:
            partial = self._candidates(qterms)
            if named is not None:
                partial = {e: v * (1.0 if entries[e].organization == named else OTHER_ORG_FACTOR)
                           for e, v in partial.items()}  # fmt: skip
        # sorted() with itemgetter runs in C: faster than heapq on thousands of candidates.
        top = sorted(partial.items(), key=itemgetter(1), reverse=True)[:CANDIDATES]
        total = sum(t.importance for t in qterms)
        known = [t for t in qterms if t.alts]  # unknown words explain nothing in any entry
        scored: list[tuple[float, float, float, int, float, float]] = []
        for e, strength in top:
            matched = specific = naming = 0.0
            topics = self.index.entry_index[e].topics
            for t in known:
                v = _value(t, e, self.index.postings)
                if v:
                    matched += t.importance * v
                    specific += max(0.0, t.importance - COMMON_IDF) * v
                    naming += t.importance * _reading_in(t, topics)
            coverage = matched / total
            entry = self.entries[e]
            factor = OTHER_ORG_FACTOR if org and entry.organization != org and not entry.shared else 1.0
            # Ties on coverage go to entries whose title or keywords name the question's words,
            # then to those that have them in more places.
            scored.append((coverage * factor, naming, strength, -e, coverage, specific))
        query = _Query(qterms, org, role)
        ranked = heapq.nlargest(RERANK, scored)
        # Candidates far behind the best on coverage cannot win the rerank: skip them.
        ranked = [r for r in ranked if r[0] >= RERANK_SHARE * ranked[0][0]]
        matches = [self._rerank(query, -e, cov, spec) for *_, e, cov, spec in ranked]
        return sorted(matches, key=lambda m: -m.score)

    def _candidates(
        self, qterms: list[QTerm], allowed: Callable[[int], bool] | None = None
    ) -> dict[int, float]:
        """Entries that contain the question's informative words, with a first partial score;
        only ``allowed`` ones (the asker's documents) when given."""
        known = sorted((t for t in qterms if t.alts), key=lambda t: -t.importance)
        # The rarest words find the candidates; common ones only count towards their scores.
        generators = [t for t in known if t.importance >= GENERATOR_IDF][:GENERATORS] or known[:1]
        # Where the words are only in quotes, the whole postings; within the asker's documents,
        # where the rarest words may all be another organisation's, every known word.
        for source, terms in (
            (self.index.strong, generators),
            (self.index.postings, generators),
            (self.index.postings, known),
        ):
            partial: dict[int, float] = defaultdict(float)
            for t in terms:
                for e, v in self._term_hits(t, source).items():
                    if allowed is None or allowed(e):
                        partial[e] += t.importance * v
            if partial:
                return partial
        return {}

    def _term_hits(self, t: QTerm, source: dict[str, dict[int, float]]) -> dict[int, float]:
        """Entries of ``source`` (postings) that have a reading of ``t``, with how well.

        Readings that most entries have ("med" for "works council") find no useful candidates
        and cost the most on a large knowledge base: they are left to the scores.
        """
        hits: dict[int, float] = {}
        postings, common = self.index.postings, max(COMMON_MIN, COMMON_SHARE * len(self.entries))
        readings = []
        for alt in t.alts:
            # Every word of the reading: walk the rarest word's postings, look the others up.
            rarest, *rest = sorted(alt.stems, key=lambda s: len(source.get(s, ())))
            readings.append((len(source.get(rarest, ())), alt, rarest, rest))
        useful = [r for r in readings if r[0] <= common] or [min(readings, key=lambda r: r[0])]
        for _, alt, rarest, rest in useful:
            post = source.get(rarest, {})
            if rest:
                others = [postings.get(s, {}) for s in rest]
                post = {e: min(w, *(o.get(e, 0.0) for o in others)) for e, w in post.items()}
            if not hits and alt.weight == 1.0:
                hits = dict(post)
                continue
            for e, w in post.items():
                value = alt.weight * w
                if value > hits.get(e, 0.0):
                    hits[e] = value
        return hits

    def _rerank(self, query: _Query, e: int, coverage: float, specific: float) -> Match:
        idx, entry = self.index.entry_index[e], self.entries[e]
        best_sim = 0.0
        for q in idx.questions:
            if query.stems.isdisjoint(q.stems):  # most example questions share no word: no hit
                continue
            hit = query.hit(q.stems)
            dice = min(1.0, 2 * hit / (query.total + q.mass)) if query.total + q.mass else 0.0
            if dice:
                best_sim = max(best_sim, 0.75 * dice + 0.25 * fuzz.token_sort_ratio(query.text, q.text) / 100)
        title = idx.questions[-1]
        # How much of the entry's name the question contains ("Medarbejderens ansvar").
        named = sum(self.index.idf.get(s, 0.0) for s in title.core if s in query.stems)
        title_cover = named / title.mass if title.mass else 0.0
        if query.organization and entry.organization == query.organization:
            specific += ORG_INFORMATION
        specificity = min(1.0, specific / SPECIFICITY_FLOOR)
        explained = min(1.0, coverage / COVERAGE_FULL) ** 0.5
        blend = COVERAGE_SHARE * coverage + SIMILARITY_SHARE * best_sim + TITLE_SHARE * title_cover
        score = 100 * blend * specificity * explained
        if query.organization and entry.organization != query.organization and not entry.shared:
            score *= OTHER_ORG_FACTOR
        if query.role and entry.role:
            score *= ROLE_MATCH if entry.role == query.role else ROLE_OTHER
        elif query.role and entry.kind in THEME_KINDS:
            score *= ROLE_THEME
        if entry.kind in THEME_KINDS and all(_reading_in(t, idx.names) for t in query.terms):
            # The question is the theme's name ("vi er professionelle"): the theme itself answers
            # it, before the statements and responsibilities under it.
            score *= THEME_PRIOR
        if len(query.terms) == 1 and not any(s in idx.topics for a in query.terms[0].alts for s in a.stems):
            # One word names a topic ("sundhedstjek"); an entry that only mentions it in passing
            # ("fri uden løn" for "løn") is not what was asked for.
            score *= OFF_TOPIC_FACTOR
        return Match(
            entry, round(score, 1), round(coverage, 3), round(best_sim, 3), round(title_cover, 3), specificity
        )


class _PhraseSet:
    """Glossary phrases (folded words) looked for anywhere in a question, in one pass."""

    def __init__(self, phrases: Sequence[str]) -> None:
        self.phrases = frozenset(k for p in phrases if (k := tuple(w.folded for w in words(clean(p)))))
        self.firsts = frozenset(p[0] for p in self.phrases)
        self.lengths = sorted({len(p) for p in self.phrases})

    def found_in(self, folded: Sequence[str]) -> bool:
        return any(
            tuple(folded[i : i + n]) in self.phrases
            for i, word in enumerate(folded)
            if word in self.firsts
            for n in self.lengths
        )


class _Query:
    """The parts of a question the rerank needs, computed once per scoring."""

    def __init__(self, terms: list[QTerm], organization: str | None, role: str | None) -> None:
        self.terms = terms
        self.organization = organization
        self.role = role
        self.total = sum(t.importance for t in terms)  # the question's information
        self.text = " ".join(sorted(t.alts[0].stems[0] if t.alts else t.surface for t in terms))
        # stem -> (term, weight) of one-word readings; readings of several words apart.
        self.single: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self.multi: list[tuple[int, frozenset[str], float]] = []
        for i, t in enumerate(terms):
            for a in t.alts:
                if len(a.stems) == 1:
                    self.single[a.stems[0]].append((i, a.weight))
                else:
                    self.multi.append((i, frozenset(a.stems), a.weight))
        self.stems = frozenset(self.single) | frozenset(s for _, ss, _ in self.multi for s in ss)

    def hit(self, stems: tuple[str, ...]) -> float:
        """The information of the question found among ``stems`` (each term's best reading)."""
        best: dict[int, float] = {}
        for s in stems:
            for i, w in self.single.get(s, ()):
                if w > best.get(i, 0.0):
                    best[i] = w
        for i, ss, w in self.multi:
            if w > best.get(i, 0.0) and all(s in stems for s in ss):
                best[i] = w
        return sum(self.terms[i].importance * w for i, w in best.items())


def _close(asked: frozenset[str], text: str, phrasing: frozenset[str]) -> bool:
    """Whether a question's content stems read as a not-answered phrasing's."""
    if not phrasing:
        return False
    if phrasing <= asked and len(asked - phrasing) <= NOT_ANSWERED_EXTRA:
        return True
    return fuzz.ratio(text, " ".join(sorted(phrasing))) >= NOT_ANSWERED_SIMILAR


def _reading_in(term: QTerm, stems: set[str]) -> bool:
    return any(all(s in stems for s in a.stems) for a in term.alts)


def _value(term: QTerm, entry: int, postings: dict[str, dict[int, float]]) -> float:
    """How well entry number ``entry`` explains ``term``: the weight of its best reading there."""
    best = 0.0
    for a in term.alts:  # the hottest loop of a question: kept plain
        stems = a.stems
        if len(stems) == 1:
            w = postings[stems[0]].get(entry, 0.0)
        else:
            w = min(postings[s].get(entry, 0.0) for s in stems)
        v = a.weight * (w if w < 1.0 else 1.0)
        if v > best:
            best = v
    return best


def clean_lines(text: str) -> str:
    """:func:`clean` for each line, keeping the line breaks that separate sentences."""
    return "\n".join(c for line in text.splitlines() if (c := clean(line)))


def _another_answer(best: Entry, other: Entry) -> bool:
    if other.organization != best.organization or other.section == best.section:
        return False
    if other.id in best.related or best.id in other.related:
        return False
    return not (best.contacts and other.contacts)


def _consensus(best: Match, matches: Sequence[Match]) -> float:
    """On how many of coverage, similarity and title the best match is also first among its
    organisation's matches (0–1): like the margin, it keeps its meaning as municipalities are added."""
    own = [m for m in matches if m.entry.organization == best.entry.organization]
    leads = [
        all(getattr(best, name) >= getattr(m, name) for m in own)
        for name in ("coverage", "similarity", "title")
    ]
    return sum(leads) / len(leads)


def _tie(matches: list[Match]) -> bool:
    """Two documents answer about equally well ("hvad er formålet"): that is a question for
    "did you mean", not a coin toss. (A hand-set gap: ranking scores this close are noise.)"""
    if len(matches) < 2:
        return False
    best = matches[0]
    where = (best.entry.organization, best.entry.document)
    tied = [m for m in matches[1:] if m.score > best.score - AMBIGUITY_GAP]
    return any((m.entry.organization, m.entry.document) != where for m in tied)


def _sentences(text: str) -> tuple[list[list[Word]], list[bool]]:
    """The words of a message's last sentences (within MAX_WORDS), and which of them ask ("?")."""
    if len(text) > MAX_CHARS:  # a pasted document: its head and its tail say what it asks
        text = text[: MAX_CHARS // 2] + "\n" + text[-MAX_CHARS // 2 :]
    texts = [t for t in _SENTENCE_RE.split(clean_lines(text)) if t.strip()][-MAX_SENTENCES:]
    split = _last_words([(t, w) for t in texts if (w := words(t))], MAX_WORDS)
    return [w for _, w in split], [t.rstrip().endswith("?") for t, _ in split]


def _weighed(parts: list[list[QTerm]], asked: list[QTerm]) -> list[QTerm]:
    """The message's terms, each once: the asking sentence's in full; when it says enough by
    itself, the background's at BACKGROUND, so it may narrow the topic down but not pull the
    answer towards a passage about the background."""
    qterms = dedupe(asked + [t for part in parts for t in part])
    if len(parts) > 1 and sum(t.importance for t in asked if t.alts) >= ASKED_MIN_INFO:
        mine = set(asked)
        qterms = [t if t in mine else replace(t, importance=t.importance * BACKGROUND) for t in qterms]
    if len(qterms) > MAX_TERMS:
        qterms = qterms[: MAX_TERMS - 10] + qterms[-10:]
    return qterms


def _last_words(sentences: list[tuple[str, list[Word]]], budget: int) -> list[tuple[str, list[Word]]]:
    """The sentences (text, words) within the last ``budget`` words of a message."""
    kept: list[tuple[str, list[Word]]] = []
    for text, found in reversed(sentences):
        if budget <= 0:
            break
        kept.append((text, found[-budget:]))
        budget -= len(found)
    return kept[::-1]
