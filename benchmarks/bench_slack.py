"""Slack over HTTP on loopback: ack latency and throughput of ``grundlagbot serve`` next to a bare
slack-bolt echo app (the framework's floor), at concurrency 1, 16 and 64. grundlagbot runs twice:
as shipped, and with its answer cache off (``knowledge.answer_cache: 0``), because the benchmark's
200 questions repeat and the shipped bot answers a repeated question from its cache.

Both servers get the same signed ``message.im`` events (questions taken from the knowledge files),
post their replies to the same fake Slack Web API, and run as their own processes; the load comes
from this process. Ours and bare alternate over a few rounds and the table shows the median round,
because the host may be shared. Request counts are bounded and every run has a deadline, so the
benchmark ends by itself. Prints Markdown; ``--out FILE`` also writes it.

    .venv/bin/python benchmarks/bench_slack.py --out benchmarks/RESULTS-slack.md
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-signing-secret"
LEVELS = ((1, 300), (16, 1200), (64, 1800))  # (concurrency, requests per round)
ROUNDS = 3
DEADLINE = 60.0  # seconds per run, whatever happens
Requests = list[tuple[bytes, dict[str, str]]]


# -- the fake Slack Web API (its own process) ---------------------------------------------------
def run_fake_api(port_file: str) -> None:
    posted = {"n": 0}

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        await request.read()
        if method == "auth.test":
            return web.json_response({"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T0"})
        if method == "chat.postMessage":
            posted["n"] += 1
        return web.json_response({"ok": True, "ts": "1700000000.000001"})

    async def count(request: web.Request) -> web.Response:
        return web.json_response(posted)

    async def serve() -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", api)
        app.router.add_get("/_count", count)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        Path(port_file).write_text(str(site._server.sockets[0].getsockname()[1]))  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(serve())


# -- the bare slack-bolt echo app (its own process) ---------------------------------------------
def run_bare(port: int, api_url: str) -> None:
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    client = AsyncWebClient(token="xoxb-bench", base_url=api_url)
    app = AsyncApp(client=client, signing_secret=SECRET)

    @app.event("message")
    async def echo(event: dict[str, Any], say: Any) -> None:
        await say(text=event.get("text", ""))

    async def shared_session(_: web.Application) -> None:
        client.session = aiohttp.ClientSession()  # the same connection pooling as grundlagbot

    web_app = app.web_app(path="/slack/events")
    web_app.on_startup.append(shared_session)
    web.run_app(web_app, host="127.0.0.1", port=port, print=None, access_log=None)


# -- the load generator (this process) ----------------------------------------------------------
@dataclass
class Result:
    latencies: list[float]
    seconds: float
    failed: int
    replies: int
    reply_seconds: float  # from the first request until the last reply reached the fake API

    def p(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def reply_rate(self) -> float:
        return self.replies / self.reply_seconds if self.reply_seconds else 0.0


def questions() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from knowledge.loader import load_knowledge

    kb = load_knowledge(ROOT / "knowledge" / "data")
    return [q for e in kb.entries for q in (e.questions_da[:1] + e.questions_en[:1])][:200]


def signed_events(n: int, tag: str, texts: list[str]) -> Requests:
    from slack_sdk.signature import SignatureVerifier

    verifier = SignatureVerifier(SECRET)
    out = []
    for i in range(n):
        user = f"U{i % 50:04d}"
        event = {"type": "message", "channel_type": "im", "user": user, "channel": "D" + user,
                 "text": texts[i % len(texts)], "ts": f"1700000000.{i:06d}"}  # fmt: skip
        payload = {"type": "event_callback", "team_id": "T0", "api_app_id": "A0", "event_id": f"Ev{tag}{i}",
                   "event": event, "authorizations": [{"user_id": "UBOT", "is_bot": True}]}  # fmt: skip
        body = json.dumps(payload).encode()
        stamp = str(int(time.time()))
        signature = str(verifier.generate_signature(timestamp=stamp, body=body))
        headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": stamp,
                   "X-Slack-Signature": signature}  # fmt: skip
        out.append((body, headers))
    return out


async def replies(session: aiohttp.ClientSession, api: str) -> int:
    async with session.get(api.replace("/api/", "/_count")) as r:
        return int((await r.json())["n"])


async def load(url: str | list[str], api: str, concurrency: int, requests: Requests) -> Result:
    """Send ``requests`` with ``concurrency`` in flight; then wait (bounded) for every reply.
    Given several URLs (replicas), the workers take turns between them, as a load balancer would."""
    urls = [url] if isinstance(url, str) else url
    latencies: list[float] = []
    failed = 0
    queue = iter(requests)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session, aiohttp.ClientSession() as probe:
        before = await replies(probe, api)
        started = time.perf_counter()
        deadline = started + DEADLINE

        async def worker(url: str) -> None:
            nonlocal failed
            for body, headers in queue:
                if time.perf_counter() > deadline:
                    return
                t0 = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as r:
                    await r.read()
                    if r.status == 200:
                        latencies.append(time.perf_counter() - t0)
                    else:
                        failed += 1

        await asyncio.gather(*(worker(urls[i % len(urls)]) for i in range(concurrency)))
        seconds = time.perf_counter() - started
        delivered = await replies(probe, api) - before
        while delivered < len(latencies) and time.perf_counter() < deadline:
            await asyncio.sleep(0.02)
            delivered = await replies(probe, api) - before
    return Result(latencies, seconds, failed, delivered, time.perf_counter() - started)


# -- orchestration ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 30) -> None:
    import urllib.error
    import urllib.request

    end = time.time() + timeout
    while time.time() < end:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up in {timeout:.0f}s")


def uncached_config(tmp: str) -> str:
    """The shipped app.yaml with the answer cache off (``knowledge.answer_cache: 0``)."""
    text = (ROOT / "app.yaml").read_text(encoding="utf-8")
    path_line = "  path: knowledge/data"
    if path_line not in text:
        raise SystemExit(f"app.yaml has no '{path_line}' to put answer_cache after")
    text = text.replace(path_line, f"  answer_cache: 0\n  path: {ROOT / 'knowledge' / 'data'}", 1)
    path = os.path.join(tmp, "uncached.yaml")
    Path(path).write_text(text, encoding="utf-8")
    return path


def start(tmp: str) -> tuple[list[subprocess.Popen[bytes]], str, list[str]]:
    """The fake API, ``grundlagbot serve`` (as shipped, and without its answer cache) and the bare
    app; returns (procs, api, the three /slack/events URLs)."""
    procs: list[subprocess.Popen[bytes]] = []
    port_file = os.path.join(tmp, "api.port")
    procs.append(subprocess.Popen([sys.executable, __file__, "--role", "fake-api", "--port-file", port_file]))
    for _ in range(100):
        if os.path.exists(port_file) and Path(port_file).read_text():
            break
        time.sleep(0.1)
    api = f"http://127.0.0.1:{Path(port_file).read_text()}/api/"
    ours, uncached, bare = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "GRUNDLAGBOT_"))}
    env |= {"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api,
            "GRUNDLAGBOT_DB": os.path.join(tmp, "bench.sqlite3")}  # fmt: skip
    exe = Path(sys.executable).with_name("grundlagbot")
    log = open(os.path.join(tmp, "serve.log"), "w")  # noqa: SIM115 - open while the servers run
    serve = [str(exe), "serve", "--host", "127.0.0.1", "--port", str(ours)]
    procs.append(subprocess.Popen(serve, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
    serve = [
        str(exe),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(uncached),
        "--config",
        uncached_config(tmp),
    ]
    env_uncached = env | {"GRUNDLAGBOT_DB": os.path.join(tmp, "uncached.sqlite3")}
    procs.append(subprocess.Popen(serve, cwd=ROOT, env=env_uncached, stdout=log, stderr=subprocess.STDOUT))
    echo = [sys.executable, __file__, "--role", "bare", "--port", str(bare), "--api-url", api]
    procs.append(subprocess.Popen(echo, stderr=subprocess.DEVNULL))
    wait_http(f"http://127.0.0.1:{ours}/healthz")
    wait_http(f"http://127.0.0.1:{uncached}/healthz")
    wait_http(f"http://127.0.0.1:{bare}/slack/events")
    return procs, api, [f"http://127.0.0.1:{p}/slack/events" for p in (ours, uncached, bare)]


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


Row = tuple[int, int, list[Result], list[Result], list[Result]]  # ours, uncached, bare


async def bench() -> tuple[list[Row], str]:
    texts = questions()
    load_before = os.getloadavg()[0]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-slack-") as tmp:
        procs, api, urls = start(tmp)
        try:
            for url in urls:  # warm up: auth.test, connection pools, first answers
                await load(url, api, 4, signed_events(50, "warm", texts))
            for concurrency, n in LEVELS:
                ours: list[Result] = []
                uncached: list[Result] = []
                bare: list[Result] = []
                for r in range(ROUNDS):
                    order = list(zip(urls, (ours, uncached, bare), "oub", strict=True))
                    for url, results, tag in order[r % 3 :] + order[: r % 3]:  # each goes first once
                        events = signed_events(n, f"{tag}{concurrency}-{r}-", texts)
                        results.append(await load(url, api, concurrency, events))
                rows.append((concurrency, n, ours, uncached, bare))
            work = [await answer_ms(url.replace("/slack/events", "/metrics")) for url in urls[:2]]
        finally:
            stop(procs)
    loads = f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
    return rows, (
        f"{loads}; grundlagbot spent a mean {work[1]:.2f} ms composing each answer without its cache, "
        f"{work[0]:.2f} ms with it (its /metrics)"
    )


async def answer_ms(metrics_url: str) -> float:
    """Mean time grundlagbot took to compose an answer (the matcher), from its /metrics."""
    async with aiohttp.ClientSession() as session, session.get(metrics_url) as r:
        lines = dict(
            line.rsplit(" ", 1) for line in (await r.text()).splitlines() if not line.startswith("#")
        )
    return (
        1000
        * float(lines["grundlagbot_answer_seconds_sum"])
        / float(lines["grundlagbot_answer_seconds_count"])
    )


def report(rows: list[Row]) -> str:
    """One row per level; each cell reads ours / ours without the answer cache / bare."""
    lines = [
        "| concurrency | requests × rounds | ack p50 ms | ack p99 ms | acks/s | replies/s "
        "| **replies/s ÷ bare's** | **ack p50 ÷ bare's** | replies delivered | failed |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def each(values: list[float], digits: int) -> str:
        return " / ".join(f"{v:.{digits}f}" for v in values)

    for c, n, *sides in rows:
        p50 = [statistics.median(x.p(0.5) for x in side) for side in sides]
        p99 = [statistics.median(x.p(0.99) for x in side) for side in sides]
        rate = [statistics.median(x.rate for x in side) for side in sides]
        replies = [statistics.median(x.reply_rate for x in side) for side in sides]
        lines.append(
            f"| {c} | {n} × {len(sides[0])} | {each(p50, 2)} | {each(p99, 2)} | {each(rate, 0)} "
            f"| {each(replies, 0)} | {each([r / replies[2] for r in replies[:2]], 2)} "
            f"| {each([p / p50[2] for p in p50[:2]], 2)} "
            f"| {each([sum(x.replies for x in side) for side in sides], 0)} "
            f"| {each([sum(x.failed for x in side) for side in sides], 0)} |"
        )
    return "\n".join(lines)


def versions() -> str:
    from importlib.metadata import version

    libs = ", ".join(f"{p} {version(p)}" for p in ("slack-bolt", "slack-sdk", "aiohttp"))
    return f"Python {platform.python_version()}, {libs}; {os.cpu_count()} CPUs, {platform.machine()}"


def main() -> None:
    parser = argparse.ArgumentParser(description="Slack ack latency and throughput: ours vs bare slack-bolt")
    parser.add_argument("--role", choices=["bench", "fake-api", "bare"], default="bench")
    parser.add_argument("--port-file")
    parser.add_argument("--port", type=int)
    parser.add_argument("--api-url")
    parser.add_argument("--out", help="also write the Markdown report here")
    args = parser.parse_args()
    if args.role == "fake-api":
        return run_fake_api(args.port_file)
    if args.role == "bare":
        return run_bare(args.port, args.api_url)
    rows, loads = asyncio.run(bench())
    text = "\n\n".join(
        [
            "# Slack: ack latency and throughput, grundlagbot vs a bare slack-bolt echo app",
            "Signed `message.im` events over HTTP on loopback, from 50 users in their DMs, with 200 "
            "questions taken from the knowledge files (so questions repeat, and most follow an earlier "
            "answer in the same DM). grundlagbot answers each from the knowledge base (follow-up "
            "reading, matching, anonymous statistics in SQLite, Block Kit): as shipped, where a "
            "question asked again on the same knowledge is answered from its answer cache, and with "
            "the cache off (`knowledge.answer_cache: 0`), where every message is matched. The bare "
            "app echoes the text. All three post their reply to the same fake Slack Web API (its own "
            "process). Each cell reads ours / ours without the cache / bare. Latency is the time to "
            "the HTTP acknowledgement; acks/s counts acknowledged requests per second; replies/s counts "
            "the replies that reached the fake API per second, until the last one. The three servers "
            f"take turns over {ROUNDS} rounds per level and the table shows the median round.",
            "Run with:\n\n    .venv/bin/python benchmarks/bench_slack.py --out benchmarks/RESULTS-slack.md",
            f"Machine: {versions()}; {loads}.",
            report(rows),
        ]
    )
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
