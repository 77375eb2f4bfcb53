"""Benchmark the knowledge base: load and build time, memory, and answer latency.

Run by hand from the checkout:

    .venv/bin/python benchmarks/bench_knowledge.py [--scale 100] [--questions 400]

It measures the real knowledge files and a synthetic knowledge base ``--scale`` times larger,
made by recombining and perturbing the real entries' words under new ids (so the vocabulary
grows as it would with more documents: new words, typos, new compounds), written to a temporary
directory and loaded through the real loader. Questions are varied: the entries' own questions
with typos and without æ/ø/å, the question sets of the project, out-of-scope questions, chatty
messages and a 40,000-character paste. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handlers.ask import answer  # noqa: E402
from knowledge import loader  # noqa: E402
from knowledge.loader import load_knowledge  # noqa: E402
from knowledge.matcher import Matcher  # noqa: E402
from knowledge.model import Entry, KnowledgeBase  # noqa: E402
from knowledge.service import Snapshot  # noqa: E402

REAL = ROOT / "knowledge" / "data"
QUESTION_SETS = [
    ROOT / "tests" / "knowledge" / "sets" / "tuning_own.yaml",
    ROOT.parent / "shared" / "eval" / "dev.yaml",
]
FILLER = [
    "Hej, jeg håber du har en god dag.",
    "Jeg er ret ny her og kender ikke alle regler endnu.",
    "Hi, sorry to bother you, I just started in the team last month.",
    "Vi havde personalemøde i går, og der kom et spørgsmål op.",
]
OUT_OF_SCOPE = [
    "hvad er der til frokost i kantinen", "hvordan nulstiller jeg min adgangskode", "hvad er klokken",
    "what's the weather tomorrow", "hvornår kører bussen", "can I bring my dog to work", "qwerty",
    "hvordan installerer jeg teams på min telefon", "hvor meget pension får jeg", "asdf jkl",
]  # fmt: skip


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The median wall time of ``repeat`` calls (seconds) and the last result."""
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("drop", "swap", "double"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "swap":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def ascii_danish(text: str) -> str:
    return text.replace("æ", "ae").replace("ø", "o").replace("å", "aa").replace("Æ", "Ae").replace("Ø", "O")


def questions(kb: KnowledgeBase, count: int, rng: random.Random) -> list[str]:
    """A varied, reproducible set of questions for ``kb``."""
    pool = [q for e in kb.entries for q in e.questions]
    out: list[str] = []
    for path in QUESTION_SETS:
        if path.is_file():
            out += [case["q"] for case in yaml.safe_load(path.read_text(encoding="utf-8"))]
    while len(out) < count * 0.6:
        q = rng.choice(pool)
        r = rng.random()
        if r < 0.4:
            q = " ".join(typo(w, rng) for w in q.split())
        elif r < 0.6:
            q = ascii_danish(q)
        out.append(q)
    while len(out) < count * 0.85:
        out.append(rng.choice(OUT_OF_SCOPE))
    while len(out) < count - 1:
        out.append(" ".join(rng.sample(FILLER, 2)) + " " + rng.choice(pool) + "?")
    out.append(("Kære HR. " * 400 + rng.choice(pool) + " ") * 10)  # ~40,000 characters
    rng.shuffle(out)
    return out[:count]


def latencies(snapshot: Snapshot, asked: list[str]) -> list[float]:
    for q in asked[:20]:  # warm the caches a little, as a running bot would be
        answer(snapshot, q)
    # As a server does after loading: the knowledge base's objects leave the collector's
    # young generations, so a collection does not walk them in the middle of an answer.
    gc.collect()
    gc.freeze()
    out = []
    for q in asked:
        started = time.perf_counter()
        answer(snapshot, q)
        out.append((time.perf_counter() - started) * 1000)
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# -- the synthetic knowledge base ----------------------------------------------------------------


def mutate(word: str, rng: random.Random, vocabulary: list[str]) -> str:
    r = rng.random()
    if r < 0.4:
        return typo(word, rng) + rng.choice(("", "s", "en", "er"))
    if r < 0.7 and len(word) > 3:  # a new compound
        return word + rng.choice(vocabulary)
    return rng.choice(vocabulary)


def perturb(text: str, rng: random.Random, vocabulary: list[str], rate: float = 0.25) -> str:
    return " ".join(
        mutate(w, rng, vocabulary) if w.isalpha() and rng.random() < rate else w for w in text.split()
    )


def synthetic_entry(entry: Entry, copy: int, rng: random.Random, vocabulary: list[str]) -> dict[str, Any]:
    def p(text: str) -> str:
        return perturb(text, rng, vocabulary)

    return {
        "id": f"{entry.id}-s{copy}",
        "kind": entry.kind,
        "section": p(entry.section),
        "title": p(entry.title),
        "answer": {"da": p(entry.answer.da), "en": p(entry.answer.en)},
        "quote": p(entry.quote),
        "questions": {"da": [p(q) for q in entry.questions_da], "en": [p(q) for q in entry.questions_en]},
        "keywords": [p(k) for k in entry.keywords],
    }


def write_synthetic(kb: KnowledgeBase, scale: int, directory: Path, rng: random.Random) -> None:
    """``scale`` times the real entries: the real files plus ``scale - 1`` perturbed copies."""
    vocabulary = sorted(
        {w.strip(".,:;!?()”“\"'").lower() for e in kb.entries for w in e.quote.split()} - {""}
    )
    for f in REAL.glob("*.yaml"):
        (directory / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    for copy in range(1, scale):
        for doc in kb.documents:
            data = {
                "organization": f"{doc.organization} {copy}",
                "aliases": [f"{a}{copy}" for a in doc.aliases],
                "document": doc.title,
                "entries": [synthetic_entry(e, copy, rng, vocabulary) for e in doc.entries],
            }
            name = f"synthetic-{copy:03d}-{Path(doc.file).stem}.yaml"
            text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
            (directory / name).write_text(text, encoding="utf-8")


# -- measuring -------------------------------------------------------------------------------------


def measure(label: str, path: Path, count: int, rng: random.Random) -> dict[str, str]:
    load_s, kb = timed(lambda: load_knowledge(path), 3)
    build_s, matcher = timed(lambda: Matcher(kb), 3 if len(kb.entries) < 1000 else 1)
    tracemalloc.start()
    Matcher(load_knowledge(path))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    snapshot = Snapshot(kb, matcher)
    ms = latencies(snapshot, questions(kb, count, rng))
    gc.unfreeze()
    return {
        "knowledge base": label,
        "entries": str(len(kb.entries)),
        "stems": str(len(matcher.index.postings)),
        "load": f"{load_s * 1000:.0f} ms",
        "build index": f"{build_s * 1000:.0f} ms",
        "peak memory (load+build)": f"{peak / 2**20:.0f} MB",
        "questions": str(len(ms)),
        "p50": f"{percentile(ms, 50):.2f} ms",
        "p90": f"{percentile(ms, 90):.2f} ms",
        "p99": f"{percentile(ms, 99):.2f} ms",
        "max": f"{max(ms):.2f} ms",
    }


def table(rows: list[dict[str, str]]) -> str:
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(r[k] for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=int, default=100, help="size of the synthetic knowledge base (default 100×)"
    )
    parser.add_argument(
        "--questions", type=int, default=400, help="questions per knowledge base (default 400)"
    )
    args = parser.parse_args()
    rng = random.Random(20240601)
    rows = [measure("real", REAL, args.questions, rng)]
    with tempfile.TemporaryDirectory() as tmp:
        write_synthetic(load_knowledge(REAL), args.scale, Path(tmp), rng)
        # The synthetic base measures how matching scales beyond what the bot accepts: the size
        # limits that `check` and `reload` enforce (knowledge/loader.py) are lifted for it alone.
        loader.MAX_TOTAL_BYTES = loader.MAX_FILES = 10**12
        rows.append(measure(f"synthetic {args.scale}×", Path(tmp), args.questions, rng))
    print(table(rows))
    print(f"\nPython {sys.version.split()[0]}, max RSS of the process {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
