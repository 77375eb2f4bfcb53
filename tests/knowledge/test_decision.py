"""The answer/decline decision: a fitted model, read from its file, that the matcher obeys."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bot.train import Row, cross_validated, fit
from knowledge.decision import FEATURES, MODEL_PATH, Signals, load_model
from knowledge.matcher import Matcher
from tests.knowledge import knowledge_sets


def test_the_shipped_model_says_what_it_was_fitted_to() -> None:
    model = load_model()
    assert 0.0 < model.suggest <= model.answer < 1.0
    fitted = model.info["fitted_to"]
    assert fitted["examples"] > 1000 and fitted["tuning"] > 100 and fitted["oos"] > 50
    assert all(name.startswith("tuning_") for name in model.info["tuning_sets"])


def test_a_broken_model_file_is_named_in_the_error(tmp_path: Path) -> None:
    broken = tmp_path / "decision.json"
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    data["weights"] = data["weights"][:-1]
    broken.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RuntimeError, match=r"decision\.json"):
        load_model(broken)


def _signals(score: float, unknown: float) -> Signals:
    values = dict.fromkeys(FEATURES, 0.5) | {"score": score, "unknown": unknown}
    return Signals(**values)


def test_the_fit_learns_which_signals_mean_a_right_answer() -> None:
    rows = [
        Row("tuning" if i % 3 else "oos", f"q{i}", _signals(s, u).vector(), s > 0.5 and u < 0.3)
        for i, (s, u) in enumerate((a / 20, b / 10) for a in range(20) for b in range(10))
    ]
    model = fit(rows, [1.0] * len(rows))
    assert model.probability(_signals(0.9, 0.0)) > 0.8 > 0.2 > model.probability(_signals(0.2, 0.8))
    held_out = cross_validated(rows)
    right = [p for r, p in zip(rows, held_out, strict=True) if r.right]
    wrong = [p for r, p in zip(rows, held_out, strict=True) if not r.right]
    assert sum(right) / len(right) > sum(wrong) / len(wrong) + 0.5


def test_the_matcher_answers_as_the_model_decides() -> None:
    kb = knowledge_sets.mini().kb
    question = "hvor tit kan jeg få et sundhedstjek?"
    assert Matcher(kb).match(question).answered
    never = dataclasses.replace(load_model(), answer=1.0)
    declined = Matcher(kb, never).match(question)
    assert not declined.answered and declined.best is not None
