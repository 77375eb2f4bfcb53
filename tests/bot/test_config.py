from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.config import PACKAGE_KNOWLEDGE, ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_app_yaml_runs_as_is() -> None:
    settings = load_settings(ROOT / "app.yaml", env={})
    assert settings.knowledge_dir.resolve() == (ROOT / "knowledge" / "data").resolve()
    assert settings.slack is None and not settings.teams.authenticated
    assert settings.schedule.timezone == "Europe/Copenhagen"
    assert settings.schedule.theme_time == time(9, 0)


def test_without_a_config_file_the_embedded_defaults_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, env={})
    assert settings.knowledge_dir == PACKAGE_KNOWLEDGE
    assert settings.db_path == tmp_path / "grundlagbot.sqlite3"


def test_environment_overrides_storage_knowledge_and_adds_admins(tmp_path: Path) -> None:
    cfg = write(tmp_path, "admins:\n  slack: [U0A]\n")
    env = {
        "GRUNDLAGBOT_DB": str(tmp_path / "x.db"),
        "GRUNDLAGBOT_KNOWLEDGE": str(tmp_path),
        "GRUNDLAGBOT_ADMINS": "slack:U0B, teams:aad-1",
    }
    settings = load_settings(cfg, env=env)
    assert settings.db_path == tmp_path / "x.db"
    assert settings.knowledge_dir == tmp_path
    assert settings.admins == {"slack:U0A", "slack:U0B", "teams:aad-1"}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("colour: blue\n", "colour: unknown key"),
        ("schedule:\n  weekly_theme:\n    time: '25:00'\n", "schedule.weekly_theme.time: expected a time"),
        ("schedule:\n  weekly_theme:\n    day: someday\n", "schedule.weekly_theme.day"),
        ("schedule:\n  timezone: Mars/Olympus\n", "unknown time zone"),
        ("storage:\n  question_retention_days: 0\n", "question_retention_days"),
        ("organizations: {name: x}\n", "organizations: expected a list"),
        ("knowledge: [1\n", "invalid YAML"),
    ],
)
def test_bad_config_names_file_key_and_expectation(tmp_path: Path, text: str, needle: str) -> None:
    cfg = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(cfg, env={})
    assert str(cfg) in str(err.value) and needle in str(err.value)


def test_half_configured_slack_is_an_error_not_a_silent_off(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        load_settings(write(tmp_path, ""), env={"SLACK_BOT_TOKEN": "xoxb-1"})


def test_single_tenant_teams_needs_a_tenant(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MICROSOFT_APP_TENANT_ID"):
        load_settings(write(tmp_path, ""), env={"MICROSOFT_APP_ID": "app"})
    teams = load_settings(
        write(tmp_path, ""), env={"MICROSOFT_APP_ID": "app", "MICROSOFT_APP_TENANT_ID": "t"}
    ).teams
    assert teams.authenticated and teams.app_type == "SingleTenant"


def test_bad_admin_entry_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="GRUNDLAGBOT_ADMINS"):
        load_settings(write(tmp_path, ""), env={"GRUNDLAGBOT_ADMINS": "U0123"})


def test_missing_config_file_named_explicitly_fails(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.yaml", env={})
