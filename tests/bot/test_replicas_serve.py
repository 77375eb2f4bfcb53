"""Two ``grundlagbot serve`` processes on one PostgreSQL database (a throwaway cluster), against the
fake Slack: one event sent to both, and retried, gets one reply; a reload on one is served by both;
when the replica running the scheduler is killed, the other takes it over, and killed in the middle
of a weekly-theme run, each channel still gets exactly one post."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import yaml

from handlers.rotation import WEEKDAYS, ThemeCalendar
from tests.bot.slack_fakes import SECRET, FakeSlack, Signer
from tests.bot.test_slack import HEALTH_CHECK, dm
from tests.knowledge.edits import copy_knowledge, document_files, organizations_with_one_file
from tests.postgres import Cluster

pytestmark = pytest.mark.slow
EXE = Path(sys.executable).parent / "grundlagbot"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Replica:
    proc: subprocess.Popen[bytes]
    port: int

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@dataclass
class Replicas:
    a: Replica
    b: Replica
    http: aiohttp.ClientSession
    slack: FakeSlack
    kdir: Path
    db: str  # the database's URL

    async def health(self, replica: Replica) -> dict[str, Any]:
        async with self.http.get(replica.url("/healthz")) as response:
            body: dict[str, Any] = await response.json()
            return body

    async def until(
        self, replica: Replica, ready: Callable[[dict[str, Any]], bool], seconds: float
    ) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if ready(health := await self.health(replica)):
                    return health
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
        raise AssertionError(f"replica on port {replica.port} did not get there in {seconds} s")


@asynccontextmanager
async def serve_replicas(postgres: Cluster, fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[Replicas]:
    """Two ``grundlagbot serve`` on one new database, in ``tmp_path`` (its app.yaml, if any)."""
    kdir = copy_knowledge(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "GRUNDLAGBOT_"))}
    env |= {
        "GRUNDLAGBOT_DB": postgres.database(),
        "GRUNDLAGBOT_KNOWLEDGE": str(kdir),
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake_slack.api_url,
    }
    upgraded = subprocess.run(
        [str(EXE), "db", "upgrade"], env=env, cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert upgraded.returncode == 0, upgraded.stderr
    started = []
    for _ in range(2):
        port = _free_port()
        cmd = [str(EXE), "serve", "--host", "127.0.0.1", "--port", str(port)]
        proc = subprocess.Popen(
            cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        started.append(Replica(proc, port))
    async with aiohttp.ClientSession() as http:
        running = Replicas(started[0], started[1], http, fake_slack, kdir, env["GRUNDLAGBOT_DB"])
        try:
            for replica in started:
                await running.until(replica, lambda h: True, 60)
            yield running
        finally:
            for replica in started:
                replica.proc.terminate()
            for replica in started:
                try:
                    replica.proc.wait(15)
                except subprocess.TimeoutExpired:
                    replica.proc.kill()


@pytest.fixture
async def replicas(postgres: Cluster, fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[Replicas]:
    async with serve_replicas(postgres, fake_slack, tmp_path) as running:
        yield running


def _content(health: dict[str, Any]) -> str:
    return str(health["knowledge"]["version"]).split(".")[0]


async def test_two_replicas_answer_once_reload_together_and_fail_over(replicas: Replicas) -> None:
    a, b = replicas.a, replicas.b
    assert _content(await replicas.health(a)) == _content(await replicas.health(b))

    # One event, delivered to both replicas and retried: one reply.
    event = dm(HEALTH_CHECK, "Ev0TWOREPLICAS")
    for replica, retry in ((a, None), (b, None), (b, 1), (a, 2)):
        body, headers = Signer().json(event, retry=retry)
        async with replicas.http.post(replica.url("/slack/events"), data=body, headers=headers) as response:
            assert response.status == 200
    await replicas.slack.wait(lambda c: c in replicas.slack.posts("D0EMPLOYEE"), timeout=10)
    await asyncio.sleep(1.5)
    assert len(replicas.slack.posts("D0EMPLOYEE")) == 1

    # A reload on one replica (SIGHUP, as an admin's reload) is served by both.
    before = await replicas.health(b)
    document_files(replicas.kdir)[organizations_with_one_file(replicas.kdir)[0]].unlink()
    a.proc.send_signal(signal.SIGHUP)
    after_a = await replicas.until(a, lambda h: _content(h) != _content(before), 30)
    started = time.monotonic()
    after_b = await replicas.until(b, lambda h: _content(h) == _content(after_a), 30)
    assert time.monotonic() - started < 5 and after_b["knowledge"]["in_sync"]
    assert after_b["knowledge"]["entries"] == after_a["knowledge"]["entries"] < before["knowledge"]["entries"]

    # One replica runs the scheduler; killed, the other takes over.
    await replicas.until(a, lambda h: True, 1)
    leader, other = (a, b) if (await replicas.health(a))["scheduler_running"] else (b, a)
    assert (await replicas.health(leader))["scheduler_running"] and not (await replicas.health(other))[
        "scheduler_running"
    ]
    leader.proc.kill()
    started = time.monotonic()
    await replicas.until(other, lambda h: bool(h["scheduler_running"]), 60)
    assert time.monotonic() - started < 60


THEME_CHANNELS = ("C0THEME1", "C0THEME2", "C0THEME3", "C0THEME4")
ANSWER_AFTER = 3.0  # seconds the fake Slack takes to answer a chat.postMessage it has accepted
CLAIM_TIMEOUT = 1  # schedule.claim_timeout_seconds: a dead run's claim is taken over after this


def _theme_due_now(tmp_path: Path) -> None:
    """An app.yaml whose weekly theme was due a minute ago (today's posting day), to the channels:
    the replica that takes the scheduler catches the run up at once."""
    now = datetime.now(ZoneInfo("Europe/Copenhagen"))
    at = (
        max(now - timedelta(minutes=1), now.replace(hour=0, minute=0)).time().replace(second=0, microsecond=0)
    )
    day = next(
        (d for d in WEEKDAYS if ThemeCalendar(WEEKDAYS.index(d), at).posting_date(now.date()) == now.date()),
        None,
    )
    if day is None:  # a run of public holidays: no weekday's theme is posted today
        pytest.skip(f"no weekly theme can fall on {now.date()}")
    config = {
        "schedule": {
            "claim_timeout_seconds": CLAIM_TIMEOUT,
            "weekly_theme": {"day": day, "time": at.strftime("%H:%M"), "pause_weeks": []},
        },
        "organizations": [{"name": "Allerød Kommune", "channels": {"slack": list(THEME_CHANNELS)}}],
    }
    (tmp_path / "app.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")


def _post_log(postgres: Cluster, db: str) -> dict[str, str]:
    psql = [str(postgres.bindir / "psql"), "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "postgres"]
    query = "SELECT target, status FROM post_log WHERE job = 'weekly-theme'"
    rows = subprocess.run(
        [*psql, "-d", db.rsplit("/", 1)[1], "-At", "-F", " ", "-c", query],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(line.split(" ", 1) for line in rows.stdout.splitlines())


async def test_killing_the_leader_mid_run_leaves_each_channel_exactly_one_post(
    postgres: Cluster, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    _theme_due_now(tmp_path)
    fake_slack.slow["chat.postMessage"] = ANSWER_AFTER
    async with serve_replicas(postgres, fake_slack, tmp_path) as replicas:
        # The leader posts to one channel after the other; Slack takes its time over each.
        [_, second] = await fake_slack.wait(lambda c: c.method == "chat.postMessage", timeout=60, count=2)
        accepted = time.monotonic()
        health = {r.port: await replicas.health(r) for r in (replicas.a, replicas.b)}
        leader, other = (
            (replicas.a, replicas.b)
            if health[replicas.a.port]["scheduler_running"]
            else (replicas.b, replicas.a)
        )
        assert health[leader.port]["scheduler_running"] and not health[other.port]["scheduler_running"]
        # Killed while Slack has accepted the second post and not yet answered: its claim is left
        # pending (older than the claim timeout), the channels after it are not claimed at all.
        await asyncio.sleep(accepted + CLAIM_TIMEOUT + 0.8 - time.monotonic())
        leader.proc.kill()
        assert len(fake_slack.posts()) == 2

        await replicas.until(other, lambda h: bool(h["scheduler_running"]), 60)
        await fake_slack.wait(lambda c: c.method == "chat.postMessage", timeout=60, count=len(THEME_CHANNELS))
        await asyncio.sleep(ANSWER_AFTER + 1)  # the last answer, and anything more that would come

        assert {ch: len(fake_slack.posts(ch)) for ch in THEME_CHANNELS} == dict.fromkeys(THEME_CHANNELS, 1)
        looked_up = [c.body.get("channel") for c in fake_slack.calls if c.method == "conversations.history"]
        assert looked_up == [second.body["channel"]]  # the pending claim was found in the channel
        assert _post_log(postgres, replicas.db) == {f"slack:{ch}": "posted" for ch in THEME_CHANNELS}
