from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage import Storage


async def test_subscriptions_survive_a_restart(database: Path | str) -> None:
    db = database
    store = Storage(db)
    assert await store.subscribe("slack", "C1", "Allerød Kommune")
    assert not await store.subscribe("slack", "C1", "Allerød Kommune")
    store.close()
    again = Storage(db)
    assert await again.subscriptions() == [("slack", "C1", "Allerød Kommune")]
    assert await again.unsubscribe("slack", "C1") and not await again.unsubscribe("slack", "C1")
    again.close()


async def test_a_post_is_claimed_once_it_is_posted(database: Path | str) -> None:
    store = Storage(database)
    assert await store.claim_post("weekly-theme", "2027-W01", "slack:C1")
    await store.finish_post("weekly-theme", "2027-W01", "slack:C1", ok=False, attempts=3, error="ratelimited")
    assert (await store.post_records("failed"))[0].error == "ratelimited"
    assert await store.claim_post("weekly-theme", "2027-W01", "slack:C1")  # a failed post may be retried
    await store.finish_post("weekly-theme", "2027-W01", "slack:C1", ok=True, attempts=1)
    assert not await store.claim_post("weekly-theme", "2027-W01", "slack:C1")
    assert (await store.post_records("posted"))[0].attempts == 4
    store.close()


async def test_unanswered_questions_are_kept_without_identity_and_purged(database: Path | str) -> None:
    store = Storage(database)
    await store.record_answer(False, "hvad er der til frokost", day=date(2026, 1, 1))
    await store.record_answer(False, "x" * 2000, day=date(2026, 6, 1))
    await store.record_answer(True, "sundhedstjek", day=date(2026, 6, 1))
    assert await store.answer_counts() == (1, 2)
    assert (await store.unanswered())[0] == "hvad er der til frokost"
    assert len((await store.unanswered())[1]) == 500
    assert await store.purge_questions(90, today=date(2026, 6, 2)) == 1
    assert await store.unanswered() == ["x" * 500]
    store.close()


async def test_feedback_counts_per_entry(database: Path | str) -> None:
    store = Storage(database)
    await store.record_feedback("a", up=True)
    await store.record_feedback("a", up=True)
    await store.record_feedback("a", up=False)
    assert await store.feedback() == {"a": (2, 1)}
    store.close()


def _not_sqlite(tmp_path: Path) -> Path:
    path = tmp_path / "notes.sqlite3"
    path.write_text("these are notes, not a database\n" * 100, encoding="utf-8")
    return path


def _truncated(tmp_path: Path) -> Path:
    path = tmp_path / "bot.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE filler (x TEXT)")
    db.executemany("INSERT INTO filler VALUES (?)", [("x" * 200,)] * 2000)
    db.commit()
    db.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # a copy cut off half way
    return path


def _read_only(tmp_path: Path) -> Path:
    if os.geteuid() == 0:  # root writes into any folder: a read-only file system then
        return Path("/proc/grundlagbot.sqlite3")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    return folder / "bot.sqlite3"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_read_only, "read-only|cannot open or create"),
        (_not_sqlite, "not a database"),
        (lambda tmp: tmp, "is a directory"),
        (_truncated, "malformed"),
        (lambda tmp: _not_sqlite(tmp) / "bot.sqlite3", "cannot create its folder"),
    ],
    ids=["read-only folder", "not SQLite", "a directory", "truncated", "a file as its folder"],
)
def test_serve_with_an_unusable_database_names_it_and_exits_1(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    make: Callable[[Path], Path],
    reason: str,
) -> None:
    path = make(tmp_path)
    monkeypatch.setenv("GRUNDLAGBOT_DB", str(path))
    assert main(["serve", "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert str(path) in err and re.search(reason, err) and "Traceback" not in err
