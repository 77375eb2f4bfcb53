"""Whether to answer: a small logistic model over the signals the matcher computes.

The matcher ranks the entries (:mod:`knowledge.matcher`); this module decides whether the best
one is good enough to answer with. The decision is a logistic regression fitted to labelled
questions by ``grundlagbot train`` (:mod:`bot.train`): each entry's own example questions held out
a fold at a time, the project's tuning question sets and out-of-scope questions. Its weights and
its two thresholds live in ``knowledge/decision.json``, which that command writes; the file says
which data it was fitted to and the scores it got on held-out folds.

Every signal is a share or a ratio, not a count of entries, so the model keeps its meaning when
a municipality's documents are added to the knowledge base.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

MODEL_PATH = Path(__file__).with_name("decision.json")


@dataclass(frozen=True, slots=True)
class Signals:
    """What the matcher knows about its best match, each on a scale of about 0–1."""

    score: float  # the ranking score / 100
    coverage: float  # share of the question's information the entry explains
    similarity: float  # best similarity to one of the entry's example questions
    title: float  # share of the entry's title the question names
    specificity: float  # specific information matched, relative to the floor for full confidence
    margin: float  # (best score - the best under another heading of its organisation) / 100
    unknown: float  # share of the question's information in words the knowledge base lacks
    asked: float  # share of the asking sentence's information the entry explains
    terms: float  # log(1 + content terms) / log(41): short and long questions behave differently
    single: float  # 1 for a one-term question
    contacts: float  # 1 when the question is on a sensitive topic and the entry names contacts
    fact: float  # 1 when the question asks for a number, an amount or a date ("hvor mange")
    consensus: float  # share of the signals (coverage, similarity, title) on which the best match leads

    def vector(self) -> tuple[float, ...]:
        return tuple(float(getattr(self, name)) for name in FEATURES)


# The signals in the order of the model's weights: the fields of Signals.
FEATURES: tuple[str, ...] = tuple(f.name for f in fields(Signals))


@dataclass(frozen=True)
class DecisionModel:
    """P(the best match answers the question) = logistic(bias + Σ wᵢ · (xᵢ − meanᵢ) / scaleᵢ)."""

    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    answer: float  # answer at or above this probability
    suggest: float  # "did you mean" from here up to ``answer``; below, decline plainly
    info: Mapping[str, Any]  # what it was fitted to and its held-out scores

    def probability(self, signals: Signals) -> float:
        z = self.bias
        for w, x, m, s in zip(self.weights, signals.vector(), self.mean, self.scale, strict=True):
            z += w * (x - m) / s
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "weights": [round(w, 6) for w in self.weights],
            "bias": round(self.bias, 6),
            "mean": [round(m, 6) for m in self.mean],
            "scale": [round(s, 6) for s in self.scale],
            "answer": round(self.answer, 4),
            "suggest": round(self.suggest, 4),
            "info": dict(self.info),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DecisionModel:
        if list(data.get("features", ())) != list(FEATURES):
            raise ValueError(f"the model's features {data.get('features')} are not {list(FEATURES)}")
        n = len(FEATURES)
        vectors = [tuple(float(v) for v in data[key]) for key in ("weights", "mean", "scale")]
        if any(len(v) != n for v in vectors) or any(s <= 0 for s in vectors[2]):
            raise ValueError("weights, mean and scale must each have one positive-scaled value per feature")
        answer, suggest = float(data["answer"]), float(data["suggest"])
        if not 0.0 <= suggest <= answer <= 1.0:
            raise ValueError("expected 0 <= suggest <= answer <= 1")
        weights, mean, scale = vectors
        return cls(weights, float(data["bias"]), mean, scale, answer, suggest, dict(data.get("info", {})))


def load_model(path: Path = MODEL_PATH) -> DecisionModel:
    """The fitted model; a missing or broken file is a packaging error and raises."""
    try:
        return DecisionModel.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RuntimeError(f"{path}: the decision model cannot be read: {exc}") from exc
