"""``ask --why`` (and the admins' ``hvorfor``): how the answer to a question was chosen.

The terms the question was read as, the words the knowledge does not know, and each candidate
entry with what the decision model (:mod:`knowledge.decision`) weighs about it and the decision it
leads to, in plain words.
"""

from __future__ import annotations

from handlers.messages import Language
from handlers.texts import t
from knowledge.decision import FEATURES, DecisionModel, Signals
from knowledge.matcher import Candidate, Result
from knowledge.service import Snapshot

REASONS = 3  # the features that weigh most, named per candidate

# How each feature reads when it pushes the probability up (first) or down (second).
FEATURE_WORDS: dict[str, tuple[str, str]] = {
    "score": ("a high ranking score", "a low ranking score"),
    "coverage": ("explains much of the question", "explains little of the question"),
    "similarity": ("like one of its example questions", "unlike its example questions"),
    "title": ("the question names its title", "the question does not name its title"),
    "specificity": ("specific words match", "only common words match"),
    "margin": ("well ahead of other answers", "close to another answer"),
    "unknown": ("all words known", "unknown words in the question"),
    "asked": ("explains what is asked", "does not explain what is asked"),
    "terms": ("the question's length", "the question's length"),
    "single": ("a one-word question", "a one-word question"),
    "contacts": ("names whom to contact on a sensitive topic", "does not name contacts"),
    "fact": ("asks for a fact", "asks for a number, date or name the documents rarely give"),
    "consensus": ("leads on coverage, similarity and title", "does not lead on every measure"),
}


def reasons(model: DecisionModel, signals: Signals) -> list[str]:
    """The features that moved the probability most, each in words with its direction."""
    pushes = [
        (w * (x - m) / s, name)
        for w, x, m, s, name in zip(
            model.weights, signals.vector(), model.mean, model.scale, FEATURES, strict=True
        )
    ]
    top = sorted(pushes, key=lambda p: -abs(p[0]))[:REASONS]
    return [f"{FEATURE_WORDS[name][0 if push > 0 else 1]} ({push:+.1f})" for push, name in top]


def explain(snapshot: Snapshot, text: str, org: str | None = None, language: Language = "en") -> str:
    """The explanation of how ``text`` is answered, one line per finding."""
    matcher = snapshot.matcher
    organization = matcher.resolve_organization(org) if org else None
    result = matcher.match(text, organization, explain=True)
    lines = [
        t("why.terms", language, terms=", ".join(result.terms))
        if result.terms
        else t("why.no_terms", language)
    ]
    if result.unknown:
        lines.append(t("why.unknown", language, words=", ".join(result.unknown)))
    if result.sensitive:
        lines.append(t("why.sensitive", language, topics=", ".join(result.sensitive)))
    if result.organization:
        lines.append(t("why.scope", language, organization=result.organization))
    for org_name, document in result.declined_by:
        lines.append(t("why.declined_by", language, organization=org_name, document=document))
    if not result.candidates:
        lines.append(t("why.none", language))
        return "\n".join(lines)
    model = matcher.model
    lines.append(t("why.candidates", language, answer=model.answer, suggest=model.suggest))
    for n, candidate in enumerate(result.candidates, 1):
        lines += _candidate(n, candidate, result, model, language)
    return "\n".join(lines)


def _candidate(n: int, c: Candidate, result: Result, model: DecisionModel, language: Language) -> list[str]:
    entry, s = c.match.entry, c.signals
    draft = t("why.draft", language) if entry.draft else ""
    lines = [
        t("why.candidate", language, n=n, entry=entry.id, title=entry.title, organization=entry.organization,
          section=entry.section, draft=draft, score=c.match.score, probability=c.probability),
        t("why.features", language, coverage=s.coverage, similarity=s.similarity, title=s.title,
          specificity=s.specificity, margin=100 * s.margin),
        t("why.weighs", language, reasons="; ".join(reasons(model, s))),
    ]  # fmt: skip
    if n == 1 and result.answered:
        lines.append(t("why.answer", language))
    elif n == 1 and result.suggest and c.probability >= model.answer:
        lines.append(t("why.tie", language))
    elif c.probability >= model.suggest and result.suggest:
        lines.append(t("why.suggest", language))
    else:
        lines.append(t("why.below", language))
    return lines
