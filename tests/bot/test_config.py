from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.config import PACKAGE_KNOWLEDGE, ConfigError, load_settings
from bot.config_model import Environment

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


def test_slack_oauth_needs_all_three_and_the_signing_secret(tmp_path: Path) -> None:
    half = {"SLACK_CLIENT_ID": "111.222", "SLACK_SIGNING_SECRET": "s"}
    with pytest.raises(ConfigError, match="SLACK_CLIENT_SECRET") as err:
        load_settings(write(tmp_path, ""), env=half)
    assert "SLACK_STATE_SECRET" in str(err.value) and "SLACK_BOT_TOKEN" not in str(err.value)
    whole = half | {"SLACK_CLIENT_SECRET": "c", "SLACK_STATE_SECRET": "st"}
    slack = load_settings(write(tmp_path, ""), env=whole).slack
    assert slack is not None and slack.bot_token is None and slack.oauth is not None
    assert slack.oauth.client_id == "111.222"


def test_single_tenant_teams_needs_a_tenant(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MICROSOFT_APP_TENANT_ID"):
        load_settings(write(tmp_path, ""), env={"MICROSOFT_APP_ID": "app", "MICROSOFT_APP_PASSWORD": "pw"})
    teams = load_settings(
        write(tmp_path, ""),
        env={"MICROSOFT_APP_ID": "app", "MICROSOFT_APP_PASSWORD": "pw", "MICROSOFT_APP_TENANT_ID": "t"},
    ).teams
    assert teams.authenticated and teams.app_type == "SingleTenant"


def test_bad_admin_entry_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="GRUNDLAGBOT_ADMINS"):
        load_settings(write(tmp_path, ""), env={"GRUNDLAGBOT_ADMINS": "U0123"})


def test_missing_config_file_named_explicitly_fails(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.yaml", env={})


# -- the mistakes of issue 10, each refused with the file, the key and what was expected -----------

SHIPPED = (
    (ROOT / "app.yaml")
    .read_text(encoding="utf-8")
    .replace("path: knowledge/data", f"path: {ROOT / 'knowledge' / 'data'}")
)


def shipped(tmp_path: Path, old: str = "", new: str = "", extra: str = "") -> Path:
    """The shipped app.yaml, its knowledge path made absolute, with one change."""
    assert old in SHIPPED
    return write(tmp_path, SHIPPED.replace(old, new) + extra)


def refused(cfg: Path, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as err:
        load_settings(cfg, env=env or {})
    return str(err.value)


def test_the_shipped_app_yaml_with_an_absolute_knowledge_path_is_accepted(tmp_path: Path) -> None:
    settings = load_settings(shipped(tmp_path), env={})
    assert settings.schedule.theme_day == "mon" and settings.schedule.grace_hours == 12.0
    assert settings.schedule.channels[0].organization == "Allerød Kommune"


def test_default_organization_must_be_a_name_not_a_list(tmp_path: Path) -> None:
    cfg = shipped(tmp_path, extra="default_organization: [1, 2]\n")
    line = len(SHIPPED.splitlines()) + 1  # the line added after the shipped file
    assert f"{cfg}:{line}: default_organization: expected an organisation's name, got [1, 2]" in refused(cfg)


def test_a_weekday_that_is_only_nearly_one_is_refused(tmp_path: Path) -> None:
    cfg = shipped(tmp_path, "day: mon", "day: monday-ish")
    message = refused(cfg)
    assert f"{cfg}:14: schedule.weekly_theme.day: expected one of mon, tue" in message
    assert "'monday-ish'" in message
    assert load_settings(shipped(tmp_path, "day: mon", "day: Thursday"), env={}).schedule.theme_day == "thu"


def test_storage_path_must_be_a_file_name_not_a_list(tmp_path: Path) -> None:
    cfg = shipped(tmp_path, "path: grundlagbot.sqlite3", "path: [a, b]")
    message = refused(cfg, {"GRUNDLAGBOT_DB": str(tmp_path / "db")})  # checked even when overridden
    assert f"{cfg}:6: storage.path: expected a file name for the SQLite database, got ['a', 'b']" in message


@pytest.mark.parametrize("hours", ["1.0e+100", ".inf", ".nan", "-1", "169", "true", "'12'"])
def test_absurd_grace_hours_are_refused(tmp_path: Path, hours: str) -> None:
    cfg = shipped(tmp_path, "grace_hours: 12", f"grace_hours: {hours}")
    assert f"{cfg}:12: schedule.grace_hours: expected a number of hours from 0 to 168" in refused(cfg)


def with_claim_timeout(tmp_path: Path, seconds: str) -> Path:
    """The shipped app.yaml with schedule.claim_timeout_seconds on line 12."""
    return shipped(tmp_path, "grace_hours: 12", f"claim_timeout_seconds: {seconds}\n  grace_hours: 12")


def test_the_claim_timeout_is_fifteen_minutes_unless_set(tmp_path: Path) -> None:
    assert load_settings(shipped(tmp_path), env={}).schedule.claim_timeout_seconds == 900
    assert load_settings(with_claim_timeout(tmp_path, "2"), env={}).schedule.claim_timeout_seconds == 2


@pytest.mark.parametrize("seconds", ["0", "-1", "86401", ".inf", "true", "'900'"])
def test_absurd_claim_timeouts_are_refused(tmp_path: Path, seconds: str) -> None:
    cfg = with_claim_timeout(tmp_path, seconds)
    expected = f"{cfg}:12: schedule.claim_timeout_seconds: expected a number of seconds from 1 to 86400"
    assert expected in refused(cfg)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        (
            "question_retention_days: 90",
            "question_retention_days: 100000",
            "7: storage.question_retention_days",
        ),
        (
            "pause_weeks: [29, 30, 31, 52]",
            "pause_weeks: [29, 99]",
            "16: schedule.weekly_theme.pause_weeks[1]",
        ),
        ('time: "09:00"', "time: 9:00", "15: schedule.weekly_theme.time"),
        ("enabled: true", "enabled: 'yes'", "10: schedule.enabled"),
    ],
)
def test_numbers_and_flags_have_bounds_and_types(tmp_path: Path, old: str, new: str, key: str) -> None:
    cfg = shipped(tmp_path, old, new)
    assert f"{cfg}:{key}: expected" in refused(cfg)


def test_knowledge_path_must_be_text(tmp_path: Path) -> None:
    cfg = shipped(tmp_path, f"path: {ROOT / 'knowledge' / 'data'}", "path: 5")
    assert (
        f"{cfg}:3: knowledge.path: expected a directory of knowledge files, like knowledge/data, got 5"
        in (refused(cfg))
    )


def test_a_knowledge_path_that_does_not_exist_is_an_error_not_the_packaged_files(tmp_path: Path) -> None:
    cfg = shipped(tmp_path, f"path: {ROOT / 'knowledge' / 'data'}", "path: /nonexistent/knowledge")
    message = refused(cfg)
    assert (
        f"{cfg}:3: knowledge.path: expected a directory of knowledge files, /nonexistent/knowledge" in message
    )
    relative = write(tmp_path, "knowledge:\n  path: knowledge/data\n")  # a copied app.yaml, no checkout
    assert f"knowledge.path: expected a directory of knowledge files, {tmp_path}" in refused(relative)


def test_a_misspelt_organisation_is_named_with_the_known_ones(tmp_path: Path) -> None:
    cfg = shipped(tmp_path, "- name: Allerød Kommune", "- name: Allerod Kommune")
    message = refused(cfg)
    assert f"{cfg}:21: organizations[0].name: unknown organisation 'Allerod Kommune'" in message
    for known in ("Albertslund Kommune", "Allerød Kommune", "Gentofte Kommune", "Lyngby-Taarbæk Kommune"):
        assert known in message
    default = shipped(tmp_path, extra="default_organization: Gentofte\n")
    assert "default_organization: unknown organisation 'Gentofte'" in refused(default)


@pytest.mark.parametrize("url", ["not a url", "slack.com/api/", "ftp://slack.com/api/", "http://"])
def test_slack_api_url_must_be_an_http_url(tmp_path: Path, url: str) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": url}
    assert "environment: SLACK_API_URL: expected an http(s) URL" in refused(shipped(tmp_path), env)


def test_slack_api_url_gets_the_slash_slack_sdk_joins_method_names_onto(tmp_path: Path) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": "http://127.0.0.1:9/api",
    }
    slack = load_settings(shipped(tmp_path), env=env).slack
    assert slack is not None and slack.api_url == "http://127.0.0.1:9/api/"


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"MICROSOFT_APP_ID": "app", "MICROSOFT_APP_TENANT_ID": "t"}, "MICROSOFT_APP_PASSWORD: not set"),
        (
            {"MICROSOFT_APP_ID": "app", "MICROSOFT_APP_TYPE": "UserAssignedMSI"},
            "MICROSOFT_APP_TENANT_ID: not set",
        ),
        ({"MICROSOFT_APP_PASSWORD": "pw"}, "MICROSOFT_APP_ID: not set"),
        (
            {"MICROSOFT_APP_ID": "app", "MICROSOFT_APP_TYPE": "Single"},
            "MICROSOFT_APP_TYPE: expected SingleTenant",
        ),
    ],
)
def test_half_configured_teams_is_refused_at_start(tmp_path: Path, env: dict[str, str], needle: str) -> None:
    assert f"environment: {needle}" in refused(shipped(tmp_path), env)


def test_a_managed_identity_needs_no_password(tmp_path: Path) -> None:
    env = {"MICROSOFT_APP_ID": "app", "MICROSOFT_APP_TYPE": "UserAssignedMSI", "MICROSOFT_APP_TENANT_ID": "t"}
    assert load_settings(shipped(tmp_path), env=env).teams.authenticated


def test_every_mistake_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        SHIPPED.replace("day: mon", "day: monday-ish")
        .replace("grace_hours: 12", "grace_hours: 1.0e+100")
        .replace("path: grundlagbot.sqlite3", "path: [a, b]")
        .replace(f"path: {ROOT / 'knowledge' / 'data'}", "path: /nonexistent")
        .replace("- name: Gentofte Kommune", "- name: Gentofte Kommun")
        + "default_organization: [1, 2]\ncolour: blue\n"
    )
    cfg = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(cfg, env={"SLACK_API_URL": "not a url", "MICROSOFT_APP_ID": "app"})
    keys = [line.split(": ")[1] for line in err.value.problems]
    assert sorted(keys) == sorted(
        [
            "schedule.weekly_theme.day",
            "schedule.grace_hours",
            "storage.path",
            "knowledge.path",
            "default_organization",
            "colour",
            "SLACK_API_URL",
            "MICROSOFT_APP_PASSWORD",
            "MICROSOFT_APP_TENANT_ID",
        ]
    )
    assert all(line.startswith((f"{cfg}:", "environment: ")) for line in err.value.problems)
    assert str(err.value).count("\n") == len(keys) - 1  # one line per problem
    # the misspelt organisation is checked against the knowledge files once knowledge.path is right
    fixed = text.replace("path: /nonexistent", f"path: {ROOT / 'knowledge' / 'data'}")
    assert "organizations[3].name: unknown organisation 'Gentofte Kommun'" in refused(write(tmp_path, fixed))


def test_the_process_environment_is_validated_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Environment.model_fields:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_API_URL", "not a url")
    with pytest.raises(ConfigError, match="environment: SLACK_API_URL: expected an http"):
        load_settings(shipped(tmp_path))
    monkeypatch.setenv("SLACK_API_URL", "https://slack.com/api/")
    assert load_settings(shipped(tmp_path)).slack is None


SOURCES = """
organizations:
  - name: Allerød Kommune
    slack: {workspaces: [T0ALLEROD], channels: [C0SHARED]}
    teams: {tenants: [tenant-allerod]}
    admins: {slack: [U0HR]}
  - name: Gentofte Kommune
    slack: {workspaces: [T0GENTOFTE], enterprise: E0GRID}
    teams: {tenants: [tenant-gentofte], channels: ["19:hr-channel@thread.tacv2"]}
default_organization: Albertslund Kommune
"""


def test_each_message_source_resolves_to_its_organisation(tmp_path: Path) -> None:
    sources = load_settings(write(tmp_path, SOURCES), env={}).sources
    assert sources.slack("T0ALLEROD", None, "C0GENERAL") == "Allerød Kommune"
    # A channel listed under an organisation belongs to it, whatever its workspace.
    assert sources.slack("T0GENTOFTE", "E0GRID", "C0SHARED") == "Allerød Kommune"
    # An org-wide Enterprise Grid install covers workspaces not listed one by one.
    assert sources.slack("T0NEW", "E0GRID", "C0X") == "Gentofte Kommune"
    assert sources.slack("T0UNKNOWN", None, "C0X") == "Albertslund Kommune"  # the default
    assert sources.teams("tenant-allerod", "a:personal-chat") == "Allerød Kommune"
    assert sources.teams("tenant-allerod", "19:hr-channel@thread.tacv2;messageid=17") == "Gentofte Kommune"
    assert sources.teams("tenant-other", "a:x") == "Albertslund Kommune"


def test_organisation_admins_are_kept_per_organisation(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, SOURCES), env={})
    assert settings.organization_admins == {"Allerød Kommune": {"slack:U0HR"}}
    assert "slack:U0HR" not in settings.admins


def test_unmapped_sources_without_a_default_have_no_organisation(tmp_path: Path) -> None:
    sources = load_settings(write(tmp_path, "organizations:\n  - name: Gentofte Kommune\n"), env={}).sources
    assert sources.slack("T0", None, "C0") is None and sources.teams("t", "c") is None


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            SOURCES.replace("workspaces: [T0GENTOFTE]", "workspaces: [T0ALLEROD]"),
            "organizations[1].slack.workspaces: 'T0ALLEROD' is already listed under 'Allerød Kommune'",
        ),
        (
            SOURCES.replace("tenants: [tenant-gentofte]", "tenants: [tenant-allerod]"),
            "organizations[1].teams.tenants: 'tenant-allerod' is already listed",
        ),
        (SOURCES.replace("workspaces: [T0ALLEROD]", "workspaces: T0ALLEROD"), "slack.workspaces"),
        (SOURCES.replace("enterprise: E0GRID", "enterprise: [E0GRID]"), "slack.enterprise"),
        (
            SOURCES.replace("teams: {tenants: [tenant-allerod]}", "teams: {tenant: [x]}"),
            "tenant: unknown key",
        ),
    ],
)
def test_organisation_sources_mistakes_name_the_key(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text), env={})
    assert needle in str(err.value)
