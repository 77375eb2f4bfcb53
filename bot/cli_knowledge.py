"""The knowledge commands of the CLI: ``ask``, ``chat`` and ``eval`` (``check``: bot/cli_check.py).

Each returns the process exit code. ``ask`` and ``chat`` answer with :func:`handlers.ask.answer`,
the same function the chat adapters use, so the terminal gives the answers Slack and Teams give.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import yaml

from bot import plain_render
from handlers.ask import answer
from handlers.messages import Reply
from handlers.settings import Settings
from handlers.why import explain
from knowledge.model import KnowledgeError
from knowledge.service import Snapshot, build_snapshot


def _snapshot(settings: Settings) -> Snapshot | None:
    try:
        return build_snapshot(settings.knowledge_dir)
    except KnowledgeError as exc:
        _print_problems(settings, exc)
        return None


def _print_problems(settings: Settings, exc: KnowledgeError) -> None:
    print(f"grundlagbot: the knowledge files in {settings.knowledge_dir} have problems:", file=sys.stderr)
    for problem in exc.problems:
        print(str(problem), file=sys.stderr)


def _lenient(stream: TextIO) -> TextIO:
    # Undecodable bytes on stdin become U+FFFD and get the "could not read" reply, not a traceback.
    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(errors="replace")
    return stream


def _json_line(reply: Reply) -> str:
    return json.dumps(plain_render.to_json(reply), ensure_ascii=False)


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    """Answer the question in the arguments, or each line of stdin as it arrives.

    One question is answered in full; on stdin each answer takes one line, as ``--json`` does.
    """
    snapshot = _snapshot(settings)
    if snapshot is None:
        return 1
    if args.question and getattr(args, "why", False):
        _write(explain(snapshot, " ".join(args.question), args.org))
        return 0
    if args.question:
        reply = answer(snapshot, " ".join(args.question), args.org)
        _write(_json_line(reply) if args.json else plain_render.render(reply))
        return 0
    show = _json_line if args.json else plain_render.one_line
    stdin = _lenient(sys.stdin)
    # readline, not iteration over a buffered read: each answer is written as its line arrives.
    while line := stdin.readline():
        _write(show(answer(snapshot, line.rstrip("\r\n"), args.org)))
    return 0


def run_chat(args: argparse.Namespace, settings: Settings) -> int:
    """An interactive chat on stdin/stdout until EOF or a goodbye.

    Every message goes through the same dispatcher as Slack and Teams messages (questions,
    "hjælp", "tema", "årshjul", …), so the terminal gives the answers the chat platforms give.
    """
    from bot.console import chat
    from bot.server import build_context

    try:
        ctx = build_context(settings)
    except KnowledgeError as exc:
        _print_problems(settings, exc)
        return 1
    try:
        return asyncio.run(chat(ctx, _lenient(sys.stdin)))
    finally:
        ctx.store.close()


@dataclass(frozen=True)
class Case:
    """One case of an eval file (format of ../shared/eval/dev.yaml)."""

    question: str
    phrases: tuple[str, ...]
    organization: str | None
    out_of_scope: bool
    category: str = ""  # optional `cat:` (short, long, situational, english, typos, roles, oos)
    asker: str | None = None  # optional `asker:`: asked by an employee of it, as `ask --org`


def _fold_space(text: str) -> str:
    return " ".join(text.split()).casefold()


def read_cases(path: Path) -> list[Case]:
    """The cases of an eval file; raises ValueError naming the case that is wrong."""
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: cannot be read: {exc}") from None
    if not isinstance(data, list) or not data:
        raise ValueError(f"{path}: expected a non-empty list of cases")
    cases = []
    for i, item in enumerate(data, 1):
        if not isinstance(item, dict) or not isinstance(item.get("q"), str):
            raise ValueError(f"{path}: case {i}: expected a mapping with a question 'q'")
        phrases = item.get("any") or []
        oos = bool(item.get("oos", False))
        valid = isinstance(phrases, list) and all(isinstance(p, str) for p in phrases)
        if not valid or not (phrases or oos):
            raise ValueError(f"{path}: case {i}: 'any' must be a list of phrases (or oos: true)")
        org, asker = item.get("org"), item.get("asker")
        category = str(item.get("cat") or ("oos" if oos else ""))
        cases.append(
            Case(
                item["q"],
                tuple(phrases),
                str(org) if org else None,
                oos,
                category,
                str(asker) if asker else None,
            )
        )
    return cases


def passes(case: Case, reply: Reply) -> bool:
    """Answered with one of the phrases in text + section + quote (from the organisation), or
    declined when out of scope."""
    if case.out_of_scope:
        return not reply.answered
    if not reply.answered or reply.source is None:
        return False
    source = reply.source
    return found_in(case, (plain_render.render(reply), source.section, source.quote), source.organization)


def found_in(case: Case, texts: tuple[str, ...], organization: str) -> bool:
    """One of the case's phrases is in ``texts``, and ``organization`` is the one expected."""
    haystack = _fold_space(" ".join(texts))
    if not any(_fold_space(p) in haystack for p in case.phrases):
        return False
    return case.organization is None or case.organization.casefold() in organization.casefold()


def describe(reply: Reply) -> str:
    """A reply in a few words: the entry it answered from, or that it declined."""
    if reply.answered and reply.source:
        where = f"{reply.source.organization} · {reply.source.section}"
        return f"answered “{reply.title}” [{where}] ({reply.score})"
    best = f"; did you mean “{reply.suggestions[0].title}”" if reply.suggestions else ""
    return f"declined ({reply.score}){best}"


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Score a question set: in-scope accuracy, out-of-scope declined, and each miss."""
    try:
        cases = read_cases(Path(args.file))
    except ValueError as exc:
        print(f"grundlagbot: {exc}", file=sys.stderr)
        return 2
    snapshot = _snapshot(settings)
    if snapshot is None:
        return 1
    misses: list[str] = []
    passed = {True: 0, False: 0}
    per_category: dict[str, list[int]] = {}
    for case in cases:
        reply = answer(snapshot, case.question, case.asker)
        ok = passes(case, reply)
        tally = per_category.setdefault(case.category, [0, 0])
        tally[0], tally[1] = tally[0] + int(ok), tally[1] + 1
        if ok:
            passed[case.out_of_scope] += 1
            continue
        want = "decline" if case.out_of_scope else " | ".join(case.phrases)
        org = f" (org {case.organization})" if case.organization else ""
        misses.append(f"- {case.question!r}: expected {want}{org}; {describe(reply)}")
        if getattr(args, "verbose_misses", False):
            misses.append("    " + plain_render.render(reply).replace("\n", "\n    "))
    in_scope = sum(1 for c in cases if not c.out_of_scope)
    oos = len(cases) - in_scope
    print(f"in scope: {passed[False]}/{in_scope} correct ({_pct(passed[False], in_scope)})")
    print(f"out of scope: {passed[True]}/{oos} declined ({_pct(passed[True], oos)})")
    if len(per_category) > 1 or "" not in per_category:
        for name, (right, n) in sorted(per_category.items()):
            print(f"  {name or 'other'}: {right}/{n} ({_pct(right, n)})")
    if misses:
        print("misses:")
        print("\n".join(misses))
    return 0


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"
