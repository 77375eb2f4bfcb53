"""The shape of ``app.yaml`` and of the environment, as pydantic models.

Each field says what it expects (its ``description``, or the message of its validator): the error
messages are made of them (``bot.config_file``). ``bot.config`` builds the frozen settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    PlainValidator,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from handlers.settings import WEEKDAYS

_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_GRACE_HOURS = 168  # a week: a missed weekly post is not caught up after the next one is due
MAX_RETENTION_DAYS = 3650
MAX_CLAIM_TIMEOUT_SECONDS = 86_400  # a day: a post cut off mid-run is tried again the same day
MAX_ANSWER_CACHE = 100_000
ADMIN_EXAMPLE = "slack:U0123 or teams:<aad object id>"


def _weekday(value: object) -> str:
    name = value.strip().lower() if isinstance(value, str) else None
    for short, full in zip(WEEKDAYS, _DAY_NAMES, strict=True):
        if name in (short, full):
            return short
    raise ValueError(f"expected one of {', '.join(WEEKDAYS)}, got {value!r}")


def _clock(value: object) -> time:
    hours, _, minutes = value.partition(":") if isinstance(value, str) else ("", "", "")
    if len(minutes) == 2 and hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60:
        return time(int(hours), int(minutes))
    # YAML reads an unquoted 9:00 as the number 540, hence the advice to quote.
    raise ValueError(f'expected a time as HH:MM in quotes, like "09:00", got {value!r}')


def _time_zone(value: object) -> str:
    try:
        if isinstance(value, str) and value:
            ZoneInfo(value)
            return value
    except (ZoneInfoNotFoundError, ValueError):
        pass
    raise ValueError(f"unknown time zone {value!r} (expected an IANA name like Europe/Copenhagen)")


def _none_is_empty(value: object) -> object:
    return [] if value is None else value


_URL = TypeAdapter(HttpUrl)


def _base_url(value: str) -> str:
    try:
        _URL.validate_python(value)
    except ValidationError:
        raise ValueError(f"expected an http(s) URL like https://slack.com/api/, got {value!r}") from None
    return value if value.endswith("/") else value + "/"  # slack_sdk joins method names onto it


def _admin(value: str) -> str:
    platform, _, user = value.partition(":")
    if platform not in ("slack", "teams") or not user.strip():
        raise ValueError(f"expected {ADMIN_EXAMPLE}, got {value!r}")
    return f"{platform}:{user.strip()}"


def _admin_list(value: object) -> object:
    return [item.strip() for item in value.split(",") if item.strip()] if isinstance(value, str) else value


Weekday = Annotated[str, BeforeValidator(_weekday)]
Clock = Annotated[time, PlainValidator(_clock)]
TimeZone = Annotated[str, BeforeValidator(_time_zone)]
Name = Annotated[str, Field(min_length=1)]
Ids = Annotated[list[Name], BeforeValidator(_none_is_empty)]


class _Section(BaseModel):
    """A mapping in app.yaml: no unknown keys, no type coercion, and an empty section is the defaults."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_defaults(cls, data: Any) -> Any:
        return {} if data is None else data


class KnowledgeFile(_Section):
    path: Name | None = Field(None, description="a directory of knowledge files, like knowledge/data")
    answer_cache: int = Field(
        1024, ge=0, le=MAX_ANSWER_CACHE, description=f"a whole number of replies from 0 to {MAX_ANSWER_CACHE}"
    )


class StorageFile(_Section):
    path: Name | None = Field(None, description="a file name for the SQLite database")
    question_retention_days: int = Field(
        90, ge=1, le=MAX_RETENTION_DAYS, description=f"a whole number of days from 1 to {MAX_RETENTION_DAYS}"
    )


class WeeklyThemeFile(_Section):
    day: Weekday = "mon"
    time: Clock = time(9, 0)
    pause_weeks: Annotated[list[Annotated[int, Field(ge=1, le=53)]], BeforeValidator(_none_is_empty)] = Field(
        default_factory=list, description="a list of ISO week numbers 1-53"
    )


class MedRemindersFile(_Section):
    time: Clock = time(8, 0)


class ScheduleFile(_Section):
    enabled: bool = Field(True, description="true or false")
    timezone: TimeZone = "Europe/Copenhagen"
    grace_hours: float = Field(
        12.0,
        ge=0,
        le=MAX_GRACE_HOURS,
        allow_inf_nan=False,
        description=f"a number of hours from 0 to {MAX_GRACE_HOURS}",
    )
    claim_timeout_seconds: float = Field(
        900.0,
        ge=1,
        le=MAX_CLAIM_TIMEOUT_SECONDS,
        allow_inf_nan=False,
        description=f"a number of seconds from 1 to {MAX_CLAIM_TIMEOUT_SECONDS}",
    )
    weekly_theme: WeeklyThemeFile = Field(default_factory=WeeklyThemeFile, description="a mapping")
    med_reminders: MedRemindersFile = Field(default_factory=MedRemindersFile, description="a mapping")


class SlackIdsFile(_Section):
    slack: Ids = Field(default_factory=list, description="a list of Slack ids like C0123 or U0123")


class CommitteeFile(_Section):
    name: Name = Field(description="the committee's name")
    chairs: SlackIdsFile = Field(default_factory=SlackIdsFile, description="a mapping like {slack: [U0123]}")


class AdminsFile(_Section):
    slack: Ids = Field(default_factory=list, description="a list of Slack user ids like U0123")
    teams: Ids = Field(default_factory=list, description="a list of AAD object ids")


class SlackSourcesFile(_Section):
    """Where an organisation's employees write from in Slack."""

    workspaces: Ids = Field(
        default_factory=list, description="a list of Slack workspace (team) ids like T0123"
    )
    enterprise: Name | None = Field(None, description="an Enterprise Grid organisation id like E0123")
    channels: Ids = Field(
        default_factory=list,
        description="a list of channel ids like C0123 (of another organisation's workspace)",
    )


class TeamsSourcesFile(_Section):
    """Where an organisation's employees write from in Teams."""

    tenants: Ids = Field(default_factory=list, description="a list of Microsoft Entra tenant ids")
    channels: Ids = Field(default_factory=list, description="a list of Teams conversation ids like 19:…")


class OrganizationFile(_Section):
    name: Name = Field(description="the organisation's name as the knowledge files write it")
    channels: SlackIdsFile = Field(
        default_factory=SlackIdsFile, description="a mapping like {slack: [C0123]}"
    )
    med_committees: Annotated[list[CommitteeFile], BeforeValidator(_none_is_empty)] = Field(
        default_factory=list, description="a list of committees, each with a name"
    )
    slack: SlackSourcesFile = Field(
        default_factory=SlackSourcesFile,
        description="a mapping like {workspaces: [T0123], channels: [C0123]}",
    )
    teams: TeamsSourcesFile = Field(
        default_factory=TeamsSourcesFile, description="a mapping like {tenants: [<tenant id>]}"
    )
    admins: AdminsFile = Field(
        default_factory=AdminsFile, description="a mapping like {slack: [U0123], teams: [<aad id>]}"
    )


class AppFile(_Section):
    """``app.yaml``: see the comments in the shipped file."""

    knowledge: KnowledgeFile = Field(default_factory=KnowledgeFile, description="a mapping")
    storage: StorageFile = Field(default_factory=StorageFile, description="a mapping")
    schedule: ScheduleFile = Field(default_factory=ScheduleFile, description="a mapping")
    organizations: Annotated[list[OrganizationFile], BeforeValidator(_none_is_empty)] = Field(
        default_factory=list, description="a list of organisations, each with a name"
    )
    admins: AdminsFile = Field(
        default_factory=AdminsFile, description="a mapping like {slack: [U0123], teams: [<aad id>]}"
    )
    default_organization: Name | None = Field(None, description="an organisation's name")


class Environment(BaseModel):
    """The variables the bot reads (README, *Configuration*); an empty value counts as unset."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    SLACK_BOT_TOKEN: str | None = None
    SLACK_SIGNING_SECRET: str | None = None
    SLACK_APP_TOKEN: str | None = None
    SLACK_API_URL: Annotated[str, AfterValidator(_base_url)] | None = None
    SLACK_CLIENT_ID: str | None = None
    SLACK_CLIENT_SECRET: str | None = None
    SLACK_STATE_SECRET: str | None = None
    MICROSOFT_APP_ID: str | None = None
    MICROSOFT_APP_PASSWORD: str | None = None
    MICROSOFT_APP_TYPE: Literal["SingleTenant", "MultiTenant", "UserAssignedMSI"] = Field(
        "SingleTenant", description="SingleTenant, MultiTenant or UserAssignedMSI"
    )
    MICROSOFT_APP_TENANT_ID: str | None = None
    GRUNDLAGBOT_DB: str | None = None
    GRUNDLAGBOT_KNOWLEDGE: str | None = None
    GRUNDLAGBOT_ADMINS: Annotated[
        list[Annotated[str, AfterValidator(_admin)]], BeforeValidator(_admin_list)
    ] = Field(default_factory=list, description=f"a comma-separated list like {ADMIN_EXAMPLE}")

    @model_validator(mode="before")
    @classmethod
    def _empty_is_unset(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return {k: v for k, v in data.items() if k in cls.model_fields and v.strip()}
        return data
