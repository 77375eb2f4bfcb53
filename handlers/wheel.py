"""The MED annual wheel (årshjul): when each item falls, and when its chairs are reminded.

An item falls on the first day of its month, or on the Monday of its ISO week. Its chairs are
reminded ``lead_days`` before that; a reminder that would fall on a weekend or a public holiday is
sent on the working day before, so it never arrives later than promised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from handlers.rotation import previous_working_day
from knowledge.model import Wheel, WheelItem


@dataclass(frozen=True)
class Occurrence:
    """One item of the wheel in one year."""

    item: WheelItem
    year: int
    start: date
    remind_on: date

    @property
    def period(self) -> str:
        """The exactly-once record's period: item id and year."""
        return f"{self.item.id}/{self.year}"


def item_start(item: WheelItem, year: int) -> date | None:
    """The day an item falls in ``year``; None for week 53 in a year without one."""
    if item.month is not None:
        return date(year, item.month, 1)
    if item.week is not None:
        try:
            return date.fromisocalendar(year, item.week, 1)
        except ValueError:
            return None
    return None


def occurrence(item: WheelItem, year: int) -> Occurrence | None:
    start = item_start(item, year)
    if start is None:
        return None
    return Occurrence(item, year, start, previous_working_day(start - timedelta(days=item.lead_days)))


def occurrences(wheel: Wheel, first: date, last: date) -> list[Occurrence]:
    """Items whose reminder falls between ``first`` and ``last`` (inclusive), by reminder date."""
    found = []
    for year in range(first.year, last.year + 2):  # a January item is reminded in December
        for item in wheel.items:
            occ = occurrence(item, year)
            if occ is not None and first <= occ.remind_on <= last:
                found.append(occ)
    return sorted(found, key=lambda o: (o.remind_on, o.start, o.item.id))


def due(wheel: Wheel, day: date) -> list[Occurrence]:
    """Reminders to send on ``day``: due on or before it, for items that have not begun yet.

    A reminder missed while the bot was down is therefore sent at the next daily run, as long as
    it can still help; the exactly-once record keeps it from being sent twice.
    """
    found = []
    for year in (day.year, day.year + 1):
        for item in wheel.items:
            occ = occurrence(item, year)
            if occ is not None and occ.remind_on <= day < occ.start:
                found.append(occ)
    return sorted(found, key=lambda o: (o.start, o.item.id))


def coming(wheel: Wheel, day: date, count: int = 6) -> list[Occurrence]:
    """The next ``count`` items from ``day`` on (items already begun this month are included)."""
    found = []
    for year in (day.year, day.year + 1):
        for item in wheel.items:
            occ = occurrence(item, year)
            if occ is not None and _ends_after(occ, day):
                found.append(occ)
    return sorted(found, key=lambda o: (o.start, o.item.id))[:count]


def _ends_after(occ: Occurrence, day: date) -> bool:
    # A month item stays "coming" during its month, a week item during its week.
    if occ.item.week is not None:
        end = occ.start + timedelta(days=7)
    else:
        end = (occ.start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return end > day
