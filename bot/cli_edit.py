"""The CLI's commands that write knowledge files: ``import`` and ``teach``.

``import`` drafts a knowledge file from a policy (:mod:`knowledge.importer`); ``teach`` adds a
question to an entry, or with ``--not-answered`` marks it as a phrasing the entry's document does
not answer (:mod:`handlers.teaching`, the same functions the admins' chat actions call). Teaching is
written to the audit log, as the admin commands are.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path

from bot.storage import Storage
from handlers.settings import Settings
from handlers.teaching import apply, describe, record
from knowledge.importer import ImportFailed, import_file
from knowledge.loader import load_glossary
from knowledge.model import KnowledgeError
from knowledge.teach import TeachFailed


def _out_path(args: argparse.Namespace, settings: Settings) -> Path:
    name = f"{_slug(args.org)}-{_slug(args.document)}.yaml"
    if args.out is None:
        return settings.knowledge_dir / name
    out = Path(args.out)
    return out / name if out.is_dir() else out


def _slug(text: str) -> str:
    folded = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return "-".join("".join(c if c.isascii() and c.isalnum() else " " for c in folded).split()) or "document"


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    """Draft a knowledge file from a policy; with no ``--out``, into the configured knowledge folder
    (where the next reload serves it), never over an existing file."""
    out = _out_path(args, settings)
    if args.out is None and out.exists():
        print(f"grundlagbot: {out} exists already; give --out to write the draft elsewhere", file=sys.stderr)
        return 1
    try:
        glossary = load_glossary(settings.knowledge_dir)
    except KnowledgeError:
        glossary = load_glossary([])  # a broken glossary: draft without it; check says what is wrong
    try:
        text, count = import_file(Path(args.file), args.org, args.document, glossary)
    except ImportFailed as exc:
        print(f"grundlagbot: {exc}", file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"Drafted {count} entries (draft: true) from {args.file} into {out}.")
    print("Next: review them, run `grundlagbot check`, and reload the bot (/grundlag reload).")
    return 0


def run_teach(args: argparse.Namespace, settings: Settings) -> int:
    """Teach a question to an entry (or ``--not-answered``) in the configured knowledge folder."""
    action = "not-answered" if args.not_answered else "teach"
    admin = f"cli:{getpass.getuser()}"
    store = Storage(settings.database)
    try:
        try:
            taught = apply(settings.knowledge_dir, args.question, args.entry, not_answered=args.not_answered)
        except TeachFailed as exc:
            asyncio.run(record(store, admin, action, args.entry, "failed"))
            print(f"grundlagbot: nothing changed: {exc}", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
            return 1
        outcome = "ok" if taught.added else "unchanged"
        asyncio.run(record(store, admin, action, taught.entry_id, outcome, taught.file))
    finally:
        store.close()
    print(describe(taught, "en"))
    if taught.added:
        print("A running bot serves it from its next reload (/grundlag reload).")
    return 0
