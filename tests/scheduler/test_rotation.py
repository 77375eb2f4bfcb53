"""The weekly-theme calendar on fixed dates: rotation order, pause weeks, holidays, DST.

Nothing here waits: triggers are asked for their next fire time from fixed datetimes.
"""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.config import PACKAGE_KNOWLEDGE
from handlers.rotation import ThemeCalendar, is_working_day, week_period
from knowledge.loader import load_knowledge
from knowledge.model import KnowledgeBase
from scheduler.service import PostingDayTrigger
from tests.scheduler.helpers import ALLEROD, CPH, local

SUMMER_AND_CHRISTMAS = frozenset({29, 30, 31, 52})


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(PACKAGE_KNOWLEDGE)


def mondays(first: date, count: int) -> list[date]:
    return [first + timedelta(weeks=i) for i in range(count)]


def test_consecutive_weeks_go_through_every_theme_in_document_order(kb: KnowledgeBase) -> None:
    calendar = ThemeCalendar()
    for org in kb.organizations():
        themes = kb.themes(org)
        if not themes:
            continue
        picked = [calendar.pick(themes, monday) for monday in mondays(date(2027, 1, 4), 2 * len(themes))]
        start = themes.index(picked[0])  # type: ignore[arg-type]
        assert picked == [themes[(start + i) % len(themes)] for i in range(2 * len(themes))], org
        assert [e.theme.order for e in themes if e.theme] == sorted(e.theme.order for e in themes if e.theme)


def test_every_day_of_a_week_has_that_weeks_theme(kb: KnowledgeBase) -> None:
    calendar = ThemeCalendar()
    themes = kb.themes(ALLEROD)
    week = [date(2027, 1, 4) + timedelta(days=d) for d in range(7)]
    assert len({calendar.pick(themes, day) for day in week}) == 1
    assert calendar.pick(themes, date(2027, 1, 11)) != calendar.pick(themes, date(2027, 1, 10))


def test_the_theme_follows_from_the_date_not_from_what_ran_before(kb: KnowledgeBase) -> None:
    # However often the process restarts and whichever week it computes first, a week's theme is
    # the same: the index is the number of posting weeks since the epoch, pause weeks not counted.
    themes = kb.themes(ALLEROD)
    first = ThemeCalendar(pause_weeks=SUMMER_AND_CHRISTMAS)
    restarted = ThemeCalendar(pause_weeks=SUMMER_AND_CHRISTMAS)
    assert restarted.pick(themes, date(2028, 6, 5)) == first.pick(themes, date(2028, 6, 5))
    posting_weeks = [m for m in mondays(date(2024, 1, 1), 300) if not first.is_pause(m)]
    assert [first.index(m) for m in posting_weeks] == list(range(len(posting_weeks)))
    assert first.index(date(2023, 12, 18)) == -1  # before the epoch it counts backwards


def test_pause_weeks_post_nothing_and_do_not_advance_the_rotation(kb: KnowledgeBase) -> None:
    calendar = ThemeCalendar(pause_weeks=SUMMER_AND_CHRISTMAS)
    themes = kb.themes(ALLEROD)
    week28, week32 = date(2027, 7, 12), date(2027, 8, 9)
    assert [calendar.posting_date(m) for m in mondays(date(2027, 7, 19), 3)] == [None, None, None]
    assert week_period(week28) == "2027-W28" and week_period(week32) == "2027-W32"
    after = themes[(themes.index(calendar.pick(themes, week28)) + 1) % len(themes)]  # type: ignore[arg-type]
    assert calendar.pick(themes, week32) == after
    # Without the pause, week 32 would be three themes further on.
    assert ThemeCalendar().index(week32) - ThemeCalendar().index(week28) == 4
    assert calendar.index(week32) - calendar.index(week28) == 1


def test_a_public_holiday_moves_the_post_to_the_next_working_day() -> None:
    calendar = ThemeCalendar()
    assert calendar.posting_date(date(2027, 3, 29)) == date(2027, 3, 30)  # 2. påskedag
    assert calendar.posting_date(date(2027, 5, 17)) == date(2027, 5, 18)  # 2. pinsedag
    assert calendar.posting_date(date(2027, 1, 11)) == date(2027, 1, 11)  # an ordinary Monday
    friday = ThemeCalendar(weekday=4)
    # Langfredag 2027-03-26, then a weekend and 2. påskedag: Tuesday of the next week.
    assert friday.posting_date(date(2027, 3, 22)) == date(2027, 3, 30)
    assert friday.is_posting_day(date(2027, 3, 30)) and not friday.is_posting_day(date(2027, 3, 26))
    assert friday.week_posted_on(date(2027, 3, 30)) == date(2027, 3, 23)  # still week 12's theme
    assert not is_working_day(date(2027, 5, 6))  # Kristi himmelfartsdag
    assert is_working_day(date(2027, 5, 7))


def test_the_trigger_fires_at_nine_local_time_on_both_sides_of_the_march_change() -> None:
    trigger = PostingDayTrigger(ThemeCalendar())
    # 2026: summer time starts on Sunday 29 March, the last Sunday of March.
    before = trigger.get_next_fire_time(None, local(2026, 3, 20, 12, 0))
    after = trigger.get_next_fire_time(before, local(2026, 3, 23, 9, 0, 1))
    assert before == local(2026, 3, 23, 9, 0) and before.utcoffset() == timedelta(hours=1)
    assert after == local(2026, 3, 30, 9, 0) and after.utcoffset() == timedelta(hours=2)
    assert (before.hour, after.hour) == (9, 9)
    assert after.astimezone(UTC) - before.astimezone(UTC) == timedelta(days=7, hours=-1)  # an hour less


def test_the_trigger_fires_at_nine_local_time_on_both_sides_of_the_october_change() -> None:
    trigger = PostingDayTrigger(ThemeCalendar())
    # 2026: summer time ends on Sunday 25 October, the last Sunday of October.
    before = trigger.get_next_fire_time(None, local(2026, 10, 17, 12, 0))
    after = trigger.get_next_fire_time(before, local(2026, 10, 19, 10, 0))
    assert before == local(2026, 10, 19, 9, 0) and before.utcoffset() == timedelta(hours=2)
    assert after == local(2026, 10, 26, 9, 0) and after.utcoffset() == timedelta(hours=1)
    assert after.astimezone(UTC) - before.astimezone(UTC) == timedelta(days=7, hours=1)


def test_the_daily_reminder_trigger_keeps_its_local_time_across_dst() -> None:
    trigger = CronTrigger(hour=8, minute=0, timezone=CPH)
    saturday = trigger.get_next_fire_time(None, local(2027, 3, 27, 9, 0))
    sunday = trigger.get_next_fire_time(saturday, local(2027, 3, 28, 0, 0))
    assert sunday == local(2027, 3, 28, 8, 0) and sunday.utcoffset() == timedelta(hours=2)


def test_the_trigger_skips_holidays_and_pause_weeks() -> None:
    trigger = PostingDayTrigger(ThemeCalendar(pause_weeks=SUMMER_AND_CHRISTMAS))
    # Easter Monday 2027 is also the first Monday of summer time.
    assert trigger.get_next_fire_time(None, local(2027, 3, 27, 9, 0)) == local(2027, 3, 30, 9, 0)
    assert trigger.get_next_fire_time(None, local(2027, 7, 13, 9, 0)) == local(2027, 8, 9, 9, 0)
    # Week 52 is a pause; 1 January 2029 is a Monday and a holiday.
    assert trigger.get_next_fire_time(None, local(2028, 12, 19, 9, 0)) == local(2029, 1, 2, 9, 0)


def test_a_calendar_of_only_pause_weeks_never_fires() -> None:
    trigger = PostingDayTrigger(ThemeCalendar(pause_weeks=frozenset(range(1, 54))))
    assert trigger.get_next_fire_time(None, local(2027, 1, 1, 0, 0)) is None
