"""What will be posted when, and where: the preview of ``grundlagbot schedule`` and ``status``.

Targets are written ``platform:id``: ``slack:C0123`` (a channel) or ``teams:<conversation id>``
for the weekly theme, ``slack:U0123`` or ``teams:<AAD object id>`` (a direct message) for MED
chairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from handlers import wheel as annual_wheel
from handlers.rotation import ThemeCalendar, monday_of, week_period
from handlers.services import Store
from handlers.settings import Settings
from knowledge.model import KnowledgeBase

THEME_JOB = "weekly-theme"
REMINDER_JOB = "med-reminder"


@dataclass(frozen=True)
class PlannedPost:
    job: str  # THEME_JOB or REMINDER_JOB
    at: datetime  # local time, with its UTC offset
    organization: str
    title: str  # the theme, or the årshjul item
    targets: tuple[str, ...]
    period: str  # the exactly-once record's period: 2027-W01, or <item id>/2027

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "at": self.at.isoformat(),
            "organization": self.organization,
            "title": self.title,
            "targets": list(self.targets),
            "period": self.period,
        }


@dataclass(frozen=True)
class Registered:
    """Channels subscribed and MED chairs registered from chat, as the store holds them now."""

    subscriptions: tuple[tuple[str, str, str], ...] = ()  # (platform, channel, organization)
    chairs: tuple[tuple[str, str, str, str], ...] = ()  # (platform, user, organization, committee)


async def registered(store: Store | None) -> Registered:
    """Read the subscriptions and chairs once (none without a store)."""
    if store is None:
        return Registered()
    return Registered(tuple(await store.subscriptions()), tuple(await store.chairs()))


def theme_organizations(kb: KnowledgeBase) -> list[str]:
    """Organisations with a foundation: those that have themes, values or focus areas."""
    return [org for org in kb.organizations() if kb.themes(org)]


def theme_targets(settings: Settings, known: Registered, organization: str) -> tuple[str, ...]:
    """Channels in app.yaml, then channels subscribed from chat, without duplicates."""
    targets = [
        f"slack:{c}" for oc in settings.schedule.channels if oc.organization == organization for c in oc.slack
    ]
    targets += [
        f"{platform}:{channel}" for platform, channel, org in known.subscriptions if org == organization
    ]
    return tuple(dict.fromkeys(targets))


def chair_targets(settings: Settings, known: Registered, organization: str) -> tuple[str, ...]:
    """MED chairs in app.yaml, then chairs registered from chat, without duplicates."""
    committees = settings.schedule.committees
    targets = [f"slack:{u}" for c in committees if c.organization == organization for u in c.slack_chairs]
    targets += [f"{platform}:{user}" for platform, user, org, _ in known.chairs if org == organization]
    return tuple(dict.fromkeys(targets))


def plan(
    kb: KnowledgeBase, settings: Settings, known: Registered, start: date, weeks: int
) -> list[PlannedPost]:
    """Every post from ``start`` for ``weeks`` weeks, in time order."""
    end = start + timedelta(weeks=weeks)
    return sorted(
        _weekly(kb, settings, known, start, end) + _reminders(kb, settings, known, start, end),
        key=lambda p: (p.at, p.job != THEME_JOB, p.organization),
    )


def _weekly(
    kb: KnowledgeBase, settings: Settings, known: Registered, start: date, end: date
) -> list[PlannedPost]:
    calendar = ThemeCalendar.from_settings(settings.schedule)
    orgs = {org: kb.themes(org) for org in theme_organizations(kb)}
    posts = []
    week = monday_of(start) - timedelta(weeks=1)  # last week's post may be moved into this week
    while week < end:
        at = calendar.posting_at(week)
        if at is not None and start <= at.date() < end:
            for org, themes in orgs.items():
                theme = calendar.pick(themes, week)
                if theme is not None:
                    targets = theme_targets(settings, known, org)
                    posts.append(PlannedPost(THEME_JOB, at, org, theme.title, targets, week_period(week)))
        week += timedelta(weeks=1)
    return posts


def _reminders(
    kb: KnowledgeBase, settings: Settings, known: Registered, start: date, end: date
) -> list[PlannedPost]:
    tz = ThemeCalendar.from_settings(settings.schedule).tz
    posts = []
    for wheel in kb.wheels:
        targets = chair_targets(settings, known, wheel.organization)
        for occ in annual_wheel.occurrences(wheel, start, end - timedelta(days=1)):
            at = datetime.combine(occ.remind_on, settings.schedule.reminder_time, tzinfo=tz)
            posts.append(
                PlannedPost(REMINDER_JOB, at, wheel.organization, occ.item.title, targets, occ.period)
            )
    return posts
