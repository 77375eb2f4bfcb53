"""Settings: ``app.yaml`` plus the environment, read once, typed, and checked at start.

Secrets (Slack and Microsoft tokens) come only from the environment. Every error names the file,
the key and what was expected, so a bad configuration fails fast instead of half-working.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

import yaml

PACKAGE_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge" / "data"
DEFAULT_CONFIG = "app.yaml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConfigError(Exception):
    """The configuration is wrong; the message says where and what was expected."""


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str
    signing_secret: str
    app_token: str | None = None
    api_url: str | None = None


@dataclass(frozen=True)
class TeamsSettings:
    app_id: str | None = None
    app_password: str | None = None
    app_type: str = "SingleTenant"
    tenant_id: str | None = None

    @property
    def authenticated(self) -> bool:
        return bool(self.app_id)


@dataclass(frozen=True)
class MedCommittee:
    organization: str
    name: str
    slack_chairs: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrgChannels:
    organization: str
    slack: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScheduleSettings:
    enabled: bool = True  # only one replica may run the scheduler: see README
    timezone: str = "Europe/Copenhagen"
    theme_day: str = "mon"
    theme_time: time = time(9, 0)
    pause_weeks: tuple[int, ...] = ()
    reminder_time: time = time(8, 0)
    grace_hours: float = 12.0
    channels: tuple[OrgChannels, ...] = ()
    committees: tuple[MedCommittee, ...] = ()


@dataclass(frozen=True)
class Settings:
    knowledge_dir: Path
    db_path: Path
    config_file: Path | None = None
    slack: SlackSettings | None = None
    teams: TeamsSettings = field(default_factory=TeamsSettings)
    admins: frozenset[str] = frozenset()  # "slack:U0123", "teams:<aad object id>"
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    question_retention_days: int = 90
    default_organization: str | None = None


def load_settings(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from ``path`` (or ``GRUNDLAGBOT_CONFIG``, or ./app.yaml) and ``env``.

    With no configuration file at all, the embedded defaults apply: the packaged knowledge files,
    a SQLite file in the working directory, no chat platform.
    """
    env = os.environ if env is None else env
    name = path or env.get("GRUNDLAGBOT_CONFIG")
    config_file = Path(name) if name else Path(DEFAULT_CONFIG)
    if name and not config_file.is_file():
        raise ConfigError(f"{config_file}: configuration file not found")
    data: dict[str, Any] = {}
    if config_file.is_file():
        data = _read_yaml(config_file)
    else:
        config_file = None  # type: ignore[assignment]
    where = str(config_file) if config_file else "embedded defaults"
    base = config_file.resolve().parent if config_file else Path.cwd()
    _known(
        data,
        where,
        "",
        {"knowledge", "storage", "schedule", "organizations", "admins", "default_organization"},
    )

    knowledge = _section(data, "knowledge", where)
    _known(knowledge, where, "knowledge.", {"path"})
    kpath = env.get("GRUNDLAGBOT_KNOWLEDGE") or knowledge.get("path")
    knowledge_dir = _resolve(base, kpath) if kpath else PACKAGE_KNOWLEDGE
    if kpath and not knowledge_dir.exists() and not env.get("GRUNDLAGBOT_KNOWLEDGE"):
        # app.yaml's relative path outside a checkout (the package installed elsewhere): the
        # knowledge files that ship with the package.
        knowledge_dir = PACKAGE_KNOWLEDGE
    if not knowledge_dir.is_dir():
        raise ConfigError(f"{where}: knowledge.path: {knowledge_dir} is not a directory")

    storage = _section(data, "storage", where)
    _known(storage, where, "storage.", {"path", "question_retention_days"})
    db = env.get("GRUNDLAGBOT_DB") or storage.get("path") or "grundlagbot.sqlite3"
    db_path = Path(db) if env.get("GRUNDLAGBOT_DB") else _resolve(Path.cwd(), str(db))
    retention = _int(storage.get("question_retention_days", 90), where, "storage.question_retention_days", 1)

    orgs = data.get("organizations") or []
    if not isinstance(orgs, list):
        raise ConfigError(f"{where}: organizations: expected a list of organisations")
    channels, committees = _organizations(orgs, where)

    return Settings(
        knowledge_dir=knowledge_dir,
        db_path=db_path,
        config_file=config_file,
        slack=_slack(env),
        teams=_teams(env, where),
        admins=_admins(data.get("admins"), env, where),
        schedule=_schedule(_section(data, "schedule", where), where, channels, committees),
        question_retention_days=retention,
        default_organization=data.get("default_organization"),
    )


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"{mark.line + 1}:" if mark else ""
        raise ConfigError(f"{path}:{line} invalid YAML: {getattr(exc, 'problem', exc)}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    return data


def _resolve(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def _section(data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {key}: expected a mapping")
    return value


def _known(data: Mapping[str, Any], where: str, prefix: str, keys: set[str]) -> None:
    for key in data:
        if key not in keys:
            raise ConfigError(
                f"{where}: {prefix}{key}: unknown key (expected one of {', '.join(sorted(keys))})"
            )


def _int(value: Any, where: str, key: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{where}: {key}: expected a whole number ≥ {minimum}, got {value!r}")
    return value


def _time(value: Any, where: str, key: str) -> time:
    text = str(value)
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise ConfigError(f"{where}: {key}: expected a time as HH:MM, got {value!r}")
    return time(int(m[1]), int(m[2]))


def _str_list(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key}: expected a list of strings")
    return tuple(value)


def _organizations(orgs: list[Any], where: str) -> tuple[tuple[OrgChannels, ...], tuple[MedCommittee, ...]]:
    channels: list[OrgChannels] = []
    committees: list[MedCommittee] = []
    for i, org in enumerate(orgs):
        key = f"organizations[{i}]"
        if not isinstance(org, dict) or not isinstance(org.get("name"), str):
            raise ConfigError(f"{where}: {key}: expected a mapping with a 'name'")
        _known(org, where, f"{key}.", {"name", "channels", "med_committees"})
        ch = org.get("channels") or {}
        if not isinstance(ch, dict):
            raise ConfigError(f"{where}: {key}.channels: expected a mapping like {{slack: [C0123]}}")
        _known(ch, where, f"{key}.channels.", {"slack"})
        channels.append(OrgChannels(org["name"], _str_list(ch.get("slack"), where, f"{key}.channels.slack")))
        for j, com in enumerate(org.get("med_committees") or []):
            ckey = f"{key}.med_committees[{j}]"
            if not isinstance(com, dict) or not isinstance(com.get("name"), str):
                raise ConfigError(f"{where}: {ckey}: expected a mapping with a 'name'")
            _known(com, where, f"{ckey}.", {"name", "chairs"})
            chairs = com.get("chairs") or {}
            if not isinstance(chairs, dict):
                raise ConfigError(f"{where}: {ckey}.chairs: expected a mapping like {{slack: [U0123]}}")
            _known(chairs, where, f"{ckey}.chairs.", {"slack"})
            committees.append(
                MedCommittee(
                    org["name"], com["name"], _str_list(chairs.get("slack"), where, f"{ckey}.chairs.slack")
                )
            )
    return tuple(channels), tuple(committees)


def _schedule(
    data: dict[str, Any], where: str, channels: tuple[OrgChannels, ...], committees: tuple[MedCommittee, ...]
) -> ScheduleSettings:
    _known(data, where, "schedule.", {"enabled", "timezone", "weekly_theme", "med_reminders", "grace_hours"})
    weekly = data.get("weekly_theme") or {}
    reminders = data.get("med_reminders") or {}
    if not isinstance(weekly, dict) or not isinstance(reminders, dict):
        raise ConfigError(f"{where}: schedule.weekly_theme and schedule.med_reminders: expected mappings")
    _known(weekly, where, "schedule.weekly_theme.", {"day", "time", "pause_weeks"})
    _known(reminders, where, "schedule.med_reminders.", {"time"})
    day = str(weekly.get("day", "mon")).lower()[:3]
    if day not in WEEKDAYS:
        raise ConfigError(f"{where}: schedule.weekly_theme.day: expected one of {', '.join(WEEKDAYS)}")
    pauses = weekly.get("pause_weeks") or []
    if not isinstance(pauses, list) or not all(isinstance(w, int) and 1 <= w <= 53 for w in pauses):
        raise ConfigError(
            f"{where}: schedule.weekly_theme.pause_weeks: expected a list of ISO week numbers 1-53"
        )
    tz = str(data.get("timezone", "Europe/Copenhagen"))
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(tz)
    except Exception:  # ZoneInfo raises several types for a bad name
        raise ConfigError(f"{where}: schedule.timezone: unknown time zone {tz!r}") from None
    grace = data.get("grace_hours", 12)
    if isinstance(grace, bool) or not isinstance(grace, int | float) or grace < 0:
        raise ConfigError(f"{where}: schedule.grace_hours: expected a number of hours ≥ 0")
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{where}: schedule.enabled: expected true or false")
    return ScheduleSettings(
        enabled=enabled,
        timezone=tz,
        theme_day=day,
        theme_time=_time(weekly.get("time", "09:00"), where, "schedule.weekly_theme.time"),
        pause_weeks=tuple(pauses),
        reminder_time=_time(reminders.get("time", "08:00"), where, "schedule.med_reminders.time"),
        grace_hours=float(grace),
        channels=channels,
        committees=committees,
    )


def _slack(env: Mapping[str, str]) -> SlackSettings | None:
    token, secret = env.get("SLACK_BOT_TOKEN"), env.get("SLACK_SIGNING_SECRET")
    if not token and not secret:
        return None
    if not token or not secret:
        missing = "SLACK_BOT_TOKEN" if not token else "SLACK_SIGNING_SECRET"
        raise ConfigError(
            f"environment: {missing} is not set (Slack needs both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)"
        )
    return SlackSettings(token, secret, env.get("SLACK_APP_TOKEN") or None, env.get("SLACK_API_URL") or None)


def _teams(env: Mapping[str, str], where: str) -> TeamsSettings:
    app_id = env.get("MICROSOFT_APP_ID") or None
    app_type = env.get("MICROSOFT_APP_TYPE") or "SingleTenant"
    if app_type not in ("SingleTenant", "MultiTenant", "UserAssignedMSI"):
        raise ConfigError(
            "environment: MICROSOFT_APP_TYPE: expected SingleTenant, MultiTenant or UserAssignedMSI"
        )
    tenant = env.get("MICROSOFT_APP_TENANT_ID") or None
    if app_id and app_type == "SingleTenant" and not tenant:
        raise ConfigError("environment: MICROSOFT_APP_TENANT_ID is required for a SingleTenant app")
    return TeamsSettings(app_id, env.get("MICROSOFT_APP_PASSWORD") or None, app_type, tenant)


def _admins(value: Any, env: Mapping[str, str], where: str) -> frozenset[str]:
    admins: list[str] = []
    if value is not None:
        if not isinstance(value, dict):
            raise ConfigError(
                f"{where}: admins: expected a mapping like {{slack: [U0123], teams: [<aad id>]}}"
            )
        _known(value, where, "admins.", {"slack", "teams"})
        for platform in ("slack", "teams"):
            admins += [f"{platform}:{u}" for u in _str_list(value.get(platform), where, f"admins.{platform}")]
    for item in (env.get("GRUNDLAGBOT_ADMINS") or "").split(","):
        item = item.strip()
        if not item:
            continue
        platform, _, user = item.partition(":")
        if platform not in ("slack", "teams") or not user:
            raise ConfigError(
                f"environment: GRUNDLAGBOT_ADMINS: {item!r}: expected slack:U0123 or teams:<aad object id>"
            )
        admins.append(f"{platform}:{user}")
    return frozenset(admins)
