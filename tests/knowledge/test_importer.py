"""Importing a policy: artefact repair, entries at headings and paragraphs, verbatim quotes,
drafts that load, answer with their quote, and pass the reload's self-check."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import yaml

from handlers.ask import answer
from knowledge.importer import ImportFailed, import_file, import_text
from knowledge.loader import load_glossary
from knowledge.reload import self_check
from knowledge.service import build_snapshot
from knowledge.sourcetext import blocks, folded, repair
from tests.knowledge import knowledge_sets

POLICY = """Personalepolitik for Sydby Kommune

Sygefravær

I Sydby Kommune er sygdom ikke kun en privat sag. Sygdom har konsekvenser for kolleger og for be-

slutninger om opgaverne.

Ring\ttil\tdin leder inden kl. 8 på første sygedag, så vagtplanen kan ændres.

3

Sundhed

Ansatte kan få et sundhedstjek hvert andet år og tilbud om motion i hallen to gange om ugen.

Som medarbejder har du ansvar for:

- at passe på dit eget helbred,

- at sige til, hvis arbejdet gør dig syg.

4
"""


def glossary():  # type: ignore[no-untyped-def]
    return load_glossary(knowledge_sets.REAL)


def test_repair_joins_split_words_tabs_and_drops_page_numbers() -> None:
    lines = repair(POLICY)
    text = "\n".join(lines)
    assert "beslutninger" in text and "be-" not in text
    assert "Ring til din leder" in text and "\t" not in text
    assert "3" not in lines and "4" not in lines
    assert "leder- og medarbejdergrundlag" in " ".join(repair("Et leder-\nog medarbejdergrundlag"))
    assert repair("MED-\nudvalget drøfter") == ["MED-udvalget drøfter"]


def test_blocks_split_at_headings_and_paragraphs() -> None:
    found = blocks(repair(POLICY))
    assert [b.heading for b in found] == ["Sygefravær", "Sygefravær", "Sundhed", "Sundhed"]
    assert found[3].lines == ["Som medarbejder har du ansvar for:", "- at passe på dit eget helbred,",
                              "- at sige til, hvis arbejdet gør dig syg."]  # fmt: skip


def test_drafts_keep_quotes_verbatim_and_draft_the_rest_from_them() -> None:
    drafts = import_text(POLICY, "Sydby Kommune", "Personalepolitik", glossary())
    assert [d.section for d in drafts] == ["Sygefravær", "Sygefravær", "Sundhed", "Sundhed"]
    for d in drafts:
        assert folded(d.quote) in folded(POLICY)
        assert d.answer.split()[0] in d.quote and len(d.answer.split()) <= 60
        assert d.keywords and len(d.questions_da) >= 3 and d.questions_en
        assert d.id.startswith("sydby-p-")
    assert drafts[2].title == "Sundhed: Ansatte kan få et sundhedstjek hvert andet …"
    assert "sundhedstjek" in drafts[2].keywords


def test_an_imported_file_loads_passes_the_self_check_and_answers(tmp_path: Path) -> None:
    source = tmp_path / "sydby.txt"
    source.write_text(POLICY, encoding="utf-8")
    text, count = import_file(source, "Sydby Kommune", "Personalepolitik", glossary())
    assert count == 4 and text.startswith("# Drafted by `grundlagbot import` from sydby.txt")
    data = yaml.safe_load(text)
    assert data["source"] == "sydby.txt" and all(e["draft"] is True for e in data["entries"])
    folder = tmp_path / "k"
    folder.mkdir()
    (folder / "sydby.yaml").write_text(text, encoding="utf-8")
    (folder / "synonyms.yaml").write_text((knowledge_sets.REAL / "synonyms.yaml").read_text("utf-8"), "utf-8")
    snapshot = build_snapshot(folder)
    assert all(e.draft for e in snapshot.kb.entries)
    assert self_check(None, snapshot) == []
    reply = answer(snapshot, "hvor tit kan jeg få et sundhedstjek")
    assert reply.answered and reply.source is not None and "sundhedstjek hvert andet år" in reply.source.quote


def test_markdown_headings(tmp_path: Path) -> None:
    source = tmp_path / "p.md"
    source.write_text(
        "# Ferie\n\nDu holder ferie efter aftale med din leder.\n\n# Løn\n\nLøn udbetales den sidste hverdag i måneden.\n"
    )
    text, count = import_file(source, "Sydby Kommune", "Personalepolitik", glossary())
    assert count == 2 and [e["section"] for e in yaml.safe_load(text)["entries"]] == ["Ferie", "Løn"]


def test_docx_headings_and_paragraphs(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Sundhed", level=1)
    document.add_paragraph("Ansatte kan få et sundhedstjek hvert andet år og tilbud om motion i hallen.")
    document.add_heading("Mobning", level=1)
    document.add_paragraph("Alle har pligt til at reagere, hvis en kollega bliver mobbet på arbejdspladsen.")
    path = tmp_path / "p.docx"
    document.save(str(path))
    text, count = import_file(path, "Sydby Kommune", "Personalepolitik", glossary())
    entries = yaml.safe_load(text)["entries"]
    assert count == 2 and [e["section"] for e in entries] == ["Sundhed", "Mobning"]
    assert entries[1]["quote"].startswith("Alle har pligt til at reagere")


def test_pdf_text(tmp_path: Path) -> None:
    from pypdf import PdfWriter
    from pypdf.generic import NameObject

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    path = tmp_path / "scan.pdf"
    with path.open("wb") as out:
        writer.write(out)
    with pytest.raises(ImportFailed, match=r"no text layer .*OCR"):
        import_file(path, "Sydby Kommune", "Personalepolitik", glossary())
    assert NameObject  # pypdf's object model is there for text PDFs too


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("p.rtf", b"x", r"cannot import a \.rtf; use one of \.txt, \.md, \.pdf, \.docx"),
        ("p.pdf", b"not a pdf", "not a readable PDF"),
        ("p.docx", b"not a zip", r"not a readable \.docx file"),
        ("p.txt", b"\n\n   \n", "no text to import: the file has no paragraphs"),
    ],
)
def test_files_that_cannot_be_imported_say_why(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFailed, match=message):
        import_file(path, "Sydby Kommune", "Personalepolitik", glossary())
    with pytest.raises(ImportFailed, match="no such file"):
        import_file(tmp_path / "missing.txt", "Sydby Kommune", "Personalepolitik", glossary())
    assert zipfile  # .docx files are zip archives
