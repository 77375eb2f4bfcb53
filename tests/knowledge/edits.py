"""Edits an HR person makes to a copy of the knowledge files, for the reload tests.

Every test works on its own copy of ``knowledge/data``; the edits change that copy's YAML text the
way someone with a text editor would (delete a file, delete an entry, copy an entry under a new
id, reword a title), so the knowledge itself always comes from the shipped files.
"""

from __future__ import annotations

import atexit
import functools
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import yaml

from bot.config import PACKAGE_KNOWLEDGE
from knowledge.service import KnowledgeService, Snapshot, build_snapshot

BROKEN_YAML = "entries: [unclosed\n  - : : :\n"
_ENTRY_START = re.compile(r"^  - id: *(\S+) *$", re.MULTILINE)


@functools.cache
def _shipped() -> tuple[Path, Snapshot]:
    # Loading and indexing take most of a second: done once per test run, from one copy of the
    # files, so every test starts from the same files and the snapshot built from them.
    folder = Path(tempfile.mkdtemp(prefix="grundlagbot-knowledge-")) / "knowledge"
    shutil.copytree(PACKAGE_KNOWLEDGE, folder)
    atexit.register(shutil.rmtree, folder.parent, True)
    return folder, build_snapshot(folder)


def copy_knowledge(tmp_path: Path) -> Path:
    """A private copy of the shipped knowledge files."""
    target = tmp_path / "knowledge"
    shutil.copytree(_shipped()[0], target)
    return target


def serving(kdir: Path) -> KnowledgeService:
    """A service for a copy made by :func:`copy_knowledge`, serving the snapshot of those files."""
    return KnowledgeService(kdir, _shipped()[1])


def _organizations(kdir: Path) -> list[tuple[str, Path]]:
    """(organisation, file) of every document file: the files with a top-level ``document`` key."""
    found = []
    for path in sorted(kdir.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        org = re.search(r"^organization: *(.+?) *$", text, re.MULTILINE)
        if org and re.search(r"^document:", text, re.MULTILINE):
            found.append((str(yaml.safe_load(org.group(1))), path))
    return found


def document_files(kdir: Path) -> dict[str, Path]:
    """Document files by organisation (the first file of each)."""
    found: dict[str, Path] = {}
    for org, path in _organizations(kdir):
        found.setdefault(org, path)
    return found


def organizations_with_one_file(kdir: Path) -> list[str]:
    """Organisations whose documents are all in one file: removing it removes them entirely."""
    count = Counter(org for org, _ in _organizations(kdir))
    return [org for org, n in count.items() if n == 1]


def _blocks(text: str) -> list[tuple[str, int, int]]:
    """(id, start, end) of every entry in a document file's text."""
    starts = [(m.group(1), m.start()) for m in _ENTRY_START.finditer(text)]
    ends = [s for _, s in starts[1:]] + [len(text)]
    return [(entry_id, start, end) for (entry_id, start), end in zip(starts, ends, strict=True)]


def entry_ids(path: Path) -> list[str]:
    return [entry_id for entry_id, _, _ in _blocks(path.read_text(encoding="utf-8"))]


def remove_entry(path: Path, entry_id: str) -> None:
    text = path.read_text(encoding="utf-8")
    _, start, end = next(b for b in _blocks(text) if b[0] == entry_id)
    path.write_text(text[:start] + text[end:], encoding="utf-8")


def entry_text(path: Path, entry_id: str) -> str:
    text = path.read_text(encoding="utf-8")
    _, start, end = next(b for b in _blocks(text) if b[0] == entry_id)
    return text[start:end]


def copy_entry(source: Path, entry_id: str, target: Path, new_id: str, *, before: str | None = None) -> None:
    """Copy an entry under ``new_id`` to the end of ``target`` (or just before entry ``before``)."""
    block = (
        entry_text(source, entry_id).replace(f"- id: {entry_id}", f"- id: {new_id}", 1).rstrip("\n") + "\n\n"
    )
    text = target.read_text(encoding="utf-8")
    if before is None:
        target.write_text(text.rstrip("\n") + "\n\n" + block, encoding="utf-8")
        return
    _, start, _ = next(b for b in _blocks(text) if b[0] == before)
    target.write_text(text[:start] + block + text[start:], encoding="utf-8")


def retitle(path: Path, entry_id: str, suffix: str) -> None:
    """Reword an entry's title (appending ``suffix``): a change of content, not of position."""
    text = path.read_text(encoding="utf-8")
    _, start, end = next(b for b in _blocks(text) if b[0] == entry_id)
    block = re.sub(
        r"^(    title: .*?)(['\"]?)$",
        lambda m: m.group(1) + suffix + m.group(2),
        text[start:end],
        count=1,
        flags=re.MULTILINE,
    )
    path.write_text(text[:start] + block + text[end:], encoding="utf-8")


def move_before(path: Path, entry_id: str, before: str) -> None:
    """Move an entry, unchanged, to just before another one in the same file."""
    block = entry_text(path, entry_id).rstrip("\n") + "\n\n"
    remove_entry(path, entry_id)
    text = path.read_text(encoding="utf-8")
    _, start, _ = next(b for b in _blocks(text) if b[0] == before)
    path.write_text(text[:start] + block + text[start:], encoding="utf-8")


def add_stopwords(kdir: Path, words: list[str]) -> Path:
    """Add Danish stop words to the glossary file (an over-eager edit hides those words)."""
    for path in sorted(kdir.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        m = re.search(r"^  stopwords:\s*\n    da: *\[", text, re.MULTILINE)
        if m:
            path.write_text(
                text[: m.end()] + " " + ", ".join(words) + "," + text[m.end() :], encoding="utf-8"
            )
            return path
    raise AssertionError("no glossary file with a stopwords.da flow list")
