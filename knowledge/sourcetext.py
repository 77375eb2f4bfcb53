"""Repair text extracted from a policy PDF and split it into headings and paragraphs.

Extraction leaves artefacts (``knowledge/data/README.md``, Rules): words split across lines with a
hyphen (``be-\\n slutninger``), tabs between words, a blank line after every line, headings run
into their text, page numbers and running headers. :func:`repair` undoes them and nothing else,
so that a quote taken from its result is the document's own words; :func:`blocks` then reads the
repaired lines as headings, paragraphs and bullet lists for the importer, and :func:`folded` is
the form ``check`` compares a quote with its source in.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

BULLET_CHARS = "•▪●◦‣∙·-–—o\uf0a7\uf0b7\uf0d8\uf076\uf0fc"
_BULLET = re.compile(r"^(?:[•▪●◦‣∙·\uf0a7\uf0b7\uf0d8\uf076\uf0fc]|[-–—](?=\s)|o(?=\s)|\d{1,2}[.)](?=\s))\s*")
_PAGE_NUMBER = re.compile(r"^(?:(?:side|page|s\.)\s*)?\d{1,3}(?:\s*(?:af|of|/)\s*\d{1,3})?$", re.IGNORECASE)
_HYPHEN_END = re.compile(r"(?<=[a-zæøåäöü])[-\u00ad]$")
_ACRONYM_HYPHEN_END = re.compile(r"(?<=[A-ZÆØÅ0-9])-$")  # "MED-" / "udvalg": the hyphen stays
_SENTENCE_END = re.compile(r"[.!?:;]['\"”’)]*$")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f]+")
_CONTINUES = ("og ", "eller ", "samt ", "og/", ",")  # "leder- og medarbejdergrundlag": a real hyphen
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")
HEADING_WORDS = 8  # a heading is at most this many words
REPEATED = 3  # a short line seen this many times is a running header or footer


def _plain(line: str) -> str:
    line = line.replace("\u00ad", "").replace("\ufeff", "")
    return _SPACES.sub(" ", line).strip()


def repair(text: str) -> list[str]:
    """The text's lines with extraction artefacts repaired: tabs and runs of spaces as one space,
    blank lines that only separate wrapped lines gone (blank lines that separate paragraphs stay,
    as ""), page numbers and running headers gone, and words split over a line end joined."""
    raw = [_plain(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    filled = [line for line in raw if line]
    # Blank lines inside sentences (a line, a blank line, then the sentence goes on in lower case)
    # are the extraction's, not the author's paragraph breaks.
    inside = sum(
        1
        for before, blank, after in zip(raw, raw[1:], raw[2:], strict=False)
        if before and not blank and after[:1].islower()
    )
    noise = inside >= 0.1 * len(filled)
    # A running header or footer: a short line without a sentence's punctuation, on every page.
    counts = Counter(line for line in filled if len(line) <= 60 and not _SENTENCE_END.search(line))
    lines: list[str] = []
    for line in raw:
        if not line:
            if not noise and lines and lines[-1]:
                lines.append("")
            continue
        if _PAGE_NUMBER.match(line) or (counts[line] >= REPEATED and not _BULLET.match(line)):
            continue
        if len(lines) >= 2 and not lines[-1] and _HYPHEN_END.search(lines[-2]) and _joins(line):
            lines.pop()  # a word split over a blank line: the blank line is the extraction's too
        if lines and lines[-1] and _HYPHEN_END.search(lines[-1]) and _joins(line):
            lines[-1] = lines[-1][:-1] + line
            continue
        if lines and lines[-1] and _ACRONYM_HYPHEN_END.search(lines[-1]) and _joins(line):
            lines[-1] = lines[-1] + line
            continue
        lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _joins(line: str) -> bool:
    """Whether ``line`` continues a word the line before split with a hyphen."""
    return line[:1].islower() and not line.startswith(_CONTINUES)


def folded(text: str) -> str:
    """``text`` with bullets, line breaks and spacing folded away, for comparing a quote with its
    source: what differs only there is the same words."""
    out = []
    for line in repair(text):
        out.append(_BULLET.sub("", line))
    return _SPACES.sub(" ", " ".join(out)).strip()


@dataclass
class Block:
    """A paragraph (or an introduction with its bullet list) under a heading."""

    heading: str
    lines: list[str] = field(default_factory=list)  # a paragraph's text, then one line per bullet
    bullets: int = 0

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def words(self) -> int:
        return sum(len(line.split()) for line in self.lines)


def blocks(lines: list[str], *, markdown: bool = False) -> list[Block]:
    """Headings and paragraphs of repaired lines, each paragraph under the heading it follows."""
    widths = [len(line) for line in lines if line]
    typical = statistics.median(widths) if widths else 60.0
    out: list[Block] = []
    heading = ""
    current: Block | None = None
    previous = ""  # the line before, "" at a paragraph break
    was_heading = True  # the line before was a heading (or the text begins)
    for i, line in enumerate(lines):
        following = next((n for n in lines[i + 1 :] if n), "")
        if not line:
            listing = current is not None and (current.bullets or current.lines[-1].endswith(":"))
            if not (listing and _BULLET.match(following)):  # a list's items may stand apart
                current, previous = None, ""
            continue
        alone = not previous and i + 1 < len(lines) and not lines[i + 1]  # a paragraph of one line
        if _is_heading(line, previous, was_heading, following, typical, markdown, alone):
            text = _MARKDOWN_HEADING.sub("", line).strip()
            # A heading wrapped over two lines ("VI SKABER RESULTATER" / "GENNEM DIALOG").
            wrapped = was_heading and previous and current is None and _caps(previous) and _caps(text)
            heading = f"{heading} {text}" if wrapped else text
            current, previous, was_heading = None, line, True
            continue
        was_heading = False
        bullet = _BULLET.match(line)
        if bullet:
            if current is None:
                current = _start(out, heading)
            current.lines.append("- " + line[bullet.end() :])
            current.bullets += 1
        elif current is None or _new_paragraph(previous, line, current):
            current = _start(out, heading)
            current.lines.append(line)
        else:
            current.lines[-1] = f"{current.lines[-1]} {line}"
        previous = line
    return [b for b in out if b.lines]


def _start(out: list[Block], heading: str) -> Block:
    block = Block(heading)
    out.append(block)
    return block


def _caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _is_heading(
    line: str, previous: str, was_heading: bool, following: str, typical: float, markdown: bool, alone: bool
) -> bool:
    if markdown:
        return bool(_MARKDOWN_HEADING.match(line))
    if _BULLET.match(line) or len(line.split()) > HEADING_WORDS:
        return False
    if _caps(line):
        return True
    after_break = was_heading or not previous or _SENTENCE_END.search(previous) is not None
    ends = line[-1:]
    shape = line[:1].isupper() and (ends == "?" or ends.isalnum() or ends in ')”"')
    short = len(line) <= 0.75 * typical or ends == "?" or alone
    starts_next = not following or following[:1].isupper() or _BULLET.match(following) is not None
    return after_break and shape and short and starts_next


def _new_paragraph(previous: str, line: str, current: Block) -> bool:
    if current.bullets:  # after a list, a line that starts a sentence starts a new paragraph
        return bool(_SENTENCE_END.search(previous)) and line[:1].isupper()
    return previous.endswith((".", "!", "?")) and line[:1].isupper()
