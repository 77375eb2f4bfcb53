"""Load and validate the knowledge files (format: ``knowledge/data/README.md``).

Every file is composed with PyYAML (libyaml when available) so that each value keeps the line it
came from; the schema check then walks the nodes and collects *all* problems before raising one
:class:`KnowledgeError`, so HR sees every mistake of an edit at once, each as ``file:line: message``.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from knowledge.model import (
    KINDS,
    ROLES,
    Bilingual,
    Document,
    Entry,
    FollowUpRole,
    FollowUps,
    Glossary,
    KnowledgeBase,
    KnowledgeError,
    Phrases,
    Problem,
    Theme,
    Wheel,
    WheelItem,
)

logger = logging.getLogger(__name__)

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STR, INT, BOOL, NULL = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "bool", "null"))
_constructor = yaml.constructor.SafeConstructor()

DOCUMENT_KEYS = {
    "organization": True, "aliases": False, "document": True, "source": False, "shared": False, "entries": True,
    "not_answered": False,
}  # fmt: skip
ENTRY_KEYS = {
    "id": True, "kind": True, "section": True, "title": True, "answer": True, "quote": True,
    "questions": True, "keywords": True, "contacts": False, "theme": False, "related": False,
    "role": False, "draft": False,
}  # fmt: skip
THEME_KEYS = {"order": True, "statements": False, "leaders": False, "employees": False, "discuss": False}
GLOSSARY_KEYS = {
    "english": False, "synonyms": False, "stopwords": False, "sensitive": False, "roles": False,
    "followups": False,
    "situations": False, "facts": False, "small_talk": False,
}  # fmt: skip
FOLLOWUP_KEYS = {"openers": False, "conditions": False, "elaborate": False, "roles": False}
FOLLOWUP_ROLE_KEYS = {"ask": True, "da": False, "en": False}
WHEEL_KEYS = {"organization": True, "example": False, "items": True}
ITEM_KEYS = {
    "id": True, "title": True, "month": False, "week": False, "discuss": False, "fixed": False,
    "entry": False, "lead_days": False,
}  # fmt: skip
DEFAULT_LEAD_DAYS = 14

# Size limits, checked before a file is read: the shipped files are at most 190 kB and 0.7 MB
# together; indexing takes about 3 s a MB and a lot of memory, so a pasted PDF dump or a runaway
# export is refused at once instead of stalling a reload (README, "Knowledge files").
MAX_FILE_BYTES = 1_000_000
MAX_TOTAL_BYTES = 5_000_000
MAX_FILES = 200


def knowledge_files(paths: Path | Sequence[Path]) -> list[Path]:
    """The ``*.yaml`` files a path (or list of paths) names: directories are searched, sorted."""
    found: list[Path] = []
    for path in [paths] if isinstance(paths, Path) else paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.yaml") if p.is_file()))
        else:
            found.append(path)
    return found


def load_knowledge(paths: Path | Sequence[Path]) -> KnowledgeBase:
    """Load every knowledge file under ``paths`` (a directory or file, or a list of them).

    Raises :class:`KnowledgeError` listing every problem found, each with its file and line.
    """
    files = knowledge_files(paths)
    problems: list[Problem] = []
    where = str(paths if isinstance(paths, Path) else (paths[0] if paths else "."))
    if not files:
        raise KnowledgeError([Problem(where, 1, "no knowledge files (*.yaml) found")])
    if too_big := size_problems(files, where):
        raise KnowledgeError(too_big)
    builder = _Builder(problems)
    digest = hashlib.sha256()
    complete = True
    for path in files:
        text = _read(path, problems)
        root = _compose(path, text, problems) if text is not None else None
        if text is None or root is None:
            complete = False
            continue
        digest.update(path.name.encode() + b"\0" + text.encode() + b"\0")
        builder.add_file(str(path), root)
    if complete:  # with a file unreadable, its ids are unknown: references to them are no news
        builder.check_references()
    if problems:
        raise KnowledgeError(sorted(problems, key=lambda p: (p.file, p.line)))
    kb = KnowledgeBase(
        documents=tuple(builder.documents),
        glossary=builder.glossary(),
        wheels=tuple(builder.wheels),
        version=digest.hexdigest()[:12],
        loaded_at=datetime.now(UTC),
        shared_files=tuple(builder.shared_files),
        path=str(paths if isinstance(paths, Path) else ",".join(str(p) for p in paths)),
    )
    logger.info("Loaded %d entries from %d files (version %s)", len(kb.entries), len(files), kb.version)
    return kb


def size_problems(files: Sequence[Path], where: str) -> list[Problem]:
    """Files over :data:`MAX_FILE_BYTES`, or too many or too large together, from their sizes alone."""
    problems: list[Problem] = []
    total = 0
    for path in files:
        try:
            size = path.stat().st_size
        except OSError:
            continue  # reading it will say what is wrong
        total += size
        if size > MAX_FILE_BYTES:
            problems.append(
                Problem(
                    str(path),
                    1,
                    f"the file is {_mb(size)}; a knowledge file may be at most {_mb(MAX_FILE_BYTES)}: "
                    "split it into several files",
                )
            )
    if len(files) > MAX_FILES:
        problems.append(Problem(where, 1, f"{len(files)} knowledge files; at most {MAX_FILES} are read"))
    if total > MAX_TOTAL_BYTES and not problems:
        problems.append(
            Problem(
                where,
                1,
                f"the knowledge files come to {_mb(total)} together; at most {_mb(MAX_TOTAL_BYTES)} are read",
            )
        )
    return problems


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _read(path: Path, problems: list[Problem]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(str(path), 1, "no such file or directory"))
    except UnicodeDecodeError as exc:
        problems.append(Problem(str(path), 1, f"not UTF-8 text ({exc.reason} at byte {exc.start})"))
    except OSError as exc:
        problems.append(Problem(str(path), 1, f"cannot be read: {exc.strerror}"))
    return None


def _compose(path: Path, text: str, problems: list[Problem]) -> Node | None:
    try:
        root: Node | None = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        # "while parsing a flow sequence [line 17] ... did not find expected ']' [line 19]": the
        # mistake is where the construct began, so that line comes first (yaml_hint knows where
        # it does not).
        marks = [m.line + 1 for m in (exc.context_mark, exc.problem_mark) if m is not None]
        line = marks[0] if marks else 1
        what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        hint = yaml_hint(what, text, line, marks[-1] if marks else line)
        if hint is not None:
            line = hint[0]
        seen = f" (noticed at line {marks[-1]})" if marks and marks[-1] != line else ""
        message = f"invalid YAML: {hint[1]} ({what}{seen})" if hint else f"invalid YAML: {what}{seen}"
        problems.append(Problem(str(path), line, message))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(str(path), 1, f"invalid YAML: {exc}"))
        return None
    if root is None:
        problems.append(Problem(str(path), 1, "empty file: expected one of document, glossary, wheel"))
    return root


# The YAML mistakes HR makes, in plain words with the fix (PyYAML's message -> the hint).
TAB_HINT = "a tab character: YAML indents with spaces only; replace the tab with spaces, lined up with the lines above"
COLON_HINT = (
    "a colon followed by a space inside a text makes YAML read it as 'key: value'; put the whole text "
    'in quotes ("…"), or, if this line is a key, check that it is indented like the keys above it'
)
DASH_HINT = (
    "a list item without its dash, or a line indented differently from the items above it: start each "
    "item with '- ' at the same indentation as the others"
)
INDENT_HINT = (
    "wrong indentation: this line must line up with the keys above it (the same number of spaces), or a "
    "text that continues on this line needs quotes"
)
KEY_HINT = (
    "a line that is neither 'key: value' nor a list item: add the missing '- ' before a list item or the "
    "colon after a key, or indent a text that continues the line above it"
)
QUOTE_HINT = "a quoted text is not closed: end it with the same quote mark it starts with"
BRACKET_HINT = "a list in [ ] is not closed, or one of its texts has a colon or comma: close it with ], or quote the text"


def yaml_hint(what: str, text: str, line: int, noticed: int) -> tuple[int, str] | None:
    """The line and a plain-words explanation of a YAML syntax error, for the mistakes HR makes.

    ``line`` is where the construct in error began, ``noticed`` where YAML found the error: for a
    misindented line or a list item without its dash that is the line to fix, not the first line
    of the list or mapping it breaks.
    """
    lines = text.splitlines()
    tab = next((i for i, row in enumerate(lines, 1) if "\t" in row[: len(row) - len(row.lstrip())]), None)
    if "tab character" in what or "'\\t'" in what or (tab is not None and "cannot start any token" in what):
        return (tab or line), TAB_HINT
    if "mapping values are not allowed" in what:
        return line, COLON_HINT
    if "expected '-' indicator" in what or ("block sequence" in what and "expected <block end>" in what):
        return noticed, DASH_HINT
    if "expected <block end>" in what or "did not find expected key" in what:
        return noticed, INDENT_HINT
    if "could not find expected ':'" in what:
        return line, KEY_HINT
    if "quoted scalar" in what:
        return line, QUOTE_HINT
    if "flow sequence" in what or "flow mapping" in what:
        return line, BRACKET_HINT
    return None


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


@dataclass
class _Builder:
    """Walks composed YAML nodes, collecting model objects and problems."""

    problems: list[Problem]
    documents: list[Document] = field(default_factory=list)
    wheels: list[Wheel] = field(default_factory=list)
    english: dict[str, tuple[str, ...]] = field(default_factory=dict)
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    stop_da: set[str] = field(default_factory=set)
    stop_en: set[str] = field(default_factory=set)
    sensitive: set[str] = field(default_factory=set)
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    facts: tuple[str, ...] = ()
    small_talk: dict[str, tuple[str, ...]] = field(default_factory=dict)
    followups: FollowUps = field(default_factory=FollowUps)
    ids: dict[str, tuple[str, int]] = field(default_factory=dict)
    refs: list[tuple[str, str, int, str]] = field(default_factory=list)  # id, file, line, what
    wheel_refs: list[tuple[str, str, int, str, str]] = field(default_factory=list)  # ... and organisation
    shared_files: list[str] = field(default_factory=list)  # glossary and wheel files
    file: str = ""

    # -- helpers -----------------------------------------------------------------------------

    def problem(self, node: Node | None, message: str) -> None:
        self.problems.append(Problem(self.file, _line(node) if node is not None else 1, message))

    def mapping(self, node: Node, where: str, schema: dict[str, bool]) -> dict[str, Node] | None:
        """The keys of a mapping node; unknown, duplicate and missing keys are reported."""
        if not isinstance(node, MappingNode):
            self.problem(node, f"{where}: expected a mapping")
            return None
        out: dict[str, Node] = {}
        for key_node, value in node.value:
            key = str(key_node.value)
            if key in out:
                hint = " (is the '- ' missing before the next entry?)" if key == "id" else ""
                self.problem(key_node, f"{where}: duplicate key '{key}'{hint}")
            elif key not in schema:
                self.problem(key_node, f"{where}: unknown key '{key}' (expected one of {', '.join(schema)})")
            else:
                out[key] = value
        missing = [k for k, required in schema.items() if required and k not in out]
        for key in missing:
            self.problem(node, f"{where}: missing required key '{key}'")
        return out

    def text(self, node: Node | None, where: str, *, required: bool = True) -> str:
        if node is None:
            return ""
        if isinstance(node, ScalarNode) and node.tag == NULL:
            if required:
                self.problem(node, f"{where}: must not be empty")
            return ""
        if isinstance(node, MappingNode) and len(node.value) == 1:
            left, right = node.value[0]
            said = f"{left.value}: {right.value}" if isinstance(right, ScalarNode) else str(left.value)
            self.problem(
                node,
                f'{where}: expected text, but YAML read “{said}” as key: value because of the colon; put it in quotes: "{said}"',
            )
            return ""
        if not isinstance(node, ScalarNode):
            self.problem(node, f"{where}: expected text")
            return ""
        value = str(node.value).strip()
        if required and not value:
            self.problem(node, f"{where}: must not be empty")
        return value

    def texts(self, node: Node | None, where: str, *, non_empty: bool = False) -> tuple[str, ...]:
        if node is None or (isinstance(node, ScalarNode) and node.tag == NULL):
            if non_empty:
                self.problem(node, f"{where}: must be a non-empty list")
            return ()
        if not isinstance(node, SequenceNode):
            self.problem(node, f"{where}: expected a list of texts")
            return ()
        values = tuple(v for i, item in enumerate(node.value) if (v := self.text(item, f"{where}[{i}]")))
        if non_empty and not node.value:
            self.problem(node, f"{where}: must be a non-empty list")
        return values

    def integer(self, node: Node, where: str, low: int, high: int) -> int | None:
        is_int = isinstance(node, ScalarNode) and node.tag == INT
        value = _constructor.construct_object(node) if is_int else None
        if not isinstance(value, int) or not low <= value <= high:
            self.problem(node, f"{where}: expected a whole number from {low} to {high}")
            return None
        return value

    def boolean(self, node: Node | None, where: str) -> bool:
        if node is None:
            return False
        if not isinstance(node, ScalarNode) or node.tag != BOOL:
            self.problem(node, f"{where}: expected true or false")
            return False
        return bool(_constructor.construct_object(node))

    def bilingual(self, node: Node | None, where: str, *, required: bool = True) -> Bilingual:
        if node is None:
            return Bilingual("", "")
        keys = self.mapping(node, where, {"da": required, "en": required})
        if keys is None:
            return Bilingual("", "")
        return Bilingual(
            self.text(keys.get("da"), f"{where}.da", required=required),
            self.text(keys.get("en"), f"{where}.en", required=required),
        )

    def claim_id(self, node: Node, entry_id: str) -> None:
        if entry_id in self.ids:
            file, line = self.ids[entry_id]
            self.problem(node, f"duplicate id '{entry_id}' (also at {file}:{line})")
        else:
            self.ids[entry_id] = (self.file, _line(node))

    # -- files -------------------------------------------------------------------------------

    def add_file(self, file: str, root: Node) -> None:
        self.file = file
        if not isinstance(root, MappingNode):
            self.problem(root, "expected a mapping with one of the top-level keys document, glossary, wheel")
            return
        keys = {str(k.value) for k, _ in root.value}
        if "document" in keys:
            self.add_document(root)
        elif keys == {"glossary"}:
            self.shared_files.append(file)
            self.add_glossary(root.value[0][1])
        elif keys == {"wheel"}:
            self.shared_files.append(file)
            self.add_wheel(root.value[0][1])
        elif keys & {"glossary", "wheel"}:
            self.problem(root, "a glossary or wheel file must have only that one top-level key")
        else:
            self.problem(root, "none of the top-level keys document, glossary, wheel: not a knowledge file")

    def add_document(self, root: Node) -> None:
        keys = self.mapping(root, "document file", DOCUMENT_KEYS)
        if keys is None:
            return
        org = self.text(keys.get("organization"), "organization")
        title = self.text(keys.get("document"), "document")
        aliases = self.texts(keys.get("aliases"), "aliases")
        source = self.text(keys.get("source"), "source", required=False)
        shared = self.boolean(keys.get("shared"), "shared")
        not_answered = self.texts(keys.get("not_answered"), "not_answered")
        entries_node = keys.get("entries")
        entries: list[Entry] = []
        if entries_node is not None:
            if isinstance(entries_node, SequenceNode) and entries_node.value:
                for i, node in enumerate(entries_node.value):
                    entry = self.entry(node, f"entries[{i}]", org, title)
                    if entry is not None:
                        entries.append(replace(entry, shared=True) if shared else entry)
            else:
                self.problem(entries_node, "entries: expected a non-empty list of entries")
        self.documents.append(
            Document(org, aliases, title, self.file, tuple(entries), shared, not_answered, source)
        )

    def entry(self, node: Node, where: str, org: str, document: str) -> Entry | None:
        if isinstance(node, MappingNode):  # name the entry by its id in every message, if it has one
            named = [
                v.value for k, v in node.value if k.value == "id" and isinstance(v, ScalarNode) and v.value
            ]
            where = f"entry '{named[0]}'" if named else where
        keys = self.mapping(node, where, ENTRY_KEYS)
        if keys is None:
            return None
        entry_id = self.text(keys.get("id"), f"{where}.id")
        if entry_id:
            id_node = keys["id"]
            if not ID_RE.match(entry_id):
                self.problem(id_node, f"{where}: id must be lower case letters, digits and '-'")
            self.claim_id(id_node, entry_id)
        kind = self.text(keys.get("kind"), f"{where}.kind")
        if kind and kind not in KINDS:
            self.problem(keys["kind"], f"{where}: unknown kind '{kind}' (expected one of {', '.join(KINDS)})")
        questions = self.questions(keys.get("questions"), f"{where}.questions")
        role = self.text(keys.get("role"), f"{where}.role", required=False)
        if role and role not in ROLES:
            self.problem(keys["role"], f"{where}: unknown role '{role}' (expected one of {', '.join(ROLES)})")
        related = self.texts(keys.get("related"), f"{where}.related")
        if "related" in keys:
            self.refs.extend((r, self.file, _line(keys["related"]), f"{where}: related") for r in related)
        theme_node = keys.get("theme")
        return Entry(
            id=entry_id,
            kind=kind,
            organization=org,
            document=document,
            section=self.text(keys.get("section"), f"{where}.section"),
            title=self.text(keys.get("title"), f"{where}.title"),
            answer=self.bilingual(keys.get("answer"), f"{where}.answer"),
            quote=self.text(keys.get("quote"), f"{where}.quote"),
            questions_da=questions[0],
            questions_en=questions[1],
            keywords=self.texts(keys.get("keywords"), f"{where}.keywords"),
            contacts=self.boolean(keys.get("contacts"), f"{where}.contacts"),
            role=role if role in ROLES else "",
            theme=self.theme(theme_node, f"{where}.theme") if theme_node is not None else None,
            related=related,
            draft=self.boolean(keys.get("draft"), f"{where}.draft"),
            file=self.file,
            line=_line(node),
        )

    def questions(self, node: Node | None, where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if node is None:
            return (), ()
        keys = self.mapping(node, where, {"da": True, "en": True})
        if keys is None:
            return (), ()
        da = self.texts(keys.get("da"), f"{where}.da", non_empty="da" in keys)
        en = self.texts(keys.get("en"), f"{where}.en", non_empty="en" in keys)
        return da, en

    def theme(self, node: Node, where: str) -> Theme | None:
        keys = self.mapping(node, where, THEME_KEYS)
        if keys is None:
            return None
        order = self.integer(keys["order"], f"{where}.order", 1, 1000) if "order" in keys else None
        return Theme(
            order=order or 0,
            statements=self.texts(keys.get("statements"), f"{where}.statements"),
            leaders=self.texts(keys.get("leaders"), f"{where}.leaders"),
            employees=self.texts(keys.get("employees"), f"{where}.employees"),
            discuss=self.bilingual(keys.get("discuss"), f"{where}.discuss"),
        )

    # -- glossary ----------------------------------------------------------------------------

    def add_glossary(self, node: Node) -> None:
        keys = self.mapping(node, "glossary", GLOSSARY_KEYS)
        if keys is None:
            return
        self.english.update(self.word_map(keys.get("english"), "glossary.english"))
        self.synonyms.update(self.word_map(keys.get("synonyms"), "glossary.synonyms"))
        if "stopwords" in keys:
            stop = self.mapping(keys["stopwords"], "glossary.stopwords", {"da": False, "en": False})
            if stop is not None:
                self.stop_da.update(self.texts(stop.get("da"), "glossary.stopwords.da"))
                self.stop_en.update(self.texts(stop.get("en"), "glossary.stopwords.en"))
        if "sensitive" in keys:
            sens = self.mapping(keys["sensitive"], "glossary.sensitive", {"topics": True})
            if sens is not None:
                self.sensitive.update(self.texts(sens.get("topics"), "glossary.sensitive.topics"))
        if "situations" in keys:
            situations = self.mapping(keys["situations"], "glossary.situations", {"da": False, "en": False})
            for lang, table in (("da", self.synonyms), ("en", self.english)):
                for word, targets in self.word_map(
                    (situations or {}).get(lang), f"glossary.situations.{lang}"
                ).items():
                    table[word] = tuple(dict.fromkeys(table.get(word, ()) + targets))
        if "small_talk" in keys:
            self.phrase_lists(
                keys["small_talk"], "glossary.small_talk", ("greeting", "thanks"), self.small_talk
            )
        if "facts" in keys:
            self.facts += self.texts(keys["facts"], "glossary.facts")
        if "roles" in keys:
            self.phrase_lists(keys["roles"], "glossary.roles", ROLES, self.roles)
        if "followups" in keys:
            self.add_followups(keys["followups"])

    def phrase_lists(
        self, node: Node, where: str, names: tuple[str, ...], into: dict[str, tuple[str, ...]]
    ) -> None:
        """A mapping of some of ``names`` to lists of phrases, added to ``into``."""
        for name, phrases in (self.mapping(node, where, dict.fromkeys(names, False)) or {}).items():
            into[name] = into.get(name, ()) + self.texts(phrases, f"{where}.{name}")

    def word_map(self, node: Node | None, where: str) -> dict[str, tuple[str, ...]]:
        if node is None:
            return {}
        if not isinstance(node, MappingNode):
            self.problem(node, f"{where}: expected a mapping of word: [words]")
            return {}
        out: dict[str, tuple[str, ...]] = {}
        for key_node, value in node.value:
            word = self.text(key_node, f"{where} key")
            if word in out:
                self.problem(key_node, f"{where}: duplicate key '{word}'")
            if isinstance(value, ScalarNode) and value.tag == STR:
                targets: tuple[str, ...] = (self.text(value, f"{where}.{word}"),)
            else:
                targets = self.texts(value, f"{where}.{word}", non_empty=True)
            if word and targets:
                out[word] = targets
        return out

    def glossary(self) -> Glossary:
        return Glossary(
            english=dict(self.english),
            synonyms=dict(self.synonyms),
            stopwords_da=frozenset(self.stop_da),
            stopwords_en=frozenset(self.stop_en),
            sensitive=frozenset(self.sensitive),
            roles=dict(self.roles),
            facts=self.facts,
            small_talk=dict(self.small_talk),
            followups=self.followups,
        )

    # -- follow-ups --------------------------------------------------------------------------

    def add_followups(self, node: Node) -> None:
        keys = self.mapping(node, "glossary.followups", FOLLOWUP_KEYS)
        if keys is None:
            return
        old = self.followups
        found = {
            k: self.phrases(keys.get(k), f"glossary.followups.{k}")
            for k in ("openers", "conditions", "elaborate")
        }
        roles = dict(old.roles)
        if "roles" in keys:
            roles.update(self.followup_roles(keys["roles"], "glossary.followups.roles"))
        self.followups = FollowUps(
            openers=_joined(old.openers, found["openers"]),
            conditions=_joined(old.conditions, found["conditions"]),
            elaborate=_joined(old.elaborate, found["elaborate"]),
            roles=roles,
        )

    def phrases(self, node: Node | None, where: str) -> Phrases:
        keys = self.mapping(node, where, {"da": False, "en": False}) if node is not None else None
        if keys is None:
            return Phrases()
        return Phrases(self.texts(keys.get("da"), f"{where}.da"), self.texts(keys.get("en"), f"{where}.en"))

    def followup_roles(self, node: Node, where: str) -> dict[str, FollowUpRole]:
        if not isinstance(node, MappingNode):
            self.problem(node, f"{where}: expected a mapping of role: {{ask, da, en}}")
            return {}
        roles: dict[str, FollowUpRole] = {}
        for key_node, value in node.value:
            name = self.text(key_node, f"{where} key")
            if name and not ID_RE.match(name):
                self.problem(key_node, f"{where}: role '{name}' must be lower case letters, digits and '-'")
            keys = self.mapping(value, f"{where}.{name}", FOLLOWUP_ROLE_KEYS)
            if name in roles:
                self.problem(key_node, f"{where}: duplicate role '{name}'")
            if keys is None or not name:
                continue
            words = Phrases(
                self.texts(keys.get("da"), f"{where}.{name}.da"),
                self.texts(keys.get("en"), f"{where}.{name}.en"),
            )
            if not words.da and not words.en:
                self.problem(value, f"{where}.{name}: give the words that name the role under da or en")
            roles[name] = FollowUpRole(self.text(keys.get("ask"), f"{where}.{name}.ask"), words)
        return roles

    # -- wheel -------------------------------------------------------------------------------

    def add_wheel(self, node: Node) -> None:
        if not isinstance(node, SequenceNode):
            self.problem(node, "wheel: expected a list of organisations' wheels")
            return
        for i, wheel_node in enumerate(node.value):
            keys = self.mapping(wheel_node, f"wheel[{i}]", WHEEL_KEYS)
            if keys is None:
                continue
            org = self.text(keys.get("organization"), f"wheel[{i}].organization")
            items_node = keys.get("items")
            items: list[WheelItem] = []
            if isinstance(items_node, SequenceNode):
                seen: set[str] = set()
                for j, item_node in enumerate(items_node.value):
                    item = self.wheel_item(item_node, f"wheel[{i}].items[{j}]", org)
                    if item is not None and item.id in seen:
                        self.problem(item_node, f"wheel item '{item.id}': duplicate id in {org}'s wheel")
                    elif item is not None:
                        seen.add(item.id)
                        items.append(item)
            elif items_node is not None:
                self.problem(items_node, f"wheel[{i}].items: expected a list of items")
            example = self.boolean(keys.get("example"), f"wheel[{i}].example")
            self.wheels.append(Wheel(org, example, tuple(items)))

    def wheel_item(self, node: Node, where: str, org: str) -> WheelItem | None:
        keys = self.mapping(node, where, ITEM_KEYS)
        if keys is None:
            return None
        item_id = self.text(keys.get("id"), f"{where}.id")
        if item_id:
            where = f"wheel item '{item_id}'"
        month = self.integer(keys["month"], f"{where}.month", 1, 12) if "month" in keys else None
        week = self.integer(keys["week"], f"{where}.week", 1, 53) if "week" in keys else None
        if ("month" in keys) == ("week" in keys):
            self.problem(node, f"{where}: give either month or week")
        entry = self.text(keys.get("entry"), f"{where}.entry", required=False) or None
        if entry:
            self.wheel_refs.append((entry, self.file, _line(keys["entry"]), f"{where}: entry", org))
        lead = self.integer(keys["lead_days"], f"{where}.lead_days", 0, 365) if "lead_days" in keys else None
        return WheelItem(
            id=item_id,
            organization=org,
            title=self.text(keys.get("title"), f"{where}.title"),
            discuss=self.text(keys.get("discuss"), f"{where}.discuss", required=False),
            fixed=self.boolean(keys.get("fixed"), f"{where}.fixed"),
            entry=entry,
            lead_days=DEFAULT_LEAD_DAYS if lead is None else lead,
            month=month,
            week=week,
        )

    # -- cross references --------------------------------------------------------------------

    def check_references(self) -> None:
        # An årshjul item's entry is checked where its organisation has reviewed entries: beside
        # drafts fresh from `grundlagbot import` the shared wheel cannot name theirs yet, and its
        # reminders go out without the policy passage until HR links one.
        reviewed = {e.organization for d in self.documents for e in d.entries if not e.draft}
        wheel = [(ref, file, line, what) for ref, file, line, what, org in self.wheel_refs if org in reviewed]
        for ref, file, line, what in [*self.refs, *wheel]:
            if ref not in self.ids:
                self.problems.append(Problem(file, line, f"{what}: no entry with id '{ref}'"))


def _joined(first: Phrases, then: Phrases) -> Phrases:
    return Phrases(first.da + then.da, first.en + then.en)


def summarize(kb: KnowledgeBase) -> dict[str, int]:
    """Counts for status lines: documents, entries, themes, wheels, wheel items."""
    entries: Iterable[Entry] = kb.entries
    return {
        "documents": len(kb.documents),
        "entries": len(kb.entries),
        "themes": sum(1 for e in entries if e.theme is not None),
        "wheels": len(kb.wheels),
        "wheel_items": sum(len(w.items) for w in kb.wheels),
    }


_GLOSSARY_LINE = re.compile(r"^glossary:", re.MULTILINE)


def load_glossary(paths: Path | Sequence[Path]) -> Glossary:
    """The glossary of the knowledge files under ``paths`` (empty when there is none), loaded
    without the document files: enough for the importer to know the stop words and English."""
    files = []
    for path in knowledge_files(paths):
        try:
            if _GLOSSARY_LINE.search(path.read_text(encoding="utf-8")):
                files.append(path)
        except (OSError, UnicodeDecodeError):
            continue  # load_knowledge reports it
    return load_knowledge(files).glossary if files else Glossary()


_ORGANIZATION_LINE = re.compile(r"^organization:[ \t]*(\S.*)$", re.MULTILINE)


def declared_organizations(paths: Path | Sequence[Path]) -> list[str]:
    """The organisations the document files under ``paths`` name, in file order.

    Read from each file's top-level ``organization:`` line alone, without loading the files (which
    :func:`load_knowledge` validates): cheap enough to check a configuration against at start.
    """
    found: list[str] = []
    for path in knowledge_files(paths):
        try:
            match = _ORGANIZATION_LINE.search(path.read_text(encoding="utf-8"))
            value = yaml.safe_load(match[1]) if match else None
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue  # load_knowledge reports it
        if isinstance(value, str) and value not in found:
            found.append(value)
    return found
