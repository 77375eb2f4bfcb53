"""``grundlagbot check``: validate knowledge files as a reload would, and more.

It says which folder and files it loaded, validates them (``file:line: message`` per problem),
runs the reload's self-check (every entry must answer its own first question), verifies each
quote against its ``source:`` text when that is present (:mod:`knowledge.sources`), lists the
entries still marked ``draft: true`` and, with ``--against SET.yaml…``, shows how the answers of
question sets move from the serving knowledge (the configured folder) to the checked one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli_knowledge import Case, describe, passes, read_cases
from handlers.ask import answer
from handlers.messages import Reply
from handlers.settings import Settings
from knowledge.loader import knowledge_files, summarize
from knowledge.model import KnowledgeError, Problem
from knowledge.reload import self_check
from knowledge.service import Snapshot, build_snapshot
from knowledge.sources import check_quotes, source_path

MAX_DRAFTS = 20  # draft ids listed; the count says the rest


def _same(paths: list[Path], folder: Path) -> bool:
    return len(paths) == 1 and paths[0].resolve() == folder.resolve()


def run_check(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 1 with ``file:line: message`` per problem, or print a summary and exit 0."""
    paths = [Path(p) for p in args.paths] or [settings.knowledge_dir]
    files = knowledge_files(paths)
    print(f"Checking {', '.join(str(p) for p in paths)}: {len(files)} files")
    for file in files:
        print(f"  {file}")
    try:
        new = build_snapshot(paths)
    except KnowledgeError as exc:
        return _fail(exc.problems)
    serving = None if _same(paths, settings.knowledge_dir) else _serving(settings.knowledge_dir)
    problems = self_check(serving, new)
    if serving is None:
        # Checked in place: what the running bot holds is unknown, and a reload refuses only an
        # entry that answered its question before the edit. Said, not failed.
        for problem in problems:
            print(f"note: {problem} (a reload refuses this if the entry answered it before your edit)")
        problems = []
    quote_problems, notes = check_quotes(new.kb.documents)
    problems += quote_problems
    for note in notes:
        print(f"note: {note}")
    for document in new.kb.documents:
        source = source_path(document)
        if source is not None:
            print(f"Quotes of {Path(document.file).name} checked against {source}")
    drafts = [e.id for e in new.kb.entries if e.draft]
    if drafts:
        shown = ", ".join(drafts[:MAX_DRAFTS]) + (
            f", … (+{len(drafts) - MAX_DRAFTS})" if len(drafts) > MAX_DRAFTS else ""
        )
        print(f"{len(drafts)} draft entries (draft: true; review them, then remove the mark): {shown}")
    if problems:
        return _fail(sorted(problems, key=lambda p: (p.file, p.line)))
    kb = new.kb
    counts = summarize(kb)
    words = len(kb.glossary.english) + len(kb.glossary.synonyms)
    print(
        f"OK: {len(files)} files, {counts['documents']} documents, "
        f"{counts['entries']} entries ({counts['themes']} themes), {counts['wheels']} wheels "
        f"({counts['wheel_items']} items), {words} glossary words; version {kb.version.split('.')[0]}"
    )
    if args.against:
        return _against(args.against, serving, new, settings.knowledge_dir)
    return 0


def _fail(problems: list[Problem]) -> int:
    for problem in problems:
        print(str(problem))
    print(f"{len(problems)} problem(s) found", file=sys.stderr)
    return 1


def _serving(folder: Path) -> Snapshot | None:
    try:
        return build_snapshot(folder)
    except KnowledgeError:
        print(f"note: the serving knowledge in {folder} does not load: nothing to compare with")
        return None


def _against(sets: list[str], before: Snapshot | None, after: Snapshot, folder: Path) -> int:
    """How each set's answers move from the serving knowledge to the checked one."""
    if before is None:
        print(
            f"--against compares the serving knowledge ({folder}) with the copy you edited: "
            "give the edited copy as PATH (grundlagbot check COPY --against SET.yaml)"
        )
        return 0
    for name in sets:
        try:
            cases = read_cases(Path(name))
        except ValueError as exc:
            print(f"grundlagbot: {exc}", file=sys.stderr)
            return 2
        _compare(name, cases, before, after)
    return 0


def _compare(name: str, cases: list[Case], before: Snapshot, after: Snapshot) -> None:
    changed: list[str] = []
    right = [0, 0]
    for case in cases:
        was, now = answer(before, case.question, case.asker), answer(after, case.question, case.asker)
        ok_was, ok_now = passes(case, was), passes(case, now)
        right[0] += ok_was
        right[1] += ok_now
        if (was.answered, was.entry_id) != (now.answered, now.entry_id):
            mark = "better" if ok_now > ok_was else "worse" if ok_now < ok_was else "changed"
            changed.append(f"- [{mark}] {case.question!r}: {_short(was)} → {_short(now)}")
    print(
        f"{name}: {right[0]}/{len(cases)} → {right[1]}/{len(cases)} correct; {len(changed)} answers changed"
    )
    for line in changed:
        print(line)


def _short(reply: Reply) -> str:
    return f"{reply.entry_id}" if reply.answered else describe(reply)
