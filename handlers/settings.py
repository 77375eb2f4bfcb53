"""The settings a running bot is given: frozen, typed, and read once.

``bot.config`` reads them from ``app.yaml`` and the environment and checks them; handlers and the
scheduler only read them. They live here, on the handlers' side, so that what a handler reads does
not depend on how the bot was configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str | None  # one workspace; None when the app installs through OAuth
    signing_secret: str
    app_token: str | None = None
    api_url: str | None = None
    oauth: SlackOAuth | None = None  # many workspaces: SLACK_CLIENT_ID, _SECRET, SLACK_STATE_SECRET


@dataclass(frozen=True)
class SlackOAuth:
    """The Slack app installs in many workspaces through OAuth (``/slack/install``); each
    workspace's bot token is kept in the database and looked up per request."""

    client_id: str
    client_secret: str
    state_secret: str  # signs the OAuth state handed to the installer's browser


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
class Sources:
    """Where each organisation's employees write from (app.yaml's ``slack:`` and ``teams:`` under an
    organisation), and the organisation a message from an unmapped source belongs to."""

    slack_workspaces: Mapping[str, str] = field(default_factory=dict)  # team id -> organisation
    slack_enterprises: Mapping[str, str] = field(default_factory=dict)  # enterprise id -> organisation
    slack_channels: Mapping[str, str] = field(default_factory=dict)
    teams_tenants: Mapping[str, str] = field(default_factory=dict)
    teams_channels: Mapping[str, str] = field(default_factory=dict)
    default: str | None = None

    def slack(self, team: str | None, enterprise: str | None, channel: str | None) -> str | None:
        """A Slack message's organisation: a channel listed under an organisation is most specific,
        then the workspace, then an Enterprise Grid install, then the default."""
        return (
            self.slack_channels.get(channel or "")
            or self.slack_workspaces.get(team or "")
            or self.slack_enterprises.get(enterprise or "")
            or self.default
        )

    def teams(self, tenant: str | None, conversation: str | None) -> str | None:
        """A Teams message's organisation: a listed conversation, then the tenant, then the default."""
        channel = (conversation or "").split(";", 1)[0]  # "19:…;messageid=…" is a reply in a channel
        return self.teams_channels.get(channel) or self.teams_tenants.get(tenant or "") or self.default


@dataclass(frozen=True)
class ScheduleSettings:
    enabled: bool = True  # only one replica may run the scheduler: see README
    timezone: str = "Europe/Copenhagen"
    theme_day: str = "mon"
    theme_time: time = time(9, 0)
    pause_weeks: tuple[int, ...] = ()
    reminder_time: time = time(8, 0)
    grace_hours: float = 12.0
    claim_timeout_seconds: float = 15 * 60  # an unfinished claim older than this is taken over
    channels: tuple[OrgChannels, ...] = ()
    committees: tuple[MedCommittee, ...] = ()


@dataclass(frozen=True)
class Settings:
    knowledge_dir: Path
    db_path: Path  # the SQLite file, unless ``db_url`` names a PostgreSQL database
    config_file: Path | None = None
    slack: SlackSettings | None = None
    teams: TeamsSettings = field(default_factory=TeamsSettings)
    admins: frozenset[str] = frozenset()  # "slack:U0123", "teams:<aad object id>"
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    question_retention_days: int = 90
    default_organization: str | None = None
    sources: Sources = field(default_factory=Sources)
    # Each organisation's own admins: they see its statistics only (global admins: ``admins``).
    organization_admins: Mapping[str, frozenset[str]] = field(default_factory=dict)
    answer_cache: int = 1024  # replies kept for questions asked again; 0: none
    db_url: str | None = None  # GRUNDLAGBOT_DB=postgresql://…: the state replicas share

    @property
    def database(self) -> Path | str:
        """What ``bot.storage.Storage`` opens: the PostgreSQL URL, or else the SQLite path."""
        return self.db_url or self.db_path
