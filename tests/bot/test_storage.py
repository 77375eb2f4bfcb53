from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.storage import Storage


async def test_subscriptions_survive_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    store = Storage(db)
    assert await store.subscribe("slack", "C1", "Allerød Kommune")
    assert not await store.subscribe("slack", "C1", "Allerød Kommune")
    store.close()
    again = Storage(db)
    assert await again.subscriptions() == [("slack", "C1", "Allerød Kommune")]
    assert await again.unsubscribe("slack", "C1") and not await again.unsubscribe("slack", "C1")


async def test_a_post_is_claimed_once_it_is_posted(tmp_path: Path) -> None:
    store = Storage(tmp_path / "bot.sqlite3")
    assert await store.claim_post("weekly-theme", "2027-W01", "slack:C1")
    await store.finish_post("weekly-theme", "2027-W01", "slack:C1", ok=False, attempts=3, error="ratelimited")
    assert (await store.post_records("failed"))[0].error == "ratelimited"
    assert await store.claim_post("weekly-theme", "2027-W01", "slack:C1")  # a failed post may be retried
    await store.finish_post("weekly-theme", "2027-W01", "slack:C1", ok=True, attempts=1)
    assert not await store.claim_post("weekly-theme", "2027-W01", "slack:C1")
    assert (await store.post_records("posted"))[0].attempts == 4


async def test_unanswered_questions_are_kept_without_identity_and_purged(tmp_path: Path) -> None:
    store = Storage(tmp_path / "bot.sqlite3")
    await store.record_answer(False, "hvad er der til frokost", day=date(2026, 1, 1))
    await store.record_answer(False, "x" * 2000, day=date(2026, 6, 1))
    await store.record_answer(True, "sundhedstjek", day=date(2026, 6, 1))
    assert await store.answer_counts() == (1, 2)
    assert (await store.unanswered())[0] == "hvad er der til frokost"
    assert len((await store.unanswered())[1]) == 500
    assert await store.purge_questions(90, today=date(2026, 6, 2)) == 1
    assert await store.unanswered() == ["x" * 500]


async def test_feedback_counts_per_entry(tmp_path: Path) -> None:
    store = Storage(tmp_path / "bot.sqlite3")
    await store.record_feedback("a", up=True)
    await store.record_feedback("a", up=True)
    await store.record_feedback("a", up=False)
    assert await store.feedback() == {"a": (2, 1)}
