"""Loading and validating knowledge files: every problem, each at its exact ``file:line``."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from knowledge import loader
from knowledge.loader import load_knowledge
from knowledge.model import KnowledgeError, Problem
from tests.knowledge.knowledge_sets import MINI, REAL

POLICY = "testrup-politik.yaml"


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(MINI, target)
    return target


def edit(kdir: Path, name: str, old: str, new: str) -> Path:
    """Replace the first ``old`` in a copied fixture file; returns the file."""
    path = kdir / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(path: Path, fragment: str, occurrence: int = 1) -> int:
    hits = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in line]
    return hits[occurrence - 1]


def problems(path: Path) -> list[Problem]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(path)
    return caught.value.problems


def test_the_fixture_loads_with_entries_themes_glossary_and_wheel() -> None:
    kb = load_knowledge(MINI)
    assert {d.organization for d in kb.documents} == {"Testrup Kommune", "Nordby Kommune"}
    sygefravaer = kb.entry("testrup-sygefravaer")
    assert sygefravaer is not None and sygefravaer.related == ("testrup-sundhedstjek",)
    assert sygefravaer.file.endswith(POLICY) and sygefravaer.line > 1
    assert [e.id for e in kb.themes("Testrup Kommune")] == ["testrup-tema-dialog"]
    assert "bullying" in kb.glossary.english and "mobning" in kb.glossary.sensitive
    wheel = kb.wheel("Testrup Kommune")
    assert (
        wheel is not None
        and wheel.example
        and [i.entry for i in wheel.items] == ["testrup-sygefravaer", None]
    )
    assert wheel.items[1].week == 40 and wheel.items[1].lead_days == 14


def test_the_real_knowledge_loads() -> None:
    kb = load_knowledge(REAL)
    assert len(kb.documents) >= 5 and len(kb.entries) > 100 and kb.glossary.english


def test_the_version_follows_the_content(kdir: Path) -> None:
    first = load_knowledge(kdir).version
    assert load_knowledge(kdir).version == first
    edit(kdir, POLICY, "hvert andet år.", "hvert år.")
    assert load_knowledge(kdir).version != first


def test_broken_yaml_points_at_its_line(kdir: Path) -> None:
    path = edit(kdir, POLICY, "keywords: [sundhedstjek, sundhed]", "keywords: [sundhedstjek, sundhed")
    [problem] = problems(kdir)  # and no noise about the entries that file would have held
    assert (problem.file, problem.line) == (str(path), line_of(path, "keywords: [sundhedstjek, sundhed"))
    assert "invalid YAML" in problem.message and "flow sequence" in problem.message


def test_an_unknown_key_is_reported_at_the_key(kdir: Path) -> None:
    path = edit(kdir, POLICY, "    section: Sundhed\n", "    section: Sundhed\n    sektion: Sundhed\n")
    [problem] = problems(kdir)
    assert problem == Problem(str(path), line_of(path, "sektion:"), problem.message)
    assert "unknown key 'sektion'" in problem.message


def test_a_missing_key_is_reported_at_the_entry(kdir: Path) -> None:
    path = edit(kdir, POLICY, "    title: Sundhedstjek hvert andet år\n", "")
    [problem] = problems(kdir)
    assert (
        problem.line == line_of(path, "- id: testrup-sundhedstjek")
        and "missing required key 'title'" in problem.message
    )


def test_a_duplicate_id_names_both_places(kdir: Path) -> None:
    first = edit(kdir, "nordby-grundlag.yaml", "- id: nordby-vaerdi-mod", "- id: testrup-sundhedstjek")
    second = kdir / POLICY  # files load in name order: the policy's id is the second one
    [problem] = problems(kdir)
    assert (problem.file, problem.line) == (str(second), line_of(second, "- id: testrup-sundhedstjek"))
    assert "duplicate id 'testrup-sundhedstjek'" in problem.message
    assert f"{first}:{line_of(first, '- id: testrup-sundhedstjek')}" in problem.message


def test_an_empty_quote_and_empty_questions_are_reported(kdir: Path) -> None:
    path = edit(
        kdir,
        POLICY,
        "    quote: Ansatte i Testrup Kommune kan få et sundhedstjek hvert andet år.",
        '    quote: ""',
    )
    edit(kdir, POLICY, "      en: [how often can I get a health check]", "      en: []")
    found = {p.line: p.message for p in problems(kdir)}
    assert "must not be empty" in found[line_of(path, 'quote: ""')]
    assert "non-empty list" in found[line_of(path, "en: []")]


def test_an_unknown_kind_and_dangling_references_are_reported(kdir: Path) -> None:
    path = edit(kdir, POLICY, "kind: curated", "kind: faq")
    edit(kdir, POLICY, "related: [testrup-sundhedstjek]", "related: [testrup-findes-ikke]")
    wheel = edit(kdir, "aarshjul.yaml", "entry: testrup-sygefravaer", "entry: testrup-mangler")
    found = {(p.file, p.line): p.message for p in problems(kdir)}
    assert "unknown kind 'faq'" in found[str(path), line_of(path, "kind: faq")]
    assert "testrup-findes-ikke" in found[str(path), line_of(path, "related: [testrup-findes-ikke]")]
    assert "testrup-mangler" in found[str(wheel), line_of(wheel, "entry: testrup-mangler")]


def test_wrong_types_are_reported(kdir: Path) -> None:
    path = edit(kdir, POLICY, "    contacts: true", "    contacts: maybe")
    edit(kdir, "nordby-grundlag.yaml", "      order: 2", "      order: second")
    messages = [p.message for p in problems(kdir)]
    assert any("expected true or false" in m for m in messages)
    assert any("expected a whole number" in m for m in messages)
    assert path.exists()


def test_a_file_that_is_not_knowledge_is_reported(kdir: Path) -> None:
    (kdir / "notes.yaml").write_text("title: noter\nitems: [a, b]\n", encoding="utf-8")
    [problem] = problems(kdir)
    assert problem.file.endswith("notes.yaml") and problem.line == 1
    assert "none of the top-level keys document, glossary, wheel" in problem.message


def test_all_problems_are_collected_at_once(kdir: Path) -> None:
    edit(kdir, POLICY, "    section: Sundhed\n", "    sektion: Sundhed\n")
    edit(kdir, "nordby-grundlag.yaml", "kind: value", "kind: værdi")
    (kdir / "empty.yaml").write_text("", encoding="utf-8")
    files = {Path(p.file).name for p in problems(kdir)}
    assert files == {POLICY, "nordby-grundlag.yaml", "empty.yaml"}


def test_a_missing_path_and_an_empty_directory_are_problems(tmp_path: Path) -> None:
    assert "no such file" in problems(tmp_path / "missing.yaml")[0].message
    assert "no knowledge files" in problems(tmp_path)[0].message


def test_follow_up_words_are_read_with_their_roles() -> None:
    followups = load_knowledge(REAL).glossary.followups
    assert followups.openers.da and followups.openers.en and followups.conditions.en
    assert followups.elaborate.da and followups.elaborate.en
    assert set(followups.roles) == {"leaders", "employees"}
    assert all(role.ask and role.words.da and role.words.en for role in followups.roles.values())


def test_mistakes_in_the_follow_up_words_are_reported_at_their_lines(kdir: Path) -> None:
    path = kdir / "synonyms.yaml"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "  followups:\n"
        + "    openers: {da: [og], fr: [et]}\n"
        + "    elaborate: uddyb\n"
        + "    roles:\n"
        + "      ledere:\n"
        + "        da: [ledere]\n"
        + "      Employees: {ask: medarbejdernes ansvar}\n",
        encoding="utf-8",
    )
    found = {(p.line, p.message) for p in problems(kdir)}
    assert found == {
        (line_of(path, "fr: [et]"), "glossary.followups.openers: unknown key 'fr' (expected one of da, en)"),
        (line_of(path, "elaborate: uddyb"), "glossary.followups.elaborate: expected a mapping"),
        (line_of(path, "da: [ledere]"), "glossary.followups.roles.ledere: missing required key 'ask'"),
        (
            line_of(path, "Employees:"),
            "glossary.followups.roles: role 'Employees' must be lower case letters, digits and '-'",
        ),
        (
            line_of(path, "Employees:"),
            "glossary.followups.roles.Employees: give the words that name the role under da or en",
        ),
    }
    assert {p.file for p in problems(kdir)} == {str(path)}


def test_an_unknown_role_and_a_misshapen_situation_list_are_named_at_their_lines(kdir: Path) -> None:
    policy = edit(kdir, POLICY, "    kind: ", "    role: managers\n    kind: ")
    glossary = kdir / "synonyms.yaml"
    glossary.write_text(
        glossary.read_text(encoding="utf-8") + "  situations:\n    da: [holdt udenfor]\n",
        encoding="utf-8",
    )
    found = [str(p) for p in problems(kdir)]
    assert any(
        f"{policy.name}:{line_of(policy, 'role: managers')}:" in p and "unknown role" in p for p in found
    )
    assert any("synonyms.yaml" in p and "glossary.situations.da" in p for p in found)


def test_situations_roles_and_small_talk_are_read_from_the_glossary(kdir: Path) -> None:
    glossary = kdir / "synonyms.yaml"
    glossary.write_text(
        glossary.read_text(encoding="utf-8")
        + "  situations:\n    da: {holdt udenfor: [mobning]}\n    en: {left out: [mobning]}\n"
        + "  roles: {leaders: [som leder]}\n  small_talk: {thanks: [tak]}\n  facts: [hvor mange]\n",
        encoding="utf-8",
    )
    g = load_knowledge(kdir).glossary
    assert g.synonyms["holdt udenfor"] == ("mobning",) and "mobning" in g.english["left out"]
    assert g.roles == {"leaders": ("som leder",)} and g.small_talk["thanks"] == ("tak",)
    assert g.facts == ("hvor mange",)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(kdir: Path) -> None:
    huge = kdir / "eksport.yaml"
    with huge.open("wb") as f:
        f.truncate(50_000_000)  # 50 MB (of nothing: a sparse file, quick to make)
    started = time.monotonic()
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(kdir)
    assert time.monotonic() - started < 1
    assert [(p.file, p.line) for p in err.value.problems] == [(str(huge), 1)]
    assert "50.0 MB" in err.value.problems[0].message and "at most 1.0 MB" in err.value.problems[0].message


def test_too_many_bytes_or_files_together_are_refused(kdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_TOTAL_BYTES", 1000)
    with pytest.raises(KnowledgeError, match=r"together; at most 0\.0 MB"):
        load_knowledge(kdir)
    monkeypatch.setattr(loader, "MAX_FILES", 2)
    with pytest.raises(KnowledgeError, match=r"4 knowledge files; at most 2"):
        load_knowledge(kdir)
