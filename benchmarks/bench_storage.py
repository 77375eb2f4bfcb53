"""Replies per second with the state in SQLite, in PostgreSQL, and with two replicas sharing one
PostgreSQL database: signed ``message.im`` events over loopback HTTP, as ``bench_slack.py`` sends
them, to ``grundlagbot serve`` as shipped (every event costs an event-id insert and a statistics
write). The PostgreSQL server is a throwaway cluster on 127.0.0.1 (``tests/postgres.py``: Debian's
server binaries, fsync off as in the tests). Medians of a few rounds; prints Markdown, ``--out
FILE`` also writes it.

    .venv/bin/python benchmarks/bench_storage.py --out benchmarks/RESULTS-storage.md
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_slack import ROOT, SECRET, Result, free_port, load, questions, signed_events, stop, wait_http

from tests.postgres import cluster

LEVELS = ((16, 1200), (64, 1800))  # (concurrency, events per round)
ROUNDS = 3


def fake_api(tmp: str) -> tuple[subprocess.Popen[bytes], str]:
    port_file = os.path.join(tmp, "api.port")
    bench_slack = str(Path(__file__).with_name("bench_slack.py"))
    proc = subprocess.Popen([sys.executable, bench_slack, "--role", "fake-api", "--port-file", port_file])
    for _ in range(100):
        if os.path.exists(port_file) and Path(port_file).read_text():
            break
        time.sleep(0.1)
    return proc, f"http://127.0.0.1:{Path(port_file).read_text()}/api/"


def serve(tmp: str, api: str, db: str, replicas: int) -> tuple[list[subprocess.Popen[bytes]], list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "GRUNDLAGBOT_"))}
    env |= {"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api,
            "GRUNDLAGBOT_DB": db}  # fmt: skip
    exe = Path(sys.executable).with_name("grundlagbot")
    procs, urls = [], []
    log = open(os.path.join(tmp, "serve.log"), "a")  # noqa: SIM115 - open while the servers run
    for _ in range(replicas):
        port = free_port()
        cmd = [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port)]
        procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        urls.append(f"http://127.0.0.1:{port}")
    for url in urls:
        wait_http(f"{url}/healthz", timeout=60)
    return procs, [f"{url}/slack/events" for url in urls]


async def measure(urls: list[str], api: str, tag: str) -> list[tuple[int, Result]]:
    texts = questions()
    out = []
    for concurrency, n in LEVELS:
        rounds = []
        for r in range(ROUNDS):
            rounds.append(
                await load(urls, api, concurrency, signed_events(n, f"{tag}{concurrency}r{r}", texts))
            )
        rounds.sort(key=lambda x: x.reply_rate)
        out.append((concurrency, rounds[len(rounds) // 2]))
    return out


def report(results: dict[str, list[tuple[int, Result]]]) -> str:
    lines = [
        "| storage | concurrency | replies/s | ack p50 ms | ack p99 ms | replies delivered | failed |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, rows in results.items():
        for concurrency, r in rows:
            lines.append(
                f"| {name} | {concurrency} | {r.reply_rate:.0f} | {r.p(0.5):.1f} | {r.p(0.99):.1f} "
                f"| {r.replies}/{len(r.latencies)} | {r.failed} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Slack replies/s with SQLite, PostgreSQL and two replicas")
    parser.add_argument("--out", help="also write the Markdown report here")
    args = parser.parse_args()
    results: dict[str, list[tuple[int, Result]]] = {}
    with tempfile.TemporaryDirectory() as tmp, cluster() as pg:
        api_proc, api = fake_api(tmp)
        try:
            setups = [
                ("SQLite, 1 process", os.path.join(tmp, "bench.sqlite3"), 1),
                ("PostgreSQL, 1 process", pg.database(), 1),
                ("PostgreSQL, 2 replicas", pg.database(), 2),
            ]
            for name, db, replicas in setups:
                procs, urls = serve(tmp, api, db, replicas)
                try:
                    results[name] = asyncio.run(measure(urls, api, f"{len(results)}x"))
                finally:
                    stop(procs)
        finally:
            stop([api_proc])
    medians = {name: statistics.median(r.reply_rate for _, r in rows) for name, rows in results.items()}
    text = "\n\n".join(
        [
            "# Slack replies per second: SQLite, PostgreSQL, two replicas on PostgreSQL",
            f"{time.strftime('%Y-%m-%d')}, {platform.python_version()}, {os.cpu_count()} cores "
            "(shared with other work: the numbers are noisy). Medians of "
            f"{ROUNDS} rounds per level; grundlagbot as shipped (answer cache on), every event an "
            "event-id insert and a statistics write.",
            report(results),
            "Median over levels: " + ", ".join(f"{k} {v:.0f}/s" for k, v in medians.items()) + ".",
        ]
    )
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
