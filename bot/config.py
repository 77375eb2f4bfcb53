"""Settings: ``app.yaml`` plus the environment, read once, typed, and checked at start.

Secrets (Slack and Microsoft tokens) come only from the environment. The shapes of both are
pydantic models (``bot.config_model``); what needs more than one value or the disk (Slack's two
secrets, Teams' app id and password, the knowledge directory, the organisations the knowledge files
know) is checked here. All mistakes are reported at once, each naming the file, the key and what
was expected, so a bad configuration fails fast instead of half-working.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from bot.config_file import ConfigError as ConfigError
from bot.config_file import Problems, read_yaml
from bot.config_model import AdminsFile, AppFile, Environment, OrganizationFile
from bot.db_target import is_postgres
from handlers.settings import (
    MedCommittee,
    OrgChannels,
    ScheduleSettings,
    Settings,
    SlackOAuth,
    SlackSettings,
    Sources,
    TeamsSettings,
)
from knowledge.loader import declared_organizations

PACKAGE_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge" / "data"
DEFAULT_CONFIG = "app.yaml"


def load_settings(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from ``path`` (or ``GRUNDLAGBOT_CONFIG``, or ./app.yaml) and ``env``.

    With no configuration file at all, the embedded defaults apply: the packaged knowledge files,
    a SQLite file in the working directory, no chat platform. Raises :class:`ConfigError` with
    every problem found.
    """
    env = os.environ if env is None else env
    name = path or env.get("GRUNDLAGBOT_CONFIG")
    candidate = Path(name or DEFAULT_CONFIG)
    if name and not candidate.is_file():
        raise ConfigError(f"{candidate}: configuration file not found")
    config_file = candidate if candidate.is_file() else None
    raw, root = read_yaml(config_file) if config_file else ({}, None)

    found = Problems(str(config_file) if config_file else "embedded defaults", root)
    app = found.validate(AppFile, raw)
    environment = found.validate(Environment, dict(env), environment=True)
    _check_platforms(env, found)
    base = config_file.resolve().parent if config_file else Path.cwd()
    knowledge_dir = _knowledge_dir(raw, env, base, found)
    if knowledge_dir is not None:
        _check_organizations(raw, knowledge_dir, found)
    if app is not None:
        _check_sources(app, found)
    found.raise_any()
    assert app is not None and environment is not None and knowledge_dir is not None  # else raised
    return _settings(app, environment, config_file, knowledge_dir)


SLACK_OAUTH = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET")


def _check_platforms(env: Mapping[str, str], found: Problems) -> None:
    """Half a Slack or Teams configuration is an error, never a platform silently off or unauthenticated."""
    given = {name for name, value in env.items() if value.strip()}
    if given & set(SLACK_OAUTH):  # many workspaces: the three together, with the signing secret
        for name in (*SLACK_OAUTH, "SLACK_SIGNING_SECRET"):
            if name not in given:
                found.env(
                    name,
                    f"not set (installing through OAuth needs {', '.join(SLACK_OAUTH)} and SLACK_SIGNING_SECRET)",
                )
    elif given & {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"}:
        for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
            if name not in given:
                found.env(name, "not set (Slack needs both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)")
    app_type = env.get("MICROSOFT_APP_TYPE", "").strip() or "SingleTenant"
    if "MICROSOFT_APP_ID" in given:
        if app_type != "UserAssignedMSI" and "MICROSOFT_APP_PASSWORD" not in given:
            found.env("MICROSOFT_APP_PASSWORD", f"not set (a {app_type} app needs it with MICROSOFT_APP_ID)")
        if app_type != "MultiTenant" and "MICROSOFT_APP_TENANT_ID" not in given:
            found.env("MICROSOFT_APP_TENANT_ID", f"not set (a {app_type} app needs it with MICROSOFT_APP_ID)")
    elif given & {"MICROSOFT_APP_PASSWORD", "MICROSOFT_APP_TENANT_ID"}:
        found.env(
            "MICROSOFT_APP_ID",
            "not set, yet MICROSOFT_APP_PASSWORD or MICROSOFT_APP_TENANT_ID is"
            " (without an app id, /api/messages runs unauthenticated)",
        )


def _knowledge_dir(
    raw: Mapping[str, Any], env: Mapping[str, str], base: Path, found: Problems
) -> Path | None:
    """``GRUNDLAGBOT_KNOWLEDGE``, else ``knowledge.path``; the packaged files only when neither is set."""
    expected = "expected a directory of knowledge files"
    if value := (env.get("GRUNDLAGBOT_KNOWLEDGE") or "").strip():
        path = Path(value).expanduser()
        if path.is_dir():
            return path
        found.env("GRUNDLAGBOT_KNOWLEDGE", f"{expected}, {path} is not one")
        return None
    section = raw.get("knowledge")
    configured = section.get("path") if isinstance(section, dict) else None
    if configured is None:
        return PACKAGE_KNOWLEDGE
    if not isinstance(configured, str) or not configured:
        return None  # the model has said what is wrong with it
    path = _resolve(base, configured)
    if path.is_dir():
        return path
    found.at(
        ("knowledge", "path"),
        f"{expected}, {path} is not one (leave knowledge.path out to use the files that ship with the bot)",
    )
    return None


def _check_organizations(raw: Mapping[str, Any], knowledge_dir: Path, found: Problems) -> None:
    """Organisation names the knowledge files do not know: their channels and chairs would get nothing."""
    known = declared_organizations(knowledge_dir)
    if not known:
        return  # no documents: loading the knowledge reports that, not the configuration
    orgs = raw.get("organizations")
    named: list[tuple[tuple[str | int, ...], object]] = [
        (("organizations", i, "name"), org.get("name"))
        for i, org in enumerate(orgs if isinstance(orgs, list) else [])
        if isinstance(org, dict)
    ]
    named.append((("default_organization",), raw.get("default_organization")))
    for loc, name in named:
        if isinstance(name, str) and name and name not in known:
            found.at(loc, f"unknown organisation {name!r} (the knowledge files know {', '.join(known)})")


def _resolve(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def _settings(app: AppFile, env: Environment, config_file: Path | None, knowledge_dir: Path) -> Settings:
    storage, schedule = app.storage, app.schedule
    db_url = env.GRUNDLAGBOT_DB if env.GRUNDLAGBOT_DB and is_postgres(env.GRUNDLAGBOT_DB) else None
    db_path = (
        Path(env.GRUNDLAGBOT_DB)
        if env.GRUNDLAGBOT_DB and not db_url
        else _resolve(Path.cwd(), storage.path or "grundlagbot.sqlite3")
    )
    slack = None
    oauth = None
    if env.SLACK_CLIENT_ID and env.SLACK_CLIENT_SECRET and env.SLACK_STATE_SECRET:
        oauth = SlackOAuth(env.SLACK_CLIENT_ID, env.SLACK_CLIENT_SECRET, env.SLACK_STATE_SECRET)
    if env.SLACK_SIGNING_SECRET and (env.SLACK_BOT_TOKEN or oauth):
        slack = SlackSettings(
            None if oauth else env.SLACK_BOT_TOKEN,
            env.SLACK_SIGNING_SECRET,
            env.SLACK_APP_TOKEN,
            env.SLACK_API_URL,
            oauth,
        )
    teams = TeamsSettings(
        env.MICROSOFT_APP_ID, env.MICROSOFT_APP_PASSWORD, env.MICROSOFT_APP_TYPE, env.MICROSOFT_APP_TENANT_ID
    )
    return Settings(
        knowledge_dir=knowledge_dir,
        db_path=db_path,
        db_url=db_url,
        config_file=config_file,
        slack=slack,
        teams=teams,
        admins=_admin_keys(app.admins) | set(env.GRUNDLAGBOT_ADMINS),
        schedule=ScheduleSettings(
            enabled=schedule.enabled,
            timezone=schedule.timezone,
            theme_day=schedule.weekly_theme.day,
            theme_time=schedule.weekly_theme.time,
            pause_weeks=tuple(schedule.weekly_theme.pause_weeks),
            reminder_time=schedule.med_reminders.time,
            grace_hours=schedule.grace_hours,
            claim_timeout_seconds=schedule.claim_timeout_seconds,
            channels=tuple(OrgChannels(o.name, tuple(o.channels.slack)) for o in app.organizations),
            committees=tuple(
                MedCommittee(o.name, c.name, tuple(c.chairs.slack))
                for o in app.organizations
                for c in o.med_committees
            ),
        ),
        question_retention_days=storage.question_retention_days,
        default_organization=app.default_organization,
        sources=_sources(app),
        organization_admins={o.name: keys for o in app.organizations if (keys := _admin_keys(o.admins))},
        answer_cache=app.knowledge.answer_cache,
    )


def _admin_keys(admins: AdminsFile) -> frozenset[str]:
    """``slack:U0123`` and ``teams:<aad id>``: how admins are compared with a message's sender."""
    return frozenset({f"slack:{u}" for u in admins.slack} | {f"teams:{u}" for u in admins.teams})


def _check_sources(app: AppFile, found: Problems) -> None:
    """A workspace, tenant or channel that two organisations list would answer from either."""
    seen: dict[tuple[str, str], str] = {}
    for i, org in enumerate(app.organizations):
        listed = [
            *(("slack", "workspaces", w) for w in org.slack.workspaces),
            *(("slack", "enterprise", e) for e in [org.slack.enterprise] if e),
            *(("slack", "channels", c) for c in org.slack.channels),
            *(("teams", "tenants", t) for t in org.teams.tenants),
            *(("teams", "channels", c) for c in org.teams.channels),
        ]
        for platform, key, value in listed:
            other = seen.setdefault((platform, value), org.name)
            if other != org.name:
                found.at(("organizations", i, platform, key), f"{value!r} is already listed under {other!r}")


def _sources(app: AppFile) -> Sources:
    def each(ids: Callable[[OrganizationFile], Iterable[str | None]]) -> dict[str, str]:
        return {i: o.name for o in app.organizations for i in ids(o) if i}

    return Sources(
        slack_workspaces=each(lambda o: o.slack.workspaces),
        slack_enterprises=each(lambda o: [o.slack.enterprise]),
        slack_channels=each(lambda o: o.slack.channels),
        teams_tenants=each(lambda o: o.teams.tenants),
        teams_channels=each(lambda o: o.teams.channels),
        default=app.default_organization,
    )
