"""``grundlagbot train``: the decision model refitted from knowledge files and tuning sets, with
its held-out scores printed, and written where asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from knowledge.decision import load_model
from knowledge.matcher import Matcher
from tests.knowledge import knowledge_sets

TUNING = """\
- {q: "hvor tit kan jeg få et sundhedstjek?", any: [sundhedstjek]}
- {q: "how often can I get a health check", any: [sundhedstjek]}
- {q: "hvem kontakter jeg om mobning", any: [mobning]}
- {q: "regler om sygefravær", any: [sygefravær]}
- {q: "hvad er klokken", oos: true}
- {q: "hvordan laver man lasagne", oos: true}
- {q: "hvor meget pension får jeg", oos: true}
"""


@pytest.fixture
def workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GRUNDLAGBOT_KNOWLEDGE", str(knowledge_sets.MINI))
    monkeypatch.setenv("GRUNDLAGBOT_DB", str(tmp_path / "bot.sqlite3"))
    monkeypatch.delenv("GRUNDLAGBOT_CONFIG", raising=False)
    sets = tmp_path / "sets"
    sets.mkdir()
    (sets / "tuning_mini.yaml").write_text(TUNING, encoding="utf-8")
    (sets / "test_never_read.yaml").write_text("not: [a, question, set", encoding="utf-8")
    return tmp_path


def test_train_prints_held_out_scores_and_writes_a_model_the_matcher_uses(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = workdir / "decision.json"
    assert main(["train", "--sets-dir", str(workdir / "sets"), "--out", str(out_file)]) == 0
    printed = capsys.readouterr().out
    # The test set (unreadable on purpose) is never read: only tuning_*.yaml.
    assert "held out, tuning:" in printed and "held out, oos:" in printed and str(out_file) in printed
    model = load_model(out_file)
    # Out-of-scope questions no entry matches at all are declined without the model: not rows.
    assert model.info["tuning_sets"] == ["tuning_mini.yaml"] and 1 <= model.info["fitted_to"]["oos"] <= 3
    matcher = Matcher(knowledge_sets.mini().kb, model)
    assert matcher.match("hvor tit kan jeg få et sundhedstjek?").best is not None


def test_a_dry_run_writes_nothing_and_no_tuning_sets_is_a_clear_error(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--sets-dir", str(workdir / "sets"), "--dry-run", "--out", "x.json"]) == 0
    assert not (workdir / "x.json").exists() and "nothing written" in capsys.readouterr().out
    assert main(["train", "--sets-dir", str(workdir / "empty")]) == 2
    assert "no tuning sets" in capsys.readouterr().err
