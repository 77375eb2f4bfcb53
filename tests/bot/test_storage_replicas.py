"""The storage shared by replicas: two processes' stores on one database (SQLite file or
PostgreSQL), racing for the same post, the same Slack event and the scheduler; migrations of a
database made before them."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage import Storage

# The schema the storage kept before migrations (the SQLite file of an earlier version), and a row.
OLD_SCHEMA = """
CREATE TABLE subscriptions (platform TEXT NOT NULL, channel TEXT NOT NULL, organization TEXT NOT NULL,
    created_at TEXT NOT NULL, PRIMARY KEY (platform, channel));
CREATE TABLE post_log (job TEXT NOT NULL, period TEXT NOT NULL, target TEXT NOT NULL, status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, error TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (job, period, target));
CREATE TABLE unanswered (id INTEGER PRIMARY KEY, day TEXT NOT NULL, text TEXT NOT NULL);
INSERT INTO subscriptions VALUES ('slack', 'C1', 'Allerød Kommune', '2026-01-01T00:00:00+00:00');
INSERT INTO post_log VALUES ('weekly-theme', '2026-W01', 'slack:C1', 'posted', 1, NULL, '2026-01-01T09:00:00+00:00');
INSERT INTO unanswered (day, text) VALUES ('2026-01-01', 'hvad er der til frokost');
"""


@pytest.fixture
def two(database: Path | str) -> tuple[Storage, Storage]:
    a, b = Storage(database), Storage(database)
    yield a, b
    a.close()
    b.close()


async def test_racing_claims_on_one_post_give_one_claim(two: tuple[Storage, Storage]) -> None:
    a, b = two
    claims = await asyncio.gather(
        *(s.claim_post("weekly-theme", "2027-W01", "slack:C1", pending_for=600) for s in (a, b) * 5)
    )
    assert sum(c is not None for c in claims) == 1
    await a.finish_post("weekly-theme", "2027-W01", "slack:C1", ok=True, attempts=1, ref="1.2")
    assert await b.post_status("weekly-theme", "2027-W01", "slack:C1") == "posted"


async def test_a_claim_left_by_a_dead_replica_is_taken_over_after_its_lease(
    two: tuple[Storage, Storage],
) -> None:
    a, b = two
    first = await a.claim_post("weekly-theme", "2027-W02", "slack:C1", pending_for=600)
    assert first is not None and first.taken_over is None
    assert await b.claim_post("weekly-theme", "2027-W02", "slack:C1", pending_for=600) is None
    later = await b.claim_post("weekly-theme", "2027-W02", "slack:C1", pending_for=-1)  # the lease ran out
    assert later is not None and later.taken_over is not None


async def test_one_slack_event_is_first_delivered_once_across_replicas(two: tuple[Storage, Storage]) -> None:
    a, b = two
    firsts = await asyncio.gather(*(s.first_delivery("Ev0SHARED") for s in (a, b) * 3))
    assert sum(firsts) == 1


async def test_teams_references_are_shared(two: tuple[Storage, Storage]) -> None:
    a, b = two
    await a.save_reference("teams:19:abc", "channel", {"conversation": {"id": "19:abc"}, "æ": "ø"})
    assert await b.reference("teams:19:abc") == {"conversation": {"id": "19:abc"}, "æ": "ø"}
    assert await b.delete_reference("teams:19:abc") and await a.reference("teams:19:abc") is None


async def test_the_published_knowledge_version_is_shared(two: tuple[Storage, Storage]) -> None:
    a, b = two
    assert await b.published_knowledge() is None
    await a.publish_knowledge("abc123")
    await a.publish_knowledge("def456")
    assert await b.published_knowledge() == "def456"


async def test_one_replica_leads_and_another_takes_over_when_it_goes(two: tuple[Storage, Storage]) -> None:
    a, b = two
    assert await a.lead()
    if not a.shared:  # SQLite: one process, which always runs its scheduler
        assert await b.lead()
        return
    assert await a.lead() and not await b.lead()
    a.close()  # the leader's session ends, and with it the lock
    assert await b.lead() and await b.lead()


def test_a_database_of_the_version_before_migrations_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
    store = Storage(path)
    try:
        assert store.revision
        assert asyncio.run(store.subscriptions()) == [("slack", "C1", "Allerød Kommune")]
        assert asyncio.run(store.post_status("weekly-theme", "2026-W01", "slack:C1")) == "posted"
        assert asyncio.run(store.unanswered()) == ["hvad er der til frokost"]
        assert asyncio.run(store.claim_post("weekly-theme", "2026-W01", "slack:C1")) is None
    finally:
        store.close()
    again = Storage(path)  # a second start finds nothing to do
    assert again.revision == store.revision
    again.close()


def test_db_upgrade_migrates_and_says_to_which_revision(
    database: Path | str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GRUNDLAGBOT_DB", str(database))
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out
    revisions = re.findall(r"schema at revision (\d+)", out)
    assert len(revisions) == 2 and revisions[0] == revisions[1] >= "0003"


def test_an_unreachable_postgresql_is_named_without_its_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GRUNDLAGBOT_DB", "postgresql://bot:s3cret@127.0.0.1:1/nowhere")
    assert main(["db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert "127.0.0.1:1/nowhere" in err and "s3cret" not in err and "Traceback" not in err
