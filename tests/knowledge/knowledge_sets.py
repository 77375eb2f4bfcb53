"""The knowledge the tests answer from: the real files (built once per session) and the fixture.

Knowledge lives in data files, never in test code: the real knowledge base in ``knowledge/data``
and a small made-up one in ``tests/knowledge/fixtures/mini``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from knowledge.service import Snapshot, build_snapshot

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "knowledge" / "data"
MINI = Path(__file__).resolve().parent / "fixtures" / "mini"
# Question sets (sets/README.md): tuning_* are used to tune and to fit the decision model;
# test_* never are.
SETS = Path(__file__).resolve().parent / "sets"
QUESTIONS = SETS / "tuning_own.yaml"
BLIND = SETS / "tuning_blind1.yaml"
BLIND3 = SETS / "tuning_blind3.yaml"
BLIND5 = SETS / "tuning_blind5.yaml"
OOS = SETS / "tuning_oos.yaml"
BLIND2 = SETS / "test_blind2.yaml"
BLIND4 = SETS / "test_blind4.yaml"
BLIND7 = SETS / "test_blind7.yaml"
BLIND9 = SETS / "test_blind9.yaml"
ASKER = SETS / "test_asker.yaml"
DEV = ROOT.parent / "shared" / "eval" / "dev.yaml"  # present beside the checkout, not in it


@cache
def real() -> Snapshot:
    return build_snapshot(REAL)


@cache
def mini() -> Snapshot:
    return build_snapshot(MINI)
