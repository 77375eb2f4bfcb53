"""``grundlagbot schedule`` and ``grundlagbot post``, run as the command line runs them.

``post`` runs its own event loop (asyncio.run), so it runs in a worker thread here while the fake
Slack keeps answering on the test's loop.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli import build_parser
from bot.cli_schedule import run_post, run_schedule
from bot.storage import Storage
from handlers.services import PostRecord
from tests.aiohttp_types import AiohttpServer
from tests.bot.slack_fakes import FakeSlack
from tests.scheduler.helpers import ALLEROD, settings


def subscribe(db: Path, channel: str) -> None:
    store = Storage(db)
    asyncio.run(store.subscribe("slack", channel, ALLEROD))
    store.close()


async def records(db: Path, status: str | None = None) -> list[PostRecord]:
    store = Storage(db)
    try:
        return await store.post_records(status)
    finally:
        store.close()


def run(argv: list[str], db: Path, fake: FakeSlack | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = run_schedule if args.command == "schedule" else run_post
    return command(args, settings(db, fake))


def test_schedule_json_is_a_time_ordered_half_year(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run(["schedule", "--from", "2027-01-04", "--weeks", "26", "--json"], tmp_path / "none.sqlite3") == 0
    )
    items = json.loads(capsys.readouterr().out)

    assert not (tmp_path / "none.sqlite3").exists()  # a preview creates no database
    ats = [datetime.fromisoformat(i["at"]) for i in items]
    assert ats == sorted(ats) and all(a.utcoffset() is not None for a in ats)
    assert all({"job", "at", "organization", "title", "targets"} <= i.keys() for i in items)
    assert {i["job"] for i in items} == {"weekly-theme", "med-reminder"}
    weekly = [i for i in items if i["job"] == "weekly-theme" and i["organization"] == ALLEROD]
    assert len(weekly) == 26 and all(i["targets"] == [] for i in weekly)  # no subscribers yet
    assert len({i["title"] for i in weekly[:5]}) == 5 and [i["title"] for i in weekly[5:10]] == [
        i["title"] for i in weekly[:5]
    ]
    winter, summer = datetime.fromisoformat(weekly[0]["at"]), datetime.fromisoformat(weekly[-1]["at"])
    assert (winter.hour, winter.utcoffset(), summer.hour, summer.utcoffset()) == (
        9,
        timedelta(hours=1),
        9,
        timedelta(hours=2),
    )
    assert "2027-03-30T09:00:00+02:00" in [i["at"] for i in weekly]  # Easter Monday moved to Tuesday
    reminders = [i for i in items if i["job"] == "med-reminder"]
    assert reminders and all(i["targets"] == ["slack:U0CHAIR"] for i in reminders)


def test_schedule_shows_subscribed_channels_as_targets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "bot.sqlite3"
    subscribe(db, "C0THEME")
    assert run(["schedule", "--from", "2027-01-04", "--weeks", "1"], db) == 0
    table = capsys.readouterr().out
    line = next(row for row in table.splitlines() if ALLEROD in row and "weekly-theme" in row)
    assert "2027-01-04 09:00 +0100" in line and "slack:C0THEME" in line


async def test_post_posts_once_per_week_and_dry_run_posts_nothing(
    tmp_path: Path, fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "bot.sqlite3"
    await asyncio.to_thread(subscribe, db, "C0THEME")

    async def post(*argv: str) -> int:
        return await asyncio.to_thread(run, ["post", "weekly-theme", *argv], db, fake_slack)

    assert await post("--date", "2027-01-04", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "Ugens tema" in out and "dry-run" in out and "slack:C0THEME" in out
    assert fake_slack.posts() == [] and await records(db) == []

    assert await post("--date", "2027-01-04") == 0
    assert await post("--date", "2027-01-04") == 0
    assert await post("--date", "2027-01-11") == 0
    posts = fake_slack.posts("C0THEME")
    assert len(posts) == 2 and posts[0].text() != posts[1].text()
    assert "already" in capsys.readouterr().out

    assert await post("--date", "2027-07-26") == 0  # week 30, a pause week
    assert "pause" in capsys.readouterr().out and len(fake_slack.posts()) == 2


class RefusingSlack(FakeSlack):
    """A Slack that refuses every post: the channel does not exist (HTTP 200, ok=false)."""

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "chat.postMessage":
            return {"ok": False, "error": "channel_not_found"}
        return super()._answer(method, body)


async def test_post_exits_1_when_a_post_failed(
    tmp_path: Path, aiohttp_server: AiohttpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    refusing = RefusingSlack()
    refusing.port = (await aiohttp_server(refusing.app())).port
    db = tmp_path / "bot.sqlite3"
    await asyncio.to_thread(subscribe, db, "C0GONE")

    code = await asyncio.to_thread(run, ["post", "weekly-theme", "--date", "2027-01-04"], db, refusing)

    assert code == 1 and "channel_not_found" in capsys.readouterr().out
    assert len(refusing.posts("C0GONE")) == 1  # refused for good: not retried
    assert (await records(db, "failed"))[0].target == "slack:C0GONE"


async def test_post_med_reminders_dms_the_chairs(
    tmp_path: Path, fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await asyncio.to_thread(
        run, ["post", "med-reminders", "--date", "2027-08-18"], tmp_path / "b.sqlite3", fake_slack
    )
    assert code == 0 and "posted" in capsys.readouterr().out
    [dm] = fake_slack.posts("DU0CHAIR")
    assert "Budget for næste år" in dm.text()
