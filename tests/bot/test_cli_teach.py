"""HR's knowledge commands on the command line: ``teach`` (and ``--not-answered``) with its audit
lines, ``ask --why``, and ``check`` with its folder, self-check, quotes against their source
texts, ``--against`` and the YAML mistakes in plain words.

Every test works on its own copy of the made-up knowledge in ``tests/knowledge/fixtures/mini``;
``tests/knowledge/fixtures/teaching`` holds what the tests add to it (a neighbouring document, a
source text, a question set).
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage import Storage
from knowledge.decision import load_model
from knowledge.loader import COLON_HINT, DASH_HINT, INDENT_HINT, KEY_HINT, TAB_HINT
from tests.knowledge import knowledge_sets

TEACHING = knowledge_sets.MINI.parent / "teaching"
CASES = TEACHING / "mini-cases.yaml"
POLICY = "testrup-politik.yaml"
CHILD = "hvad gør jeg når mit barn er syg"  # answered from the sick-leave rules: HR says it is not


@pytest.fixture
def kdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A copy of the mini knowledge as the configured folder, and a database of its own."""
    target = tmp_path / "knowledge"
    shutil.copytree(knowledge_sets.MINI, target)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GRUNDLAGBOT_KNOWLEDGE", str(target))
    monkeypatch.setenv("GRUNDLAGBOT_DB", str(tmp_path / "bot.sqlite3"))
    monkeypatch.delenv("GRUNDLAGBOT_CONFIG", raising=False)
    return target


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def ask(capsys: pytest.CaptureFixture[str], question: str) -> dict[str, object]:
    code, out, _ = run(capsys, "ask", "--json", question)
    assert code == 0
    data: dict[str, object] = json.loads(out)
    return data


def answered_from(capsys: pytest.CaptureFixture[str], question: str) -> str | None:
    """The section the question is answered from, or None when it is declined."""
    data = ask(capsys, question)
    source = data["source"]
    return str(source["section"]) if data["answered"] and isinstance(source, dict) else None


def edit(path: Path, old: str, new: str) -> None:
    """An edit HR makes in a text editor: the first ``old`` replaced."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def add_neighbour_with_the_health_check_question(folder: Path) -> None:
    """A new document whose entry HR gave testrup-sundhedstjek's own question by hand."""
    neighbour = folder / "testrup-sundhedsordning.yaml"
    shutil.copy(TEACHING / neighbour.name, neighbour)
    edit(
        neighbour,
        "da: [hvad dækker sundhedsordningen,",
        "da: [hvad dækker sundhedsordningen, hvor tit kan jeg få et sundhedstjek,",
    )


def audit_lines(tmp_path: Path) -> list[tuple[str, str, str, str, str]]:
    store = Storage(tmp_path / "bot.sqlite3")
    try:
        return list(reversed(asyncio.run(store.audit_log())))
    finally:
        store.close()


# -- teach -------------------------------------------------------------------------------------


def test_teach_adds_the_question_keeping_comments_and_layout(
    capsys: pytest.CaptureFixture[str], kdir: Path
) -> None:
    question = "kan jeg få tjekket mit helbred"
    assert answered_from(capsys, question) is None
    before = (kdir / POLICY).read_text(encoding="utf-8")
    code, out, _ = run(capsys, "teach", question, "testrup-sundhedstjek")
    assert code == 0 and out.splitlines() == [
        f"Added “{question}” to the example questions (da) of testrup-sundhedstjek in {POLICY}.",
        "The question is now answered from testrup-sundhedstjek.",
        "A running bot serves it from its next reload (/grundlag reload).",
    ]
    old = "      da: [hvor tit kan jeg få et sundhedstjek, tilbyder kommunen sundhedstjek]\n"
    new = f"      da: [hvor tit kan jeg få et sundhedstjek, tilbyder kommunen sundhedstjek, {question}]\n"
    assert (kdir / POLICY).read_text(encoding="utf-8") == before.replace(old, new)  # one line changed
    assert answered_from(capsys, question) == "Sundhed"  # ask loads the files as a reload does


def test_teach_puts_an_english_question_with_the_english_ones(
    capsys: pytest.CaptureFixture[str], kdir: Path
) -> None:
    code, out, _ = run(capsys, "teach", "can I have my health checked", "testrup-sundhedstjek")
    assert code == 0 and "to the example questions (en) of testrup-sundhedstjek" in out
    assert "en: [how often can I get a health check, can I have my health checked]" in (
        (kdir / POLICY).read_text(encoding="utf-8")
    )


def test_teaching_a_question_twice_changes_nothing(capsys: pytest.CaptureFixture[str], kdir: Path) -> None:
    before = (kdir / POLICY).read_text(encoding="utf-8")
    code, out, _ = run(capsys, "teach", "Tilbyder kommunen sundhedstjek?", "testrup-sundhedstjek")
    assert code == 0 and out.splitlines()[0] == (
        "“Tilbyder kommunen sundhedstjek?” is already one of the example questions of "
        "testrup-sundhedstjek: nothing changed."
    )
    assert (kdir / POLICY).read_text(encoding="utf-8") == before
    assert "next reload" not in out


def test_teach_names_an_unknown_entry_and_the_close_ones(
    capsys: pytest.CaptureFixture[str], kdir: Path
) -> None:
    before = (kdir / POLICY).read_text(encoding="utf-8")
    code, out, err = run(capsys, "teach", "kan jeg få tjekket mit helbred", "testrup-sundhed")
    assert code == 1 and out == ""
    assert err == (
        f"grundlagbot: nothing changed: no entry with id 'testrup-sundhed' in {kdir} "
        "(did you mean testrup-sundhedstjek?)\n"
    )
    assert (kdir / POLICY).read_text(encoding="utf-8") == before


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("   ", "the question is empty"),
        ("sundhedstjek " * 30, "the question is 389 characters long; an example question has at most 300"),
    ],
)
def test_teach_refuses_an_empty_or_pasted_question(
    capsys: pytest.CaptureFixture[str], kdir: Path, question: str, message: str
) -> None:
    code, _, err = run(capsys, "teach", question, "testrup-sundhedstjek")
    assert code == 1 and err == f"grundlagbot: nothing changed: {message}\n"


def test_a_question_that_breaks_another_answer_is_not_taught(
    capsys: pytest.CaptureFixture[str], kdir: Path
) -> None:
    neighbour = kdir / "testrup-sundhedsordning.yaml"
    shutil.copy(TEACHING / neighbour.name, neighbour)
    before = neighbour.read_text(encoding="utf-8")
    question = "hvor tit kan jeg få et sundhedstjek"  # testrup-sundhedstjek's own first question
    code, out, err = run(capsys, "teach", question, "testrup-sundhedsordning")
    line = next(i for i, t in enumerate((kdir / POLICY).read_text().splitlines(), 1) if "sundhedstjek" in t)
    assert (
        code == 1
        and out == ""
        and err.splitlines()
        == [
            f"grundlagbot: nothing changed: {neighbour.name} would break answers the bot gives now",
            f"  {kdir / POLICY}:{line}: entry testrup-sundhedstjek no longer answers its own question "
            f'"{question}" (now answered by testrup-sundhedsordning)',
        ]
    )
    assert neighbour.read_text(encoding="utf-8") == before  # restored as it was
    assert not list(kdir.glob(".*.tmp"))
    assert answered_from(capsys, question) == "Sundhed"


def test_teach_says_what_to_fix_when_the_files_do_not_load(
    capsys: pytest.CaptureFixture[str], kdir: Path
) -> None:
    edit(kdir / POLICY, "kind: section", "kind: afsnit")
    code, _, err = run(capsys, "teach", "kan jeg få tjekket mit helbred", "testrup-sundhedstjek")
    lines = err.splitlines()
    assert (
        code == 1
        and lines[0]
        == f"grundlagbot: nothing changed: the knowledge files in {kdir} have problems; fix them first"
    )
    assert lines[1].startswith(f"  {kdir / POLICY}:") and "unknown kind 'afsnit'" in lines[1]


# -- teach --not-answered ----------------------------------------------------------------------


def test_not_answered_declines_the_phrasing_and_close_ones_for_that_document(
    capsys: pytest.CaptureFixture[str], kdir: Path
) -> None:
    assert answered_from(capsys, CHILD) == "Sygefravær"
    code, out, _ = run(capsys, "teach", "--not-answered", CHILD, "testrup-sygefravaer")
    assert code == 0 and out.splitlines()[:2] == [
        f"Marked “{CHILD}” as not answered by Testrup Kommune · Personalepolitik (not_answered in {POLICY}).",
        "That document no longer answers the question.",
    ]
    text = (kdir / POLICY).read_text(encoding="utf-8")
    assert f"document: Personalepolitik\nnot_answered:\n  - {CHILD}\nentries:\n" in text
    for close in (CHILD, "Hvad gør jeg, når mit barn er sygt?", "hvad gør jeg når mit barn bliver syg"):
        assert answered_from(capsys, close) is None, close
    for other in ("hvad gør jeg når jeg er syg", "retningslinjer for sygefravær"):
        assert answered_from(capsys, other) == "Sygefravær", other


def test_not_answered_refuses_the_documents_own_question(
    capsys: pytest.CaptureFixture[str], kdir: Path
) -> None:
    before = (kdir / POLICY).read_text(encoding="utf-8")
    code, _, err = run(
        capsys, "teach", "--not-answered", "hvad gør jeg når jeg er syg", "testrup-sygefravaer"
    )
    assert code == 1 and err.splitlines()[0] == (
        f"grundlagbot: nothing changed: {POLICY} would break answers the bot gives now"
    )
    assert "entry testrup-sygefravaer no longer answers its own question" in err
    assert (kdir / POLICY).read_text(encoding="utf-8") == before


def test_teaching_is_audited_without_the_question(
    capsys: pytest.CaptureFixture[str], kdir: Path, tmp_path: Path
) -> None:
    run(capsys, "teach", "kan jeg få tjekket mit helbred", "testrup-sundhedstjek")
    run(capsys, "teach", "--not-answered", CHILD, "testrup-sygefravaer")
    run(capsys, "teach", "kan jeg få tjekket mit helbred", "testrup-sundhed")
    lines = audit_lines(tmp_path)
    assert [line[2:] for line in lines] == [
        ("teach", "ok", f"testrup-sundhedstjek ({POLICY})"),
        ("not-answered", "ok", f"testrup-sygefravaer ({POLICY})"),
        ("teach", "failed", "testrup-sundhed"),
    ]
    assert all(line[1].startswith("cli:") for line in lines)
    assert not any("helbred" in field or "barn" in field for line in lines for field in line)


# -- ask --why ---------------------------------------------------------------------------------


def test_why_explains_an_answer(capsys: pytest.CaptureFixture[str], kdir: Path) -> None:
    code, out, _ = run(capsys, "ask", "--why", "hvor tit kan jeg få et sundhedstjek")
    lines = out.splitlines()
    model = load_model()
    assert code == 0 and lines[:2] == [
        "The question was read as: sundhedstjek",
        f"Candidates (best first; answered at probability ≥ {model.answer:.2f}, suggested at ≥ {model.suggest:.2f}):",
    ]
    assert lines[2].startswith(
        "1. testrup-sundhedstjek “Sundhedstjek hvert andet år” [Testrup Kommune · Sundhed]: ranking "
    )
    assert lines[3].startswith(
        "   covers 100% of the question · like an example question 100% · names 25% of the title"
    )
    assert lines[4].startswith("   weighs most: ") and "a high ranking score (+" in lines[4]
    assert lines[5] == "   → answers from here"


def test_why_explains_a_decline(capsys: pytest.CaptureFixture[str], kdir: Path) -> None:
    code, out, _ = run(capsys, "ask", "--why", "fokusområdet om sundhed")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "The question was read as: fokusomradet, sundhed"
    first, *others = [i for i, line in enumerate(lines) if line[:1].isdigit()]
    assert lines[first].startswith("1. nordby-fokus-faglighed “Fokusområde: fagligt stærke fællesskaber”")
    # Offered under "did you mean" or declined, as its probability falls against the thresholds.
    assert lines[first + 3].startswith("   → not sure enough")
    assert others and all(lines[i + 3] == "   → not sure enough: declined" for i in others)
    assert "   → answers from here" not in lines


def test_why_names_the_document_that_declines(capsys: pytest.CaptureFixture[str], kdir: Path) -> None:
    run(capsys, "teach", "--not-answered", CHILD, "testrup-sygefravaer")
    code, out, _ = run(capsys, "ask", "--why", CHILD)
    assert code == 0 and out.splitlines()[-2:] == [
        "Testrup Kommune · Personalepolitik does not answer: the question is in its not_answered list",
        "No entry fits: the question is declined.",
    ]


def test_why_names_the_words_it_does_not_know(capsys: pytest.CaptureFixture[str], kdir: Path) -> None:
    code, out, _ = run(capsys, "ask", "--why", "qwerty zxcvb")
    assert code == 0 and out.splitlines() == [
        "The question was read as: qwerty, zxcvb",
        "Words the knowledge does not know (they pull the confidence down): qwerty, zxcvb",
        "No entry fits: the question is declined.",
    ]


# -- check -------------------------------------------------------------------------------------


def test_check_lists_the_folder_and_files_and_the_drafts(
    capsys: pytest.CaptureFixture[str], kdir: Path
) -> None:
    edit(kdir / POLICY, "  - id: testrup-sundhedstjek\n", "  - id: testrup-sundhedstjek\n    draft: true\n")
    code, out, _ = run(capsys, "check")
    lines = out.splitlines()
    assert code == 0 and lines[:5] == [
        f"Checking {kdir}: 4 files",
        *(f"  {kdir / name}" for name in ("aarshjul.yaml", "nordby-grundlag.yaml", "synonyms.yaml", POLICY)),
    ]
    assert "1 draft entries (draft: true; review them, then remove the mark): testrup-sundhedstjek" in lines
    assert lines[-1].startswith("OK: 4 files, 2 documents, 9 entries")


def test_check_runs_the_reloads_self_check(
    capsys: pytest.CaptureFixture[str], kdir: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(kdir, copy)
    add_neighbour_with_the_health_check_question(copy)
    code, out, err = run(capsys, "check", str(copy))
    assert (
        code == 1
        and err == "1 problem(s) found\n"
        and out.splitlines()[-1]
        == (
            f"{copy / POLICY}:6: entry testrup-sundhedstjek no longer answers its own question "
            '"hvor tit kan jeg få et sundhedstjek" (now answered by testrup-sundhedsordning)'
        )
    )
    assert run(capsys, "check", str(kdir))[0] == 0  # the serving files themselves pass


def test_check_in_place_notes_what_a_reload_may_refuse(
    capsys: pytest.CaptureFixture[str], kdir: Path
) -> None:
    add_neighbour_with_the_health_check_question(kdir)
    code, out, _ = run(capsys, "check")
    note = (
        f"note: {kdir / POLICY}:6: entry testrup-sundhedstjek does not answer its own question "
        '"hvor tit kan jeg få et sundhedstjek" (now answered by testrup-sundhedsordning) '
        "(a reload refuses this if the entry answered it before your edit)"
    )
    assert code == 0 and note in out.splitlines()


def test_check_verifies_quotes_against_the_source_text(
    capsys: pytest.CaptureFixture[str], kdir: Path
) -> None:
    edit(
        kdir / POLICY,
        "document: Personalepolitik\n",
        "document: Personalepolitik\nsource: testrup-personalepolitik.txt\n",
    )
    code, out, _ = run(capsys, "check")
    note = (
        f"note: {kdir / POLICY}: source testrup-personalepolitik.txt not found beside it or in sources/: "
        "its quotes are not verified"
    )
    assert code == 0 and note in out.splitlines()
    shutil.copytree(TEACHING / "sources", kdir / "sources")  # its page numbers and split words repaired
    source = kdir / "sources" / "testrup-personalepolitik.txt"
    code, out, _ = run(capsys, "check")
    assert code == 0 and f"Quotes of {POLICY} checked against {source}" in out.splitlines()
    edit(
        kdir / POLICY,
        "quote: Mobning er skadeligt for arbejdspladsen.",
        "quote: Mobning skader arbejdspladsen.",
    )
    code, out, _ = run(capsys, "check")
    line = next(
        i
        for i, t in enumerate((kdir / POLICY).read_text().splitlines(), 1)
        if "testrup-mobning-skadelig" in t
    )
    assert code == 1 and out.splitlines()[-1] == (
        f"{kdir / POLICY}:{line}: entry testrup-mobning-skadelig: the quote is not word for word in "
        "testrup-personalepolitik.txt (near “Mobning skader arbejdspladsen. Alle har derfor pligt til at reagere.”): "
        "quotes are the source's own words; leave out with …, never reword"
    )


def test_check_against_shows_the_cases_that_change(
    capsys: pytest.CaptureFixture[str], kdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(kdir, copy)
    monkeypatch.setenv("GRUNDLAGBOT_KNOWLEDGE", str(copy))  # HR teaches the copy ...
    run(capsys, "teach", "--not-answered", CHILD, "testrup-sygefravaer")
    run(capsys, "teach", "--not-answered", "hvem kontakter jeg om mobning", "testrup-mobning-kontakt")
    monkeypatch.setenv("GRUNDLAGBOT_KNOWLEDGE", str(kdir))  # ... and compares it with what serves
    code, out, _ = run(capsys, "check", str(copy), "--against", str(CASES))
    assert code == 0 and out.splitlines()[-3:] == [
        f"{CASES}: 3/4 → 3/4 correct; 2 answers changed",
        f"- [better] '{CHILD}': testrup-sygefravaer → declined (0.0)",
        out.splitlines()[-1],
    ]
    assert out.splitlines()[-1].startswith(
        "- [worse] 'hvem kontakter jeg om mobning': testrup-mobning-kontakt → declined"
    )


def test_check_against_needs_the_edited_copy(capsys: pytest.CaptureFixture[str], kdir: Path) -> None:
    code, out, _ = run(capsys, "check", "--against", str(CASES))
    assert code == 0 and out.splitlines()[-1] == (
        f"--against compares the serving knowledge ({kdir}) with the copy you edited: "
        "give the edited copy as PATH (grundlagbot check COPY --against SET.yaml)"
    )


# -- YAML mistakes in plain words --------------------------------------------------------------

QUESTIONS = "      da: [hvor tit kan jeg få et sundhedstjek, tilbyder kommunen sundhedstjek]\n"


@pytest.mark.parametrize(
    ("old", "new", "at", "hint", "said"),
    [
        (
            "    section: Sundhed\n",
            "\tsection: Sundhed\n",
            "section: Sundhed",
            TAB_HINT,
            "found a tab character",
        ),
        (
            "      da: Ansatte kan få et sundhedstjek hvert andet år.",
            "      da: Bemærk: ansatte kan få et sundhedstjek hvert andet år.",
            "Bemærk:",
            COLON_HINT,
            "mapping values are not allowed",
        ),
        (
            QUESTIONS,
            "      da:\n        - hvor tit kan jeg få et sundhedstjek\n        tilbyder kommunen sundhedstjek\n",
            "        tilbyder kommunen",
            KEY_HINT,
            "could not find expected ':'",
        ),
        (
            "    section: Sundhed\n",
            "   section: Sundhed\n",
            "   section: Sundhed",
            DASH_HINT,
            "expected '-' indicator",
        ),
        (
            "document: Personalepolitik",
            " document: Personalepolitik",
            " document:",
            INDENT_HINT,
            "expected key",
        ),
    ],
    ids=["tab", "unquoted-colon", "missing-dash", "item-indentation", "key-indentation"],
)
def test_yaml_mistakes_are_explained_with_the_fix(
    capsys: pytest.CaptureFixture[str], kdir: Path, old: str, new: str, at: str, hint: str, said: str
) -> None:
    path = kdir / POLICY
    edit(path, old, new)
    line = next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if at in text)
    code, out, _ = run(capsys, "check")
    problem = out.splitlines()[-1]
    assert code == 1 and problem.startswith(f"{path}:{line}: invalid YAML: {hint} (")
    assert said in problem


def test_a_colon_in_a_listed_question_says_how_to_quote_it(
    capsys: pytest.CaptureFixture[str], kdir: Path
) -> None:
    path = kdir / POLICY
    edit(
        path,
        QUESTIONS,
        "      da:\n        - hvor tit kan jeg få et sundhedstjek\n        - sundhedstjek: hvor tit?\n",
    )
    code, out, _ = run(capsys, "check")
    line = next(
        i
        for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "- sundhedstjek:" in text
    )
    assert code == 1 and out.splitlines()[-1] == (
        f"{path}:{line}: entry 'testrup-sundhedstjek'.questions.da[1]: expected text, but YAML read "
        '“sundhedstjek: hvor tit?” as key: value because of the colon; put it in quotes: "sundhedstjek: hvor tit?"'
    )
