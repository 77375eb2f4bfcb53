"""Which theme is posted in which week, and on which day: computed from the date alone.

The rotation index of a week is the number of posting weeks (pause weeks excluded) between a fixed
epoch Monday and that week, modulo the number of themes. Nothing is counted or stored, so a
restart, a week of downtime or a second process can neither skip nor repeat a theme.

A Danish public holiday on the posting day moves the post to the next working day; the post keeps
its local time (Europe/Copenhagen by default) across the daylight-saving changes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import holidays

from handlers.settings import WEEKDAYS, ScheduleSettings

EPOCH = date(2024, 1, 1)  # a Monday, ISO week 2024-W01: week 0 of the rotation
T = TypeVar("T")

_DANISH_HOLIDAYS = holidays.country_holidays("DK")  # holidays.Denmark; expands to each year looked up


def is_holiday(day: date) -> bool:
    return day in _DANISH_HOLIDAYS


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a Danish public holiday."""
    return day.weekday() < 5 and not is_holiday(day)


def next_working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def previous_working_day(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _mondays(start: date, end: date) -> Iterator[date]:
    """Mondays from ``start`` (a Monday) up to, not including, ``end``."""
    while start < end:
        yield start
        start += timedelta(days=7)


def week_period(day: date) -> str:
    """The ISO week a day belongs to, as the exactly-once record keys it: ``2027-W01``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class ThemeCalendar:
    """The weekly-theme calendar of one configuration (``schedule.weekly_theme`` in app.yaml)."""

    weekday: int = 0  # 0 = Monday
    at: time = time(9, 0)
    pause_weeks: frozenset[int] = frozenset()
    timezone: str = "Europe/Copenhagen"

    @classmethod
    def from_settings(cls, settings: ScheduleSettings) -> ThemeCalendar:
        return cls(
            weekday=WEEKDAYS.index(settings.theme_day),
            at=settings.theme_time,
            pause_weeks=frozenset(settings.pause_weeks),
            timezone=settings.timezone,
        )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_pause(self, day: date) -> bool:
        return day.isocalendar().week in self.pause_weeks

    def posting_date(self, day: date) -> date | None:
        """The day the theme of ``day``'s week is posted; None in a pause week."""
        if self.is_pause(day):
            return None
        planned = monday_of(day) + timedelta(days=self.weekday)
        return next_working_day(planned) if is_holiday(planned) else planned

    def posting_at(self, day: date) -> datetime | None:
        """When the theme of ``day``'s week is posted, in local time (same hour all year)."""
        posted = self.posting_date(day)
        return None if posted is None else datetime.combine(posted, self.at, tzinfo=self.tz)

    def week_posted_on(self, day: date) -> date | None:
        """A day of the week whose theme is posted on ``day`` (None: no post that day).

        Usually ``day`` itself; after a holiday it can be the week before (a Friday post moved to
        the next Tuesday still posts the Friday week's theme).
        """
        return next((d for d in (day, day - timedelta(weeks=1)) if self.posting_date(d) == day), None)

    def is_posting_day(self, day: date) -> bool:
        return self.week_posted_on(day) is not None

    def index(self, day: date) -> int:
        """Posting weeks between the epoch and ``day``'s week, pause weeks not counted.

        In a pause week this is the index of the next posting week: the rotation did not move.
        """
        target = monday_of(day)
        if target >= EPOCH:
            return sum(1 for week in _mondays(EPOCH, target) if not self.is_pause(week))
        return -sum(1 for week in _mondays(target, EPOCH) if not self.is_pause(week))

    def pick(self, themes: Sequence[T], day: date) -> T | None:
        """The theme of ``day``'s week from an organisation's themes in document order."""
        return themes[self.index(day) % len(themes)] if themes else None
