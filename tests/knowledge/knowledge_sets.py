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
QUESTIONS = Path(__file__).resolve().parent / "questions.yaml"
BLIND = Path(__file__).with_name("questions_blind.yaml")
BLIND2 = Path(__file__).with_name("questions_blind2.yaml")
DEV = ROOT.parent / "shared" / "eval" / "dev.yaml"  # present beside the checkout, not in it


@cache
def real() -> Snapshot:
    return build_snapshot(REAL)


@cache
def mini() -> Snapshot:
    return build_snapshot(MINI)
