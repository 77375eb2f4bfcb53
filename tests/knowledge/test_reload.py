"""Reloading the knowledge into a running service: validate, build, check, swap, report."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from handlers.ask import answer
from knowledge.normalize import fold, words
from knowledge.reload import Reloader, answers_itself
from knowledge.service import KnowledgeService
from tests.knowledge.edits import (
    BROKEN_YAML,
    add_stopwords,
    copy_entry,
    copy_knowledge,
    document_files,
    entry_ids,
    move_before,
    organizations_with_one_file,
    remove_entry,
    retitle,
    serving,
)


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    return copy_knowledge(tmp_path)


@pytest.fixture
def service(kdir: Path) -> KnowledgeService:
    return serving(kdir)


@pytest.fixture
def reloader(service: KnowledgeService, kdir: Path) -> Reloader:
    return Reloader(service, kdir)


def self_answering(service: KnowledgeService, organization: str | None = None) -> list[str]:
    """Ids of entries that are the best match for their own first question."""
    snap = service.current
    return [
        e.id
        for e in snap.kb.entries
        if answers_itself(snap.matcher, e) and organization in (None, e.organization)
    ]


async def test_a_broken_file_is_named_and_the_serving_knowledge_stays(
    reloader: Reloader, service: KnowledgeService, kdir: Path
) -> None:
    before = service.current
    entry = before.kb.entry(self_answering(service)[0])
    assert entry is not None
    (kdir / "broken.yaml").write_text(BROKEN_YAML, encoding="utf-8")

    report = await reloader.reload()

    assert not report.ok
    assert report.problems and all(p.file == "broken.yaml" and p.line >= 1 for p in report.problems)
    assert str(report.problems[0]).startswith("broken.yaml:")
    assert service.current is before and report.version == before.kb.version
    assert answer(service.current, entry.questions[0], entry.organization).entry_id == entry.id


async def test_problems_name_files_in_subfolders_relative_to_the_knowledge_dir(
    reloader: Reloader, kdir: Path
) -> None:
    (kdir / "hr").mkdir()
    (kdir / "hr" / "udkast.yaml").write_text(BROKEN_YAML, encoding="utf-8")

    report = await reloader.reload()

    assert [p.file for p in report.problems] == ["hr/udkast.yaml"] * len(report.problems)


async def test_a_removed_document_is_gone_after_reload(
    reloader: Reloader, service: KnowledgeService, kdir: Path
) -> None:
    organization = organizations_with_one_file(kdir)[0]
    path = document_files(kdir)[organization]
    before = service.current
    gone = [e for e in before.kb.entries if e.organization == organization]
    path.unlink()

    report = await reloader.reload()

    assert report.ok and report.version != before.kb.version
    assert report.counts == (0, len(gone), 0)
    [change] = report.changes
    assert change.organization == organization and set(change.removed) == {e.id for e in gone}
    assert organization not in service.current.kb.organizations()
    assert report.entries == len(before.kb.entries) - len(gone) == len(service.current.kb.entries)
    for entry in gone:
        reply = answer(service.current, entry.questions[0])
        assert reply.source is None or reply.source.organization != organization
    # A question that was already being answered holds the old snapshot and finishes on it.
    assert answer(before, gone[0].questions[0], organization).source is not None


async def test_the_report_counts_entries_added_removed_and_changed_per_document(
    reloader: Reloader, service: KnowledgeService, kdir: Path
) -> None:
    files = document_files(kdir)
    org_a, org_b = list(files)[:2]
    a_ids = [i for i in self_answering(service, org_a) if i in entry_ids(files[org_a])]
    removed, changed = a_ids[0], a_ids[1]
    moved = next(i for i in self_answering(service, org_b) if i in entry_ids(files[org_b]))
    remove_entry(files[org_a], removed)
    retitle(files[org_a], changed, " (opdateret)")
    copy_entry(files[org_b], moved, files[org_a], f"{moved}-kopi")  # into org A's document

    report = await reloader.reload()

    assert report.ok, report.problems
    assert report.counts == (1, 1, 1)
    [change] = report.changes
    assert (change.organization, change.added, change.removed, change.changed) == (
        org_a,
        (f"{moved}-kopi",),
        (removed,),
        (changed,),
    )
    new = service.current.kb
    assert new.entry(removed) is None and new.entry(f"{moved}-kopi") is not None
    assert (entry := new.entry(changed)) is not None and entry.title.endswith("(opdateret)")


async def test_moving_an_entry_within_its_file_is_no_change(reloader: Reloader, kdir: Path) -> None:
    path = next(iter(document_files(kdir).values()))
    first, *_, last = entry_ids(path)
    text = path.read_text(encoding="utf-8")
    move_before(path, last, first)
    assert path.read_text(encoding="utf-8") != text and entry_ids(path)[0] == last

    report = await reloader.reload()

    assert report.ok and report.changes == () and report.counts == (0, 0, 0)


async def test_a_pasted_duplicate_entry_stops_the_reload(
    reloader: Reloader, service: KnowledgeService, kdir: Path
) -> None:
    files = document_files(kdir)
    organization = next(iter(files))
    original = next(i for i in self_answering(service, organization) if i in entry_ids(files[organization]))
    before = service.current
    copy_entry(files[organization], original, files[organization], f"{original}-kopi")

    report = await reloader.reload()

    assert not report.ok and service.current is before
    [problem] = report.problems
    assert problem.file == files[organization].name and problem.line > 1
    assert problem.message.startswith(f"entry {original}-kopi does not answer its own question")
    assert f"now answered by {original}" in problem.message


async def test_an_entry_that_no_longer_answers_its_own_question_stops_the_reload(
    reloader: Reloader, service: KnowledgeService, kdir: Path
) -> None:
    snap = service.current
    keywords = {fold(k) for e in snap.kb.entries for k in e.keywords}
    victim = next(
        e
        for e in snap.kb.entries
        if answers_itself(snap.matcher, e) and not {w.folded for w in words(e.questions[0])} & keywords
    )
    # HR adds the words of the entry's question to the stop words: the question says nothing any more.
    add_stopwords(kdir, [w.folded for w in words(victim.questions[0])])

    report = await reloader.reload()

    assert not report.ok and service.current is snap
    [problem] = [p for p in report.problems if f"entry {victim.id} " in p.message]
    assert str(problem).startswith(
        f"{Path(victim.file).name}:{victim.line}: entry {victim.id} no longer answers its own question "
        f'"{victim.questions[0]}"'
    )


async def test_concurrent_reloads_are_serialised(
    reloader: Reloader, service: KnowledgeService, kdir: Path
) -> None:
    organization = organizations_with_one_file(kdir)[0]
    first_version = service.current.kb.version
    document_files(kdir)[organization].unlink()

    first, second = await asyncio.gather(reloader.reload(), reloader.reload())

    assert first.ok and second.ok
    # The second started on what the first put in service, so it found nothing more to change.
    assert first.previous_version == first_version and second.previous_version == first.version
    assert first.counts[1] > 0 and second.changes == ()
    # Every successful reload serves a new version; the content hash before the dot is the same.
    assert service.current.kb.version == second.version != first.version
    assert second.version.split(".")[0] == first.version.split(".")[0]


async def test_questions_are_answered_while_a_reload_runs(
    reloader: Reloader, service: KnowledgeService
) -> None:
    entry = service.current.kb.entry(self_answering(service)[0])
    assert entry is not None
    answered: list[str | None] = []
    reload = asyncio.create_task(reloader.reload())
    while not reload.done():
        answered.append(answer(service.current, entry.questions[0], entry.organization).entry_id)
        await asyncio.sleep(0.001)  # the event loop stays free: loading runs in a worker thread

    assert (await reload).ok
    assert len(answered) > 1 and set(answered) == {entry.id}


async def test_a_reload_without_edits_reports_no_changes(
    reloader: Reloader, service: KnowledgeService
) -> None:
    version = service.current.kb.version

    report = await reloader.reload()

    assert report.ok and report.changes == () and report.other_changes == ()
    # Still a new version (DESIGN.md: /healthz's version changes on every successful reload),
    # over the same content hash.
    assert report.version != version and report.version.split(".")[0] == version.split(".")[0]
    assert report.seconds > 0


async def test_a_vanished_knowledge_directory_is_a_problem_not_a_crash(
    reloader: Reloader, service: KnowledgeService, kdir: Path
) -> None:
    before = service.current
    shutil.rmtree(kdir)

    report = await reloader.reload()

    assert not report.ok and service.current is before
    assert [p.file for p in report.problems] == [str(kdir)]


async def test_removing_a_shared_file_is_warned_about_and_putting_it_back_is_accepted(
    reloader: Reloader, service: KnowledgeService, kdir: Path
) -> None:
    started = service.current.version
    synonyms = kdir / "synonyms.yaml"
    away = synonyms.rename(kdir / "synonyms.txt")

    removed = await reloader.reload()
    assert removed.ok and service.current.version != started
    assert [(w.file, w.line) for w in removed.warnings] == [("synonyms.yaml", 1)]
    assert "shared file is gone" in removed.warnings[0].message
    without = service.current.version

    away.rename(synonyms)
    report = await reloader.reload()
    assert report.ok and report.warnings == () and service.current.version != without
    assert answer(service.current, "who do I contact about bullying?").answered


async def test_the_files_the_bot_started_with_can_always_be_reloaded(
    reloader: Reloader, service: KnowledgeService, kdir: Path
) -> None:
    started = service.current.kb.content
    original = {p: p.read_bytes() for p in kdir.rglob("*.yaml")}
    (kdir / "synonyms.yaml").write_text("glossary: {}\n", encoding="utf-8")  # emptied, not removed
    emptied = await reloader.reload()
    assert emptied.ok, emptied.problems  # nothing answers worse without synonyms than with none

    for path, data in original.items():
        path.write_bytes(data)
    report = await reloader.reload()

    assert report.ok, report.problems  # the self-check would hold it against the emptied glossary
    assert service.current.kb.content == started


async def test_a_file_over_the_size_limit_is_refused_at_once(
    reloader: Reloader, service: KnowledgeService, kdir: Path
) -> None:
    before = service.current.version
    with (kdir / "eksport.yaml").open("wb") as f:
        f.truncate(50_000_000)
    report = await reloader.reload()
    assert not report.ok and report.seconds < 1 and service.current.version == before
    assert [(p.file, p.line) for p in report.problems] == [("eksport.yaml", 1)]
    assert "a knowledge file may be at most 1.0 MB" in report.problems[0].message
