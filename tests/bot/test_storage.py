from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.storage import Storage


def test_subscriptions_survive_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    store = Storage(db)
    assert store.subscribe("slack", "C1", "Allerød Kommune")
    assert not store.subscribe("slack", "C1", "Allerød Kommune")
    store.close()
    again = Storage(db)
    assert again.subscriptions() == [("slack", "C1", "Allerød Kommune")]
    assert again.unsubscribe("slack", "C1") and not again.unsubscribe("slack", "C1")


def test_a_post_is_claimed_once_it_is_posted(tmp_path: Path) -> None:
    store = Storage(tmp_path / "bot.sqlite3")
    assert store.claim_post("weekly-theme", "2027-W01", "slack:C1")
    store.finish_post("weekly-theme", "2027-W01", "slack:C1", ok=False, attempts=3, error="ratelimited")
    assert store.post_records("failed")[0].error == "ratelimited"
    assert store.claim_post("weekly-theme", "2027-W01", "slack:C1")  # a failed post may be retried
    store.finish_post("weekly-theme", "2027-W01", "slack:C1", ok=True, attempts=1)
    assert not store.claim_post("weekly-theme", "2027-W01", "slack:C1")
    assert store.post_records("posted")[0].attempts == 4


def test_unanswered_questions_are_kept_without_identity_and_purged(tmp_path: Path) -> None:
    store = Storage(tmp_path / "bot.sqlite3")
    store.record_answer(False, "hvad er der til frokost", day=date(2026, 1, 1))
    store.record_answer(False, "x" * 2000, day=date(2026, 6, 1))
    store.record_answer(True, "sundhedstjek", day=date(2026, 6, 1))
    assert store.answer_counts() == (1, 2)
    assert store.unanswered()[0] == "hvad er der til frokost"
    assert len(store.unanswered()[1]) == 500
    assert store.purge_questions(90, today=date(2026, 6, 2)) == 1
    assert store.unanswered() == ["x" * 500]


def test_feedback_counts_per_entry(tmp_path: Path) -> None:
    store = Storage(tmp_path / "bot.sqlite3")
    store.record_feedback("a", up=True)
    store.record_feedback("a", up=True)
    store.record_feedback("a", up=False)
    assert store.feedback() == {"a": (2, 1)}
