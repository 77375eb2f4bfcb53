"""Where a document file's ``source:`` text lives, and whether its quotes are in it.

``source:`` names the extracted text of the policy (``003_51746dc1a9b5d146.txt``). It is looked
for beside the knowledge file, then in a ``sources/`` folder beside it: keep the texts in
``knowledge/data/sources/`` (any ``.txt``; ``.md``, ``.pdf`` and ``.docx`` are read as the importer
reads them). A source that is not there is no error (the shipped files name texts kept outside the
repository); ``check`` says so. A quote is compared with its source after the same artefact repair
the importer does (:func:`knowledge.sourcetext.folded`): it must be the source's own words,
where ``…`` marks a part left out. Each line of a quote (and each part between ``…``) is looked
for on its own: the extraction may have moved a passage's lines apart, and a quote may put them
back together.
"""

from __future__ import annotations

import re
from pathlib import Path

from knowledge.model import Document, Problem
from knowledge.sourcetext import folded

SOURCES_DIR = "sources"
_SPACE = re.compile(r"\s+")
_PIECES = re.compile(r"\s*(?:…|\.\.\.|\[…\])\s*|\n")


def source_path(document: Document) -> Path | None:
    """The document's source text, when ``source:`` names one that exists."""
    if not document.source:
        return None
    here = Path(document.file).parent
    for candidate in (here / document.source, here / SOURCES_DIR / document.source):
        if candidate.is_file():
            return candidate
    return None


def _source_text(path: Path) -> str:
    if path.suffix.lower() in (".pdf", ".docx"):
        from knowledge.importer import read_text

        return read_text(path)[0]
    return path.read_text(encoding="utf-8", errors="replace")


def check_quotes(documents: tuple[Document, ...]) -> tuple[list[Problem], list[str]]:
    """Quotes that are not in their document's source text, and notes on sources not found."""
    problems: list[Problem] = []
    notes: list[str] = []
    for document in documents:
        path = source_path(document)
        if path is None:
            if document.source:
                notes.append(
                    f"{document.file}: source {document.source} not found beside it or in {SOURCES_DIR}/: "
                    "its quotes are not verified"
                )
            continue
        # Spacing does not count: the extraction also breaks words without a hyphen ("for  / stå").
        source = _SPACE.sub("", folded(_source_text(path)).casefold())
        for entry in document.entries:
            for part in _PIECES.split(entry.quote):
                key = _SPACE.sub("", folded(part).casefold())
                if key and key not in source:
                    problems.append(
                        Problem(entry.file, entry.line, f"entry {entry.id}: the quote is not word for word in "
                                f"{path.name} (near “{_clip(' '.join(part.split()))}”): quotes are the source's own words; leave "
                                "out with …, never reword")
                    )  # fmt: skip
                    break
    return problems, notes


def _clip(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
