"""Reload timing: how long ``reload`` takes, and what it does to answers given meanwhile.

Run by hand from the checkout (results go in benchmarks/RESULTS-reload.md):

    .venv/bin/python benchmarks/bench_reload.py [--runs 5]

On a copy of the shipped knowledge files it measures: building a snapshot (load, validate,
index); the self-check of every entry (what a glossary edit costs, the worst case); a whole
reload through :class:`knowledge.reload.Reloader` after an edit of one document (its
organisation's entries are checked); and the latency of answers computed on the event loop, idle
and while a reload runs in its worker thread.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bot.config import PACKAGE_KNOWLEDGE
from handlers.ask import answer
from knowledge.reload import Reloader, self_check
from knowledge.service import KnowledgeService, build_snapshot


def pct(seconds: list[float], q: float) -> float:
    ordered = sorted(seconds)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def edit_one_document(folder: Path, run: int) -> None:
    """Reword the first title of the first document file, as an admin would."""
    path = next(
        p for p in sorted(folder.glob("*.yaml")) if re.search(r"^document:", p.read_text("utf-8"), re.M)
    )
    title = r"^(    title: [^'\"\n]*?)( \(rev \d+\))?$"
    text = re.sub(title, rf"\1 (rev {run})", path.read_text("utf-8"), count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")


async def answers_while(service: KnowledgeService, reloader: Reloader | None, idle: float) -> list[float]:
    """Answer latencies on the loop: for ``idle`` seconds, or while one reload runs."""
    questions = [e.questions[0] for e in service.current.kb.entries]
    task = asyncio.create_task(reloader.reload()) if reloader else None
    latencies: list[float] = []
    end = time.perf_counter() + idle
    while (task is not None and not task.done()) or (task is None and time.perf_counter() < end):
        started = time.perf_counter()
        answer(service.current, questions[len(latencies) % len(questions)])
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(0)
    if task is not None:
        assert (await task).ok
    return latencies


async def main(runs: int, source: Path) -> None:
    folder = Path(tempfile.mkdtemp()) / "knowledge"
    shutil.copytree(source, folder)
    service = KnowledgeService(folder)
    reloader = Reloader(service, folder)
    builds, checks, reloads = [], [], []
    for run in range(runs):
        started = time.perf_counter()
        new = build_snapshot(folder)
        builds.append(time.perf_counter() - started)
        started = time.perf_counter()
        self_check(service.current, new)
        checks.append(time.perf_counter() - started)
        edit_one_document(folder, run)
        report = await reloader.reload()
        assert report.ok and report.counts == (0, 0, 1), report
        reloads.append(report.seconds)
    kb = service.current.kb
    print(f"knowledge: {len(kb.documents)} documents, {len(kb.entries)} entries; {runs} runs (median)")
    print(f"build snapshot                {statistics.median(builds) * 1000:6.0f} ms")
    print(f"self-check, all entries       {statistics.median(checks) * 1000:6.0f} ms")
    slowest = max(reloads) * 1000
    print(f"reload after a document edit  {statistics.median(reloads) * 1000:6.0f} ms (max {slowest:.0f})")
    edit_one_document(folder, runs)
    for name, lat in (
        ("answers, idle", await answers_while(service, None, 2.0)),
        ("answers during a reload", await answers_while(service, reloader, 0)),
    ):
        print(f"{name:28s}  n={len(lat):5d}  p50 {pct(lat, 0.5):5.2f} ms  p99 {pct(lat, 0.99):6.2f} ms")
    shutil.rmtree(folder.parent)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Reload timing")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--knowledge", type=Path, default=PACKAGE_KNOWLEDGE)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.knowledge))
