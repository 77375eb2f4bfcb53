"""Draft a knowledge file from a policy document (``grundlagbot import``).

The text is read from ``.txt``, ``.md``, ``.pdf`` (pypdf: text PDFs, not scans) or ``.docx``
(python-docx), repaired (:mod:`knowledge.sourcetext`) and split at its headings and paragraphs.
Each paragraph becomes one entry marked ``draft: true``: its quote is the paragraph verbatim; its
title, keywords, short answer and starter questions are drafted from the heading and the
paragraph's own words, so nothing is invented. Drafts answer as they are; HR then improves them
(better questions, an English answer, curated entries) and removes ``draft: true``.

The drafts are checked as a reload would check them: every entry must be the best match for its
own first question, so a file fresh from the importer loads and answers without hand edits.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import yaml

from knowledge.matcher import Matcher
from knowledge.model import Bilingual, Document, Entry, Glossary, KnowledgeBase
from knowledge.normalize import fold, stem
from knowledge.reload import answers_itself
from knowledge.sourcetext import Block, blocks, repair

logger = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md", ".pdf", ".docx")
SHORT_BLOCK = 12  # words: a shorter paragraph joins the one before it under the same heading
LONG_BLOCK = 160  # ... unless that makes it longer than this
ANSWER_WORDS = 45  # the short answer: the quote's first sentences up to about this many words
KEYWORDS = 7
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ])")


class ImportFailed(ValueError):
    """The file cannot be imported; the message says why in plain words."""


@dataclass
class Draft:
    """One drafted entry, before it is written as YAML."""

    id: str
    section: str
    title: str
    quote: str
    answer: str
    keywords: list[str]
    questions_da: list[str] = field(default_factory=list)
    questions_en: list[str] = field(default_factory=list)


def read_text(path: Path) -> tuple[str, bool]:
    """The text of ``path`` and whether it marks headings as Markdown does (``#``)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ImportFailed(
            f"{path}: cannot import a {suffix or 'file without an ending'}; use one of {', '.join(SUFFIXES)}"
        )
    if not path.is_file():
        raise ImportFailed(f"{path}: no such file")
    if suffix == ".pdf":
        return _pdf_text(path), False
    if suffix == ".docx":
        return _docx_text(path), True
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Windows text files
    return text, suffix == ".md"


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, OSError) as exc:
        raise ImportFailed(f"{path}: not a readable PDF ({exc})") from None
    if len(text.split()) < 20:
        raise ImportFailed(
            f"{path}: the PDF has no text layer (a scan?): run it through OCR first, or copy its text to a .txt file"
        )
    return text


def _docx_text(path: Path) -> str:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, PackageNotFoundError) as exc:
        raise ImportFailed(f"{path}: not a readable .docx file ({exc})") from None
    lines: list[str] = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if not text:
            continue
        if style.lower().startswith(("heading", "overskrift", "title", "titel")):
            lines += ["", f"# {text}", ""]
        elif "list" in style.lower() or "liste" in style.lower():
            lines.append(f"- {text}")
        else:
            lines += ["", text, ""]
    return "\n".join(lines)


def draft_entries(
    text: str, organization: str, document: str, stop: frozenset[str] = frozenset(), *, markdown: bool = False
) -> list[Draft]:
    """The drafted entries of a policy's text, in document order."""
    found = _merge(blocks(repair(text), markdown=markdown))
    if not found:
        raise ImportFailed("no text to import: the file has no paragraphs")
    per_heading = Counter(b.heading for b in found)
    idf = _idf(found)
    prefix = f"{_slug(organization.split()[0])}-{_initials(document)}"
    drafts = []
    for n, block in enumerate(found, 1):
        section = block.heading or document
        keywords = _keywords(block, idf, stop)
        lead = " ".join(block.lines[0].lstrip("- ").split()[:7]).rstrip(",.:;")
        title = section if per_heading[block.heading] == 1 else f"{section}: {lead} …"
        drafts.append(
            Draft(
                id=f"{prefix}-{n:02d}-{_slug(section, 4)}",
                section=section,
                title=title,
                quote=block.text,
                answer=_short_answer(block),
                keywords=keywords,
            )
        )
    return drafts


def _merge(found: list[Block]) -> list[Block]:
    """Paragraphs too short to stand alone join the one before them (same heading); repeats of a
    passage (a summary page) are left out."""
    out: list[Block] = []
    seen: list[str] = []
    for block in found:
        key = " ".join(_WORD.findall(block.text.lower()))
        if any(key in s for s in seen):
            continue
        seen.append(key)
        last = out[-1] if out else None
        short = block.words < SHORT_BLOCK or (last is not None and last.lines[-1].endswith(":"))
        if (
            last is not None
            and last.heading == block.heading
            and short
            and last.words + block.words <= LONG_BLOCK
        ):
            last.lines += block.lines
            last.bullets += block.bullets
        else:
            out.append(Block(block.heading, list(block.lines), block.bullets))
    return out


def _idf(found: list[Block]) -> dict[str, float]:
    df: Counter[str] = Counter()
    for block in found:
        df.update({_key(w) for w in _WORD.findall(block.text)})
    return {k: math.log((1 + len(found)) / (1 + n)) + 1 for k, n in df.items()}


def _key(word: str) -> str:
    return stem(fold(word))


def _keywords(block: Block, idf: dict[str, float], stop: frozenset[str]) -> list[str]:
    """The paragraph's most telling words: frequent in it, rarer elsewhere, words of the heading first."""
    counts: Counter[str] = Counter()
    surface: dict[str, str] = {}
    for word in _WORD.findall(block.text):
        low = word.lower().strip("-")
        if len(low) < 4 or fold(low) in stop:
            continue
        key = _key(low)
        counts[key] += 1
        surface.setdefault(key, low)
    heading = {_key(w.lower()) for w in _WORD.findall(block.heading)}
    ranked = sorted(
        counts,
        key=lambda k: -(counts[k] * idf.get(k, 1.0) * (1.5 if k in heading else 1.0) * min(len(k), 12)),
    )
    return [surface[k] for k in ranked[:KEYWORDS]]


def _short_answer(block: Block) -> str:
    """The quote's first sentences, up to about ANSWER_WORDS words: the answer is the quote's own words."""
    text = " ".join(line.lstrip("- ") if line.startswith("- ") else line for line in block.lines)
    out: list[str] = []
    for sentence in _SENTENCE.split(text):
        if out and sum(len(s.split()) for s in out) + len(sentence.split()) > ANSWER_WORDS:
            break
        out.append(sentence)
    return " ".join(out)


def _english(glossary: Glossary) -> dict[str, str]:
    """Danish stem -> the shortest English word the glossary gives for it."""
    found: dict[str, str] = {}
    for english, danish in glossary.english.items():
        for word in danish:
            key = _key(word)
            if key not in found or len(english) < len(found[key]):
                found[key] = english
    return found


def _questions(draft: Draft, organization: str, document: str, english: dict[str, str]) -> None:
    """Starter questions from the heading and the key terms, Danish and English."""
    org = organization.replace(" Kommune", "")
    kw = draft.keywords
    heading = draft.section.lower()
    da = [
        f"hvad står der om {' og '.join(kw[:2])}" if len(kw) >= 2 else f"hvad står der om {heading}",
        f"hvad siger {org} om {heading}",
        f"{heading}?",
        f"{' '.join(kw[:4])}",
        f"hvad siger {document.lower()} om {' og '.join(kw[2:4])}" if len(kw) >= 4 else f"{heading} i {org}",
    ]
    translated = [english[_key(k)] for k in kw if _key(k) in english]
    en = [f"what does {org} say about {' and '.join(translated[:2])}" for _ in [0] if translated]
    en += [f"what about {w}" for w in translated[2:4]]
    en.append(f"what does the {document.lower()} say about {heading}")
    draft.questions_da = list(dict.fromkeys(q for q in da if q.strip(" ?")))
    draft.questions_en = list(dict.fromkeys(en))


def check_drafts(drafts: list[Draft], organization: str, document: str, glossary: Glossary) -> list[Draft]:
    """Put first a question each draft answers itself (the reload's self-check); a draft none of
    whose questions does gets its keywords as its first question."""
    for attempt in range(2):
        matcher = Matcher(_knowledge_base(drafts, organization, document, glossary))
        failing = 0
        for draft, entry in zip(drafts, matcher.entries, strict=True):
            if answers_itself(matcher, entry):
                continue
            failing += 1
            for question in entry.questions[1:]:
                if answers_itself(matcher, replace(entry, questions_da=(question,), questions_en=())):
                    _first(draft, question)
                    break
            else:
                if attempt == 0:
                    _first(draft, " ".join([draft.title.rstrip(" …"), *draft.keywords]))
        if not failing:
            break
    return drafts


def _first(draft: Draft, question: str) -> None:
    if question in draft.questions_en:
        draft.questions_en.remove(question)
    if question in draft.questions_da:
        draft.questions_da.remove(question)
    draft.questions_da.insert(0, question)


def _knowledge_base(
    drafts: list[Draft], organization: str, document: str, glossary: Glossary
) -> KnowledgeBase:
    entries = tuple(
        Entry(
            id=d.id,
            kind="section",
            organization=organization,
            document=document,
            section=d.section,
            title=d.title,
            answer=Bilingual(d.answer, d.answer),
            quote=d.quote,
            questions_da=tuple(d.questions_da),
            questions_en=tuple(d.questions_en),
            keywords=tuple(d.keywords),
            draft=True,
        )
        for d in drafts
    )
    doc = Document(organization, (), document, "", entries)
    return KnowledgeBase((doc,), glossary, (), "draft", datetime.now(UTC))


def import_text(
    text: str, organization: str, document: str, glossary: Glossary, *, markdown: bool = False
) -> list[Draft]:
    """Drafted and self-checked entries of a policy's text."""
    stop = frozenset(fold(w) for w in glossary.stopwords_da)
    drafts = draft_entries(text, organization, document, stop, markdown=markdown)
    english = _english(glossary)
    for draft in drafts:
        _questions(draft, organization, document, english)
    return check_drafts(drafts, organization, document, glossary)


def render(drafts: list[Draft], organization: str, document: str, source: str) -> str:
    """The knowledge file of ``drafts`` (format: knowledge/data/README.md)."""
    head = [
        f"# Drafted by `grundlagbot import` from {source}: every entry is `draft: true`.",
        "# Review each one: better questions (8-10 Danish, 5-7 English), an English answer; then remove",
        "# `draft: true`. The quotes are the document's words: leave out, never reword.",
    ]
    body = {
        "organization": organization,
        "aliases": [organization.replace(" Kommune", "")],
        "document": document,
        "source": source,
        "entries": [
            {
                "id": d.id,
                "draft": True,
                "kind": "section",
                "section": d.section,
                "title": d.title,
                "answer": {"da": d.answer, "en": d.answer},
                "quote": d.quote,
                "questions": {"da": d.questions_da, "en": d.questions_en},
                "keywords": d.keywords,
            }
            for d in drafts
        ],
    }
    text = yaml.dump(body, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    return "\n".join(head) + "\n" + text.replace("\n  - id:", "\n\n  - id:")


class _Dumper(yaml.SafeDumper):
    """Block lists indented under their key; quotes of several lines as literal blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _slug(text: str, words: int = 0) -> str:
    folded = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    parts = re.findall(r"[a-z0-9]+", folded)
    return "-".join(parts[:words] if words else parts) or "x"


def _initials(document: str) -> str:
    initials = "".join(p[0] for p in re.findall(r"[a-z0-9æøå]+", document.lower()) if p not in ("og", "i"))
    return _slug(initials) if initials else "doc"


def import_file(path: Path, organization: str, document: str, glossary: Glossary) -> tuple[str, int]:
    """The drafted knowledge file of the policy at ``path``, and how many entries it has."""
    text, markdown = read_text(path)
    drafts = import_text(text, organization, document, glossary, markdown=markdown)
    logger.info("Drafted %d entries from %s", len(drafts), path)
    return render(drafts, organization, document, path.name), len(drafts)
