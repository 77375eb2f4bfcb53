"""Teach the knowledge files from real questions: the core that ``grundlagbot teach`` and the
admins' chat actions call.

:func:`teach` adds a question to an entry's example questions (Danish or English, as the
question reads); :func:`mark_not_answered` adds it to the entry's document's ``not_answered:``
list, the phrasings that document must not answer. Both edit the document file with ruamel.yaml's
round trip, so HR's comments, blank lines and layout stay as they were, and both validate the
result as a reload would (:func:`knowledge.reload.self_check`): an edit that breaks another entry
is undone and reported. Neither reloads a running bot; the caller does (the admin handlers reload
after teaching, the CLI says that the next reload serves it).
"""

from __future__ import annotations

import difflib
import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from knowledge.model import Entry, KnowledgeError, Problem
from knowledge.normalize import clean, words
from knowledge.reload import self_check
from knowledge.service import Snapshot, build_snapshot

MAX_QUESTION = 300  # characters: an example question, not a pasted document

Action = Literal["teach", "not-answered"]


@dataclass(frozen=True)
class Taught:
    """What a teaching action did."""

    action: Action
    entry_id: str
    organization: str
    document: str
    file: str
    question: str
    language: str  # "da" or "en": the list the question went to (teach)
    added: bool  # False: the question was there already, nothing was written
    answered: bool  # teach: the entry now answers the question; not-answered: the document declines it
    best: str | None = None  # the entry that answers the question now, if any


class TeachFailed(Exception):
    """The question could not be taught; the message says why, ``problems`` what would break."""

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


def teach(folder: Path, question: str, entry_id: str) -> Taught:
    """Add ``question`` to the example questions of entry ``entry_id`` in its file under ``folder``."""
    text, old, entry = _prepare(folder, question, entry_id)
    language = old.matcher.lexicon.language(words(text))

    def edit(data: Any) -> bool:
        questions = _entry_node(data, entry_id)["questions"]
        listed = questions.get(language)
        if not isinstance(listed, list):
            questions[language] = listed = CommentedSeq()
        return _add_once(listed, text)

    added, best = _edit(folder, old, entry, edit, text)
    return _taught("teach", entry, text, language, added, best is not None and best.id == entry_id, best)


def mark_not_answered(folder: Path, question: str, entry_id: str) -> Taught:
    """Add ``question`` to the ``not_answered:`` phrasings of the document entry ``entry_id`` is in."""
    text, old, entry = _prepare(folder, question, entry_id)

    def edit(data: Any) -> bool:
        listed = data.get("not_answered")
        if not isinstance(listed, list):
            listed = CommentedSeq()
            position = list(data).index("entries") if "entries" in data else len(data)
            data.insert(position, "not_answered", listed)
        return _add_once(listed, text)

    added, best = _edit(folder, old, entry, edit, text)
    same = best is not None and (best.organization, best.document) == (entry.organization, entry.document)
    return _taught("not-answered", entry, text, "", added, not same, best)


def _taught(
    action: Action, entry: Entry, text: str, language: str, added: bool, answered: bool, best: Entry | None
) -> Taught:
    return Taught(action, entry.id, entry.organization, entry.document, entry.file, text, language,
                  added, answered, best.id if best else None)  # fmt: skip


def _add_once(listed: list[Any], text: str) -> bool:
    """Append ``text`` unless the list has it already, spelt with other case, accents or
    punctuation ("Tilbyder kommunen sundhedstjek?" is "tilbyder kommunen sundhedstjek")."""
    if any(_key(str(q)) == _key(text) for q in listed):
        return False
    listed.append(text)
    return True


def _key(text: str) -> tuple[str, ...]:
    return tuple(w.folded for w in words(clean(text)))


def _prepare(folder: Path, question: str, entry_id: str) -> tuple[str, Snapshot, Entry]:
    text = clean(question)
    if not text:
        raise TeachFailed("the question is empty")
    if len(text) > MAX_QUESTION:
        raise TeachFailed(
            f"the question is {len(text)} characters long; an example question has at most {MAX_QUESTION}"
        )
    try:
        old = build_snapshot(folder)
    except KnowledgeError as exc:
        raise TeachFailed(
            f"the knowledge files in {folder} have problems; fix them first", tuple(exc.problems)
        ) from None
    entry = old.kb.entry(entry_id)
    if entry is None:
        close = difflib.get_close_matches(entry_id, [e.id for e in old.kb.entries], n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise TeachFailed(f"no entry with id '{entry_id}' in {folder}{hint}")
    return text, old, entry


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap HR's lines
    yaml.indent(mapping=2, sequence=4, offset=2)  # the layout of knowledge/data/README.md
    return yaml


def _entry_node(data: Any, entry_id: str) -> CommentedMap:
    for item in data.get("entries") or []:
        if isinstance(item, CommentedMap) and str(item.get("id")) == entry_id:
            return item
    raise TeachFailed(f"entry '{entry_id}' is not in its file any more; run the command again")


def _edit(
    folder: Path, old: Snapshot, entry: Entry, edit: Callable[[Any], bool], text: str
) -> tuple[bool, Entry | None]:
    """Apply ``edit`` to the entry's file; keep it only if the knowledge still loads and passes
    the reload's self-check. Returns whether anything changed, and the entry that answers
    ``text`` afterwards (None: it is declined)."""
    path = Path(entry.file)
    original = path.read_text(encoding="utf-8")
    yaml = _yaml()
    try:
        data = yaml.load(original)
    except YAMLError as exc:
        raise TeachFailed(f"{path}: cannot be read as YAML: {exc}") from None
    if not edit(data):
        return False, _answering(old, text)
    out = io.StringIO()
    yaml.dump(data, out)
    _write(path, out.getvalue())
    try:
        new = build_snapshot(folder)
        problems = self_check(old, new, {entry.organization})
    except KnowledgeError as exc:
        problems = list(exc.problems)
    except BaseException:
        _write(path, original)
        raise
    if problems:
        _write(path, original)
        raise TeachFailed(f"{path.name} would break answers the bot gives now", tuple(problems))
    return True, _answering(new, text)


def _answering(snapshot: Snapshot, text: str) -> Entry | None:
    result = snapshot.matcher.match(text, limit=5)
    return result.best.entry if result.answered and result.best else None


def _write(path: Path, text: str) -> None:
    """Replace ``path`` whole, so a reload never reads half a file."""
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(name, path.stat().st_mode & 0o777)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
