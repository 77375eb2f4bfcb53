"""The settings a running bot is given: frozen, typed, and read once.

``bot.config`` reads them from ``app.yaml`` and the environment and checks them; handlers and the
scheduler only read them. They live here, on the handlers' side, so that what a handler reads does
not depend on how the bot was configured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


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
