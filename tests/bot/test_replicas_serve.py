"""Two ``grundlagbot serve`` processes on one PostgreSQL database (a throwaway cluster), against the
fake Slack: one event sent to both, and retried, gets one reply; a reload on one is served by both;
when the replica running the scheduler is killed, the other takes it over."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

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


@pytest.fixture
async def replicas(postgres: Cluster, fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[Replicas]:
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
        [str(EXE), "db", "upgrade"], env=env, capture_output=True, text=True, check=False
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
        running = Replicas(started[0], started[1], http, fake_slack, kdir)
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
