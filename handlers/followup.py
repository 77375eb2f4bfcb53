"""Follow-ups: short messages that only make sense next to the previous answer.

"og for ledere?", "uddyb", "and in Gentofte?", "og hvis det er min leder der mobber mig?" are read
against the entry the conversation was last answered from (a
:class:`~handlers.conversations.Turn`). The words that mark a follow-up are data, the
``followups`` section of ``knowledge/data/synonyms.yaml``: openers ("og", "what about"),
conditions ("og hvis", "what if"), elaborate phrases ("uddyb", "tell me more") and role words
("ledere", "employees"); organisations are found by their names and aliases.

A message of more than :data:`MAX_WORDS` words is never a follow-up. In a shorter one, the words
left once those are taken out decide:

* **Words of its own** (a condition makes role words its own too): the message is first answered
  on its own, so a clear new question stays a clear question. Only when that fails is it a
  *refinement*: asked again after the previous entry's title (in English, its first English
  question), so the answer stays on the topic but can move to a better entry. It is answered only
  if every new word is one the knowledge knows and the answer still explains
  :data:`REFINE_COVERAGE` of what the title alone explains: otherwise the title would answer
  anything ("hvad er klokken?" after an answer on sickness absence would get that answer again).
* **None**, and it names
  - an organisation ("og i Gentofte?"): the previous entry's first example question, then its
    title, answered from that organisation's documents only;
  - a role ("og for ledere?"): the role's ``ask`` words and the previous entry's section, asked of
    the same organisation (or the one named); among the matcher's candidates a ``responsibility``
    entry under that section comes first, as those are the passages that say what each role does;
  - or asks for more ("kan du uddybe det?"): the same entry again, said to continue the previous
    answer, with its whole quote and its ``related`` entries as "see also".
* Anything else ("tak", a lone "og?") is answered on its own, as it would be without a previous
  answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from handlers.ask import answer, entry_reply
from handlers.conversations import Turn
from handlers.language import language_of
from handlers.messages import Language, Related, Reply
from handlers.texts import t
from knowledge.model import Entry, Phrases
from knowledge.normalize import Word, clean, words
from knowledge.service import Snapshot

MAX_WORDS = 10  # "og hvis det er min leder der mobber mig?" is 9; a new question is usually longer
REFINE_COVERAGE = 0.85  # calibrated on follow-ups after answers on each kind of entry, and on
# out-of-scope short messages after them (which explain at most 0.8 of the title)

Phrase = tuple[str, ...]  # folded words


@dataclass(frozen=True)
class Reading:
    """What a short message says about the previous answer."""

    language: Language
    content: str = ""  # its own words (folded), once the follow-up words are taken out
    unknown: bool = False  # ... of which some are words the knowledge does not know
    elaborate: bool = False
    organization: str | None = None
    role: str | None = None


def respond(
    snapshot: Snapshot,
    text: str,
    previous: Turn | None,
    language: Language | None = None,
    asker: str | None = None,
) -> Reply:
    """The reply to ``text``: relative to ``previous`` when it follows that answer up, else the
    answer it gets on its own (:func:`handlers.ask.answer`, asked by an employee of ``asker``).
    ``language`` is the message's, when it has been decided (:mod:`handlers.language`)."""
    entry = snapshot.kb.entry(previous.entry_id) if previous is not None else None
    reading = read(snapshot, text, language) if entry is not None else None
    if entry is None or reading is None:  # no previous answer (or a reload removed its entry)
        return answer(snapshot, text, asker)
    if reading.content:
        alone = answer(snapshot, text, asker)
        return alone if alone.answered else (_refine(snapshot, text, entry, reading, asker) or alone)
    if reading.organization or reading.role:
        return _switch(snapshot, entry, reading) or answer(snapshot, text, asker)
    if reading.elaborate:
        return elaborate(snapshot, entry, reading.language)
    return answer(snapshot, text, asker)


def read(snapshot: Snapshot, text: str, language: Language | None = None) -> Reading | None:
    """How ``text`` reads as a follow-up; None when it is too long (or too empty) to be one."""
    found = words(clean(text))
    if not found or len(found) > MAX_WORDS:
        return None
    lists = snapshot.kb.glossary.followups
    languages: set[Language] = set()
    rest, condition = _take(found, lists.conditions, languages, at_start=True)
    if not condition:
        rest, _ = _take(rest, lists.openers, languages, at_start=True)
    rest, elaborate = _take(rest, lists.elaborate, languages)
    role = None
    if not condition:  # after "og hvis", "lederen" is who the question is about, not a switch
        for name, wanted in lists.roles.items():
            rest, named = _take(rest, wanted.words, languages)
            if named:
                role = name
                break
    rest, organization = snapshot.matcher.index.take_organization(rest)
    content = " ".join(w.folded for w in rest)
    terms, unknown = snapshot.matcher.terms(content) if content else ((), ())
    # Follow-up words of one language say which it is ("elaborate" is Danish too); else the
    # message's language decides.
    if len(languages) == 1:
        language = languages.pop()
    return Reading(
        language=language or language_of(snapshot, text),
        content=content if terms else "",
        unknown=bool(unknown),
        elaborate=elaborate,
        organization=organization,
        role=role,
    )


def elaborate(snapshot: Snapshot, entry: Entry, language: Language) -> Reply:
    """``entry`` once more, as the continuation of the previous answer, with what it relates to."""
    related = [e for r in entry.related if (e := snapshot.kb.entry(r)) is not None]
    return entry_reply(
        entry,
        language,
        lead=t("followup.continued", language),
        see_also=tuple(Related(e.title, e.organization) for e in related),
    )


def _refine(snapshot: Snapshot, text: str, entry: Entry, reading: Reading, asker: str | None) -> Reply | None:
    """``text`` asked after the previous entry's title, if the answer explains the new words."""
    if reading.unknown:
        return None
    context = entry.questions_en[0] if reading.language == "en" and entry.questions_en else entry.title
    asked = f"{context}\n{text}"
    before, after = snapshot.matcher.match(context, asker).best, snapshot.matcher.match(asked, asker)
    if before is None or after.best is None or not after.answered:
        return None
    if after.best.coverage < REFINE_COVERAGE * before.coverage:
        return None
    return answer(snapshot, asked, asker)


def _switch(snapshot: Snapshot, entry: Entry, reading: Reading) -> Reply | None:
    """The previous entry's topic for another organisation or role."""
    organization = reading.organization or entry.organization
    if reading.role is not None:
        return _other_role(snapshot, entry, reading.role, organization, reading.language)
    english = reading.language == "en" and entry.questions_en
    texts = entry.questions_en[:2] if english else (*entry.questions_da[:1], entry.title)
    declined: Reply | None = None
    for question in texts:
        reply = answer(snapshot, question, within=organization)
        if reply.answered:
            return reply
        declined = declined or reply
    if declined is None:
        return None
    where = t("followup.not_found", reading.language, title=entry.title, organization=organization)
    return replace(declined, lead=where)


def _other_role(
    snapshot: Snapshot, entry: Entry, role: str, organization: str, language: Language
) -> Reply | None:
    wanted = snapshot.kb.glossary.followups.roles[role]
    result = snapshot.matcher.match(f"{wanted.ask} {entry.section}", within=organization)
    under = [
        m
        for m in result.matches
        if m.entry.kind == "responsibility"
        and (m.entry.organization, m.entry.section) == (organization, entry.section)
    ]
    # Elsewhere in the organisation, only a confident answer on what a role does: after an answer
    # with no roles in it (a health check), "og for ledere?" is not a question with an answer.
    anywhere = result.best if result.answered else None
    best = under[0] if under else (anywhere if anywhere and anywhere.entry.kind == "responsibility" else None)
    if best is None:
        return None
    return entry_reply(best.entry, language)


def _take(
    found: Sequence[Word], phrases: Phrases, languages: set[Language], *, at_start: bool = False
) -> tuple[list[Word], bool]:
    """``found`` without ``phrases``: the longest one it begins with (``at_start``), or every one
    in it ("forklar det nærmere"); whether there was one. Their languages go into ``languages``."""
    rest, taken = list(found), False
    folded = [w.folded for w in rest]
    for phrase, language in _compiled(phrases):
        if phrase[0] not in folded:  # most phrases are not in a short message at all
            continue
        size, i = len(phrase), 0
        while i + size <= len(rest) and (i == 0 or not at_start):
            if tuple(folded[i : i + size]) == phrase:
                languages.add(language)
                rest, taken = rest[:i] + rest[i + size :], True
                folded = folded[:i] + folded[i + size :]
                if at_start:
                    return rest, True
            else:
                i += 1
    return rest, taken


@lru_cache(maxsize=64)
def _compiled(phrases: Phrases) -> tuple[tuple[Phrase, Language], ...]:
    """The phrases as folded words, longest first ("og hvad med" before "og"). Computed once per
    list of phrases (a reload with the same words reuses it): every short message reads them all."""
    by_language: tuple[tuple[Language, tuple[str, ...]], ...] = (("da", phrases.da), ("en", phrases.en))
    both = [(tuple(w.folded for w in words(clean(p))), lang) for lang, texts in by_language for p in texts]
    return tuple(sorted((p for p in both if p[0]), key=lambda p: -len(p[0])))
