"""Accuracy floors on the project's question sets and, when present, on ../shared's dev set.

A case passes as ``grundlagbot eval`` counts it: answered, with one of its phrases in the answer
text, source section or quote (and from the expected organisation); out-of-scope cases pass when
declined. The floors hold the matcher to its generalisation.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli_knowledge import Case, passes, read_cases
from handlers.ask import answer
from tests.knowledge import knowledge_sets


def score(path: Path) -> tuple[float, float, list[str]]:
    snapshot = knowledge_sets.real()
    cases = read_cases(path)
    results = [(case, passes(case, answer(snapshot, case.question, case.asker))) for case in cases]
    in_scope = [ok for case, ok in results if not case.out_of_scope]
    oos = [ok for case, ok in results if case.out_of_scope]
    misses = [case.question for case, ok in results if not ok]
    return sum(in_scope) / max(1, len(in_scope)), sum(oos) / max(1, len(oos)), misses


def test_the_own_question_set_covers_every_kind_of_entry() -> None:
    cases: list[Case] = read_cases(knowledge_sets.QUESTIONS)
    assert sum(1 for c in cases if c.out_of_scope) >= 10
    assert sum(1 for c in cases if not c.out_of_scope) >= 7 * 3


# Floors per set: (set, in-scope share answered correctly, out-of-scope share declined). The
# tuning sets' floors sit just under what they score; the test sets' at the goal the bot is held
# to (0.85 / 0.95) where it reaches it, else just under its last score, and a failing test set
# prints its counts only: its misses are not read while
# the matcher is changed (tests/knowledge/sets/README.md).
TUNING_FLOORS = [
    (knowledge_sets.QUESTIONS, 0.9, 0.94),
    (knowledge_sets.BLIND, 0.84, 0.95),
    (knowledge_sets.BLIND3, 0.75, 0.9),
    (knowledge_sets.BLIND5, 0.5, 0.85),
]
TEST_FLOORS = [
    (knowledge_sets.BLIND2, 0.85, 0.95),
    (knowledge_sets.BLIND4, 0.75, 0.95),  # below the goal in scope: 0.816 when last measured
    (knowledge_sets.BLIND7, 0.6, 0.85),  # below the goal: 0.638 and 0.900 when last measured
    (knowledge_sets.BLIND9, 0.62, 0.95),  # below the goal in scope: 0.669 on arrival, 0.675 now
    # Asked by an employee of `asker`: below the goal of 0.9 in scope (0.650 when last measured);
    # out of scope are questions only another organisation's documents answer.
    (knowledge_sets.ASKER, 0.6, 0.95),
]


@pytest.mark.parametrize(
    ("path", "in_floor", "oos_floor"), TUNING_FLOORS, ids=lambda v: getattr(v, "stem", "")
)
def test_accuracy_on_the_tuning_sets(path: Path, in_floor: float, oos_floor: float) -> None:
    in_scope, oos, misses = score(path)
    assert in_scope >= in_floor and oos >= oos_floor, misses


@pytest.mark.parametrize(("path", "in_floor", "oos_floor"), TEST_FLOORS, ids=lambda v: getattr(v, "stem", ""))
def test_accuracy_on_the_test_sets(path: Path, in_floor: float, oos_floor: float) -> None:
    in_scope, oos, _ = score(path)
    assert in_scope >= in_floor and oos >= oos_floor, f"in scope {in_scope:.3f}, out of scope {oos:.3f}"


def test_out_of_scope_tuning_questions_are_declined() -> None:
    _, oos, misses = score(knowledge_sets.OOS)
    assert oos >= 0.95, misses


@pytest.mark.skipif(
    not knowledge_sets.DEV.is_file(), reason="../shared/eval/dev.yaml is not beside this checkout"
)
def test_accuracy_on_the_shared_dev_set() -> None:
    in_scope, oos, misses = score(knowledge_sets.DEV)
    assert in_scope >= 0.95, misses
    assert oos == 1.0, misses
