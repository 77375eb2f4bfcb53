"""Reload the knowledge files into a running bot without a restart.

A reload loads every knowledge file (documents, glossary, årshjul), validates them and builds a
new :class:`~knowledge.service.Snapshot` beside the serving one, then checks it: every entry the
edit could affect must still be the best match for its own first question. Only a snapshot that
passes is put into service, by one attribute assignment, so a question already being answered
finishes on the snapshot it holds and the next one sees the new knowledge. Anything wrong (YAML
syntax, schema, an entry another entry now steals its question from) leaves the serving
knowledge as it was and comes back as ``file:line: message`` problems.

Two safeguards keep the admin from locking themselves out. A reload that removes a shared file
(the glossary, ``synonyms.yaml``, or an årshjul) is put into service with a warning that names the
file: every answer that leans on it changes at once. And files whose content has served before in
this process (the ones the bot started with, or an earlier reload) are trusted without the
self-check, so putting back what was there always works.

Loading, indexing and checking are CPU work of up to a second or two: they run in a worker
thread so the event loop keeps answering questions meanwhile. Reloads are serialised by an asyncio lock:
a second reload waits for the first and then compares against what the first put in service.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from knowledge.matcher import Matcher
from knowledge.model import Entry, KnowledgeBase, KnowledgeError, Problem
from knowledge.service import KnowledgeService, Snapshot, build_snapshot

logger = logging.getLogger(__name__)

DRIFT = 5.0  # points (of 100) an existing entry may fall behind the best match of its own question
CHECK_DEPTH = 5  # matches looked at to find an entry's own score
SHARED_FILE_GONE = (
    "this shared file is gone: the answers that used it (English words, synonyms, the årshjul) "
    "have changed. If that was not meant, put it back and reload"
)


@dataclass(frozen=True)
class DocumentChanges:
    """Entry ids added, removed and changed in one document (organisation · title)."""

    organization: str
    document: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReloadReport:
    """What a reload did: the changes it put into service, or the problems that stopped it."""

    ok: bool
    version: str  # the version serving after the reload (the old one when it failed)
    previous_version: str
    seconds: float
    documents: int = 0
    entries: int = 0
    changes: tuple[DocumentChanges, ...] = ()  # only documents with a change, in file order
    other_changes: tuple[str, ...] = ()  # "glossary", "wheel": shared files that changed
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()  # put into service, but worth a look (a shared file gone)

    @property
    def milliseconds(self) -> int:
        return round(self.seconds * 1000)

    @property
    def counts(self) -> tuple[int, int, int]:
        """Entries added, removed and changed over all documents."""
        return (
            sum(len(c.added) for c in self.changes),
            sum(len(c.removed) for c in self.changes),
            sum(len(c.changed) for c in self.changes),
        )


class Reloader:
    """Reloads ``service`` from ``path``; one per running bot, shared by every caller."""

    def __init__(self, service: KnowledgeService, path: Path) -> None:
        self.service = service
        self.path = path
        self._lock = asyncio.Lock()
        self._served = {service.current.kb.content}  # contents known good: they have served

    async def reload(self) -> ReloadReport:
        """Load, validate, build, check and swap; never raises for bad knowledge files."""
        async with self._lock:
            started = time.perf_counter()
            old: Snapshot = self.service.current
            new, problems, changes = await asyncio.to_thread(self._build, old)
            seconds = time.perf_counter() - started
            if new is None:
                logger.warning(
                    "Reload failed with %d problems; version %s keeps serving", len(problems), old.kb.version
                )
                return ReloadReport(False, old.kb.version, old.kb.version, seconds, problems=tuple(problems))
            # The swap: one attribute assignment. Answers in flight keep the snapshot they hold.
            self.service.current = new
            self._served.add(new.kb.content)
            report = _report(old.kb, new.kb, changes, seconds)
            report = dataclasses.replace(report, warnings=tuple(_gone(old.kb, new.kb)))
            logger.info(
                "Reloaded knowledge %s -> %s in %d ms (+%d -%d ~%d entries)",
                old.kb.version,
                new.kb.version,
                report.milliseconds,
                *report.counts,
            )
            return report

    def _build(self, old: Snapshot) -> tuple[Snapshot | None, list[Problem], list[DocumentChanges]]:
        """Worker thread: the new snapshot and what changed, or None and what is wrong."""
        try:
            new = build_snapshot(self.path)
        except KnowledgeError as exc:
            return None, [self._relative(p) for p in exc.problems], []
        except OSError as exc:  # the directory itself vanished or is unreadable
            where = self._name(exc.filename or self.path)
            return None, [Problem(where, 1, f"cannot be read: {exc.strerror}")], []
        changes = diff(old.kb, new.kb)
        if new.kb.content in self._served:  # these very files have served: nothing to check
            return new, [], changes
        # Entries compete only within their organisation, so an edit can break only the entries
        # of organisations it touches; a glossary edit touches them all.
        scope = None if old.kb.glossary != new.kb.glossary else {c.organization for c in changes}
        problems = [self._relative(p) for p in self_check(old, new, scope)]
        return (None, problems, changes) if problems else (new, [], changes)

    def _relative(self, problem: Problem) -> Problem:
        return dataclasses.replace(problem, file=self._name(problem.file))

    def _name(self, file: str | Path) -> str:
        """A file name as the admin knows it: relative to the knowledge directory."""
        try:
            relative = Path(file).resolve().relative_to(self.path.resolve())
        except ValueError:
            return str(file)
        return relative.as_posix() if relative.parts else str(file)


def _gone(old: KnowledgeBase, new: KnowledgeBase) -> list[Problem]:
    """A warning for each shared file ``old`` had and ``new`` has not."""
    return [Problem(name, 1, SHARED_FILE_GONE) for name in sorted(_shared(old) - _shared(new))]


def _shared(kb: KnowledgeBase) -> set[str]:
    """The shared files of ``kb``, named relative to the directory it was loaded from."""
    root = Path(kb.path)
    names = set()
    for file in kb.shared_files:
        try:
            names.add(Path(file).relative_to(root).as_posix())
        except ValueError:
            names.add(Path(file).name)
    return names


def answers_itself(matcher: Matcher, entry: Entry, margin: float = 0.0) -> bool:
    """Whether ``entry`` is the best match for its own first question (in its organisation).

    With a ``margin``, an entry within that many points of the best match counts as well.
    """
    if not entry.questions:
        return True
    result = matcher.match(entry.questions[0], limit=CHECK_DEPTH, within=entry.organization)
    best = result.best
    if best is None:
        return False
    if best.entry.id == entry.id:
        return True
    own = next((m.score for m in result.matches if m.entry.id == entry.id), None)
    return margin > 0 and own is not None and own >= best.score - margin


def self_check(old: Snapshot | None, new: Snapshot, organizations: set[str] | None = None) -> list[Problem]:
    """Entries of ``new`` (of ``organizations``, or all) that no longer answer their own question.

    An entry that was the best match for its question before the reload must still be, or come
    within :data:`DRIFT` points of the entry that now is: adding or removing a document shifts
    every score a little, and a near tie flipping is not a broken file. An entry that was not the
    best match before is not held against this edit. An entry new to the files must be the best
    match outright, so a pasted duplicate of an entry is caught. Without ``old`` (``check`` with
    no serving knowledge to compare with) every entry is held to the DRIFT margin. A draft (``draft: true``,
    drafted by ``grundlagbot import`` from one passage each) is held to the DRIFT margin only: its
    starter questions are the passage's own words, and neighbouring passages of one text share
    them; it cannot take a reviewed entry's question, which is held as before.
    """
    before = {e.id: e for e in old.kb.entries} if old is not None else {}
    problems: list[Problem] = []
    for entry in new.kb.entries:
        if organizations is not None and entry.organization not in organizations:
            continue
        previous = before.get(entry.id)
        lenient = previous is not None or entry.draft or old is None
        if answers_itself(new.matcher, entry, DRIFT if lenient else 0.0):
            continue
        if old is not None and previous is not None and not answers_itself(old.matcher, previous):
            continue
        best = new.matcher.match(entry.questions[0], limit=1, within=entry.organization).best
        instead = f" (now answered by {best.entry.id})" if best is not None else ""
        verb = "no longer answers" if previous is not None else "does not answer"
        problems.append(
            Problem(
                entry.file,
                entry.line,
                f'entry {entry.id} {verb} its own question "{entry.questions[0]}"{instead}',
            )
        )
    return problems


def _report(
    old: KnowledgeBase, new: KnowledgeBase, changes: list[DocumentChanges], seconds: float
) -> ReloadReport:
    other = [
        name
        for name, changed in (
            ("glossary", old.glossary != new.glossary),
            ("wheel", old.wheels != new.wheels),
        )
        if changed
    ]
    return ReloadReport(
        ok=True,
        version=new.version,
        previous_version=old.version,
        seconds=seconds,
        documents=len(new.documents),
        entries=len(new.entries),
        changes=tuple(changes),
        other_changes=tuple(other),
    )


def diff(old: KnowledgeBase, new: KnowledgeBase) -> list[DocumentChanges]:
    """Per document: entry ids added, removed, and changed in content (position does not count)."""
    before, after = _by_document(old.entries), _by_document(new.entries)
    changes: list[DocumentChanges] = []
    for key in dict.fromkeys([*after, *before]):
        was, now = before.get(key, {}), after.get(key, {})
        added = tuple(i for i in now if i not in was)
        removed = tuple(i for i in was if i not in now)
        changed = tuple(i for i in now if i in was and _content(was[i]) != _content(now[i]))
        if added or removed or changed:
            changes.append(DocumentChanges(key[0], key[1], added, removed, changed))
    return changes


def _by_document(entries: Iterable[Entry]) -> dict[tuple[str, str], dict[str, Entry]]:
    found: dict[tuple[str, str], dict[str, Entry]] = {}
    for e in entries:
        found.setdefault((e.organization, e.document), {})[e.id] = e
    return found


def _content(entry: Entry) -> Entry:
    # Moving an entry within its file (or renaming the file) is not a change of what it says.
    return dataclasses.replace(entry, file="", line=0)
