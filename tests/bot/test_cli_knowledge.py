"""The knowledge commands of the CLI: ask (one, --json, --org, stdin batch streaming), chat,
check (exit codes and file:line) and eval."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import bot.cli_knowledge
from bot import plain_render
from bot.cli import main
from handlers.ask import answer
from handlers.texts import t
from tests.handlers.followup_cases import role_pair
from tests.knowledge import knowledge_sets

ROOT = knowledge_sets.ROOT


@pytest.fixture(autouse=True)
def real_knowledge(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The real knowledge files, built once per session, and no app.yaml from the working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GRUNDLAGBOT_KNOWLEDGE", str(knowledge_sets.REAL))
    monkeypatch.setenv("GRUNDLAGBOT_DB", str(tmp_path / "bot.sqlite3"))
    monkeypatch.delenv("GRUNDLAGBOT_CONFIG", raising=False)
    monkeypatch.setattr(bot.cli_knowledge, "build_snapshot", lambda path: knowledge_sets.real())


def run(capsys: pytest.CaptureFixture[str], *argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8")
    try:
        code = main(list(argv))
    finally:
        sys.stdin = sys.__stdin__
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_answers_in_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "hvem skal jeg kontakte om mobning?")
    assert code == 0 and "tillidsrepræsentant" in out and "Kilde: Allerød Kommune" in out


def test_ask_json_prints_one_object_of_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "--json", "who do I contact about bullying?")
    [line] = out.splitlines()
    data = json.loads(line)
    assert code == 0 and data["answered"] is True and isinstance(data["score"], float)
    assert set(data) == {"answered", "text", "score", "source", "suggestions"}
    assert set(data["source"]) == {"organization", "document", "section", "quote"}
    assert "union representative" in data["text"]


def test_ask_org_limits_the_answer(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "ask", "--json", "--org", "gentofte", "hvad er formålet med grundlaget")
    data = json.loads(out)
    assert data["answered"] and data["source"]["organization"] == "Gentofte Kommune"


def test_ask_reads_one_question_per_line_from_stdin(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "--json", stdin="sundhedstjek\nqwerty\n\n")
    answers = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [a["answered"] for a in answers] == [True, False, False]
    assert "sundhedstjek" in answers[0]["source"]["quote"].lower()


def test_ask_on_stdin_writes_one_line_per_answer(capsys: pytest.CaptureFixture[str]) -> None:
    questions = [
        "hvad er formålet med grundlaget",
        "hvad er der til frokost",
        "who do I contact about bullying?",
    ]
    code, out, _ = run(capsys, "ask", stdin="\n".join(questions) + "\n")
    lines = out.splitlines()
    replies = [answer(knowledge_sets.real(), q) for q in questions]
    assert code == 0 and lines == [plain_render.one_line(r) for r in replies]
    whole = plain_render.render(replies[0])  # paragraphs, and a quote of several lines, ...
    assert whole.count("\n") >= 3 and replies[0].source is not None
    assert plain_render.source_line(replies[0].source, "da") in lines[0]  # ... on one line
    assert replies[1].text in lines[1] and not replies[1].answered
    assert "union representative" in lines[2]


def test_ask_survives_binary_stdin(capsys: pytest.CaptureFixture[str]) -> None:
    sys.stdin = io.TextIOWrapper(
        io.BytesIO(os.urandom(3000).replace(b"\n", b" ").replace(b"\r", b" ") + b"\nsundhedstjek\n")
    )
    try:
        code = main(["ask", "--json"])
    finally:
        sys.stdin = sys.__stdin__
    answers = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0 and [a["answered"] for a in answers] == [False, True]


def test_ask_streams_an_answer_per_line_before_stdin_ends() -> None:
    env = {**os.environ, "GRUNDLAGBOT_KNOWLEDGE": str(knowledge_sets.REAL), "PYTHONPATH": str(ROOT)}
    env.pop("GRUNDLAGBOT_CONFIG", None)
    with subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "ask", "--json"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8", env=env, cwd=ROOT,
    ) as proc:  # fmt: skip
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("sundhedstjek\n")
        proc.stdin.flush()
        first = json.loads(proc.stdout.readline())  # arrives while stdin is still open
        proc.stdin.write("qwerty\n")
        proc.stdin.close()
        second = json.loads(proc.stdout.readline())
        assert proc.wait(timeout=60) == 0
    assert first["answered"] and not second["answered"]


def test_chat_answers_until_goodbye(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "chat", stdin="sundhedstjek\n\nfarvel\nqwerty\n")
    assert code == 0 and "Farvel" in out and "Kilde:" in out
    assert "Det kan jeg desværre ikke" not in out  # nothing after the goodbye was answered


def test_chat_ends_on_end_of_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "chat", stdin="who do I contact about bullying?\n")
    assert code == 0 and "Source:" in out and "Farvel" in out


def test_check_passes_the_real_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check")
    lines = out.splitlines()
    assert code == 0 and lines[0] == f"Checking {knowledge_sets.REAL}: 7 files" and "entries" in lines[-1]
    assert lines[-1].startswith("OK: ") and f"  {knowledge_sets.REAL / 'synonyms.yaml'}" in lines


def test_check_points_at_a_broken_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    kdir = tmp_path / "k"
    shutil.copytree(knowledge_sets.MINI, kdir)
    broken = kdir / "nordby-grundlag.yaml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("kind: value", "kind: værdi"), encoding="utf-8"
    )
    line = next(
        i
        for i, text in enumerate(broken.read_text(encoding="utf-8").splitlines(), 1)
        if "kind: værdi" in text
    )
    code, out, _ = run(capsys, "check", str(kdir))
    expected = (
        f"{broken}:{line}: entry 'nordby-vaerdi-mod': unknown kind 'værdi' "
        "(expected one of theme, value, focus-area, section, statement, responsibility, curated)"
    )
    assert code == 1 and out.splitlines()[-1] == expected and out.startswith(f"Checking {kdir}: 4 files")


def test_check_refuses_a_file_over_the_size_limit(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    kdir = tmp_path / "k"
    shutil.copytree(knowledge_sets.MINI, kdir)
    (kdir / "eksport.yaml").write_bytes(b"document: x\n" + b"#" * 1_100_000 + b"\n")
    code, out, _ = run(capsys, "check", str(kdir))
    assert code == 1 and out.splitlines()[-1] == (
        f"{kdir / 'eksport.yaml'}:1: the file is 1.1 MB; a knowledge file may be at most 1.0 MB: "
        "split it into several files"
    )


def test_eval_prints_accuracy_and_each_miss(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "- {q: sundhedstjek, any: [hvert andet år]}\n"
        "- {q: sundhedstjek, any: [et ord der ikke står der]}\n"
        "- {q: qwerty, oos: true}\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "eval", str(cases))
    assert code == 0
    assert "in scope: 1/2 correct (50.0%)" in out and "out of scope: 1/1 declined (100.0%)" in out
    assert "'sundhedstjek': expected et ord der ikke står der; answered “Sundhedstjek" in out


def test_eval_rejects_a_broken_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text("- {q: sundhedstjek}\n", encoding="utf-8")
    code, _, err = run(capsys, "eval", str(cases))
    assert code == 2 and "case 1" in err


def test_chat_follows_up_on_the_previous_answer(capsys: pytest.CaptureFixture[str]) -> None:
    pair = role_pair(knowledge_sets.real())
    leaders, employees = pair["leaders"], pair["employees"]
    lines = [leaders.questions_da[0], "og for medarbejderne?", "uddyb"]
    code, out, _ = run(capsys, "chat", stdin="\n".join(lines) + "\n")
    first, other_role, more = out.split(t("chat.prompt"))[1:4]  # the answers, one per prompt
    source = f"Kilde: {employees.organization} · {employees.document} · {employees.section}"
    assert code == 0 and leaders.answer.da in first and employees.answer.da not in first
    assert other_role.startswith(employees.answer.da) and source in other_role
    assert more.startswith(t("followup.continued", "da")) and employees.answer.da in more
    assert employees.quote in more and source in more


def test_ask_keeps_no_conversation(capsys: pytest.CaptureFixture[str]) -> None:
    leaders = role_pair(knowledge_sets.real())["leaders"]
    code, out, _ = run(capsys, "ask", "--json", stdin=f"{leaders.questions_da[0]}\nog for medarbejderne?\n")
    answers = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [a["answered"] for a in answers] == [True, False]
