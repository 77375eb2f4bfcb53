"""The bot's confidence must survive the knowledge growing by one more organisation's document.

Each question set is scored twice: on the real knowledge base, and on the real knowledge base plus
a sixth municipality's personnel policy (``tests/knowledge/fixtures/sixth``: Solbjerg Kommune, a
made-up policy on the everyday questions the real files do not answer: a sick child, omsorgsdage,
flekstid, løn, ferie, …). Adding a municipality's document must not make the bot answer
out-of-scope questions it declined before, nor lose accuracy on the questions it answered: per
set, the in-scope questions answered correctly and the out-of-scope questions declined may each
drop by at most one. A case passes as ``grundlagbot eval`` counts it (``bot.cli_knowledge.passes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from bot.cli_knowledge import Case, passes, read_cases
from handlers.ask import answer
from knowledge.service import Snapshot, build_snapshot
from tests.knowledge import knowledge_sets

SIXTH = Path(__file__).resolve().parent / "fixtures" / "sixth"
TOLERANCE = 1  # cases per set and per kind (in scope, out of scope) that may flip


@cache
def grown() -> Snapshot:
    """The real knowledge base plus the sixth municipality's document, built once per session."""
    return build_snapshot([knowledge_sets.REAL, SIXTH])


@dataclass(frozen=True)
class Score:
    """Which cases of a set pass on one knowledge base."""

    cases: tuple[Case, ...]
    passed: tuple[bool, ...]

    def count(self, out_of_scope: bool) -> tuple[int, int]:
        """(passed, total) over the in-scope or the out-of-scope cases."""
        kind = [
            ok for case, ok in zip(self.cases, self.passed, strict=True) if case.out_of_scope == out_of_scope
        ]
        return sum(kind), len(kind)


@cache
def score(path: Path, grown_kb: bool) -> Score:
    snapshot = grown() if grown_kb else knowledge_sets.real()
    cases = tuple(read_cases(path))
    return Score(cases, tuple(passes(case, answer(snapshot, case.question)) for case in cases))


SETS = [
    pytest.param(knowledge_sets.QUESTIONS, id="questions"),
    pytest.param(knowledge_sets.BLIND, id="blind"),
    pytest.param(knowledge_sets.BLIND2, id="blind2"),
    pytest.param(
        knowledge_sets.DEV,
        id="dev",
        marks=pytest.mark.skipif(
            not knowledge_sets.DEV.is_file(), reason="../shared/eval/dev.yaml is not beside this checkout"
        ),
    ),
]


def test_the_sixth_document_loads_beside_the_real_ones() -> None:
    real, sixth = knowledge_sets.real().kb, grown().kb
    added = [e for e in sixth.entries if e.organization == "Solbjerg Kommune"]
    assert len(sixth.documents) == len(real.documents) + 1
    assert len(added) >= 24
    assert len(sixth.entries) == len(real.entries) + len(added)


@pytest.mark.parametrize("path", SETS)
def test_adding_a_municipality_keeps_accuracy_and_declines(path: Path) -> None:
    before, after = score(path, False), score(path, True)
    changed = [
        f"{'oos' if case.out_of_scope else 'in scope'}: {case.question!r} "
        f"{'passed -> failed' if was else 'failed -> passed'}"
        for case, was, now in zip(before.cases, before.passed, after.passed, strict=True)
        if was != now
    ]
    (in_before, in_total), (in_after, _) = before.count(False), after.count(False)
    (oos_before, oos_total), (oos_after, _) = before.count(True), after.count(True)
    summary = (
        f"in scope correct {in_before}/{in_total} -> {in_after}/{in_total}; "
        f"out of scope declined {oos_before}/{oos_total} -> {oos_after}/{oos_total}"
    )
    report = "\n".join([summary, *changed])
    assert in_before - in_after <= TOLERANCE, report
    assert oos_before - oos_after <= TOLERANCE, report
