"""The MED annual wheel: the shipped default for Allerød, and when its reminders fall."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.config import PACKAGE_KNOWLEDGE
from handlers import wheel as annual_wheel
from knowledge.loader import load_knowledge
from knowledge.model import KnowledgeBase, Wheel
from tests.scheduler.helpers import ALLEROD

WHEEL_FILE = PACKAGE_KNOWLEDGE / "aarshjul.yaml"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(PACKAGE_KNOWLEDGE)


@pytest.fixture(scope="module")
def wheel(kb: KnowledgeBase) -> Wheel:
    found = kb.wheel(ALLEROD)
    assert found is not None
    return found


def test_the_default_wheel_is_an_example_built_from_the_policy(kb: KnowledgeBase, wheel: Wheel) -> None:
    assert wheel.example
    assert "eksempel" in WHEEL_FILE.read_text(encoding="utf-8").lower()
    policy = {e.id for e in kb.entries if e.document == "Personale- og arbejdsmiljøpolitik"}
    assert all(item.entry in policy for item in wheel.items)  # each reminder carries policy text
    words = " ".join(item.title.lower() for item in wheel.items)
    for topic in (
        "arbejdsmiljødrøftelse",
        "apv",
        "trivselsmåling",
        "sygefravær",
        "budget",
        "regnskab",
        "kompetenceudvikling",
        "mobning",
        "vold",
        "mødeplan",
    ):
        assert topic in words, topic
    assert {item.fixed for item in wheel.items} == {True, False}


def test_the_default_wheel_names_no_other_municipality() -> None:
    assert "gentofte" not in WHEEL_FILE.read_text(encoding="utf-8").lower()


def test_month_and_week_items_fall_on_their_first_day(wheel: Wheel) -> None:
    by_id = {item.id: item for item in wheel.items}
    assert annual_wheel.item_start(by_id["budget"], 2027) == date(2027, 9, 1)
    assert annual_wheel.item_start(by_id["apv-trivselsmaaling"], 2027) == date(
        2027, 10, 25
    )  # Monday, week 43
    week53 = replace(by_id["apv-trivselsmaaling"], week=53)
    assert annual_wheel.item_start(week53, 2026) == date(2026, 12, 28)
    assert annual_wheel.item_start(week53, 2027) is None  # 2027 has no week 53


def test_reminders_come_lead_days_ahead_on_a_working_day(wheel: Wheel) -> None:
    by_id = {item.id: item for item in wheel.items}
    budget = annual_wheel.occurrence(by_id["budget"], 2027)
    assert budget is not None and budget.remind_on == date(2027, 8, 18)  # 1 Sept - 14 days, a Wednesday
    sick = annual_wheel.occurrence(by_id["sygefravaer"], 2027)
    assert sick is not None and sick.remind_on == date(2027, 4, 16)  # Saturday 17 April -> Friday before
    week1 = replace(by_id["politikken-kendt"], week=1)  # Monday 3 January 2028
    january = annual_wheel.occurrence(week1, 2028)
    assert january is not None and january.remind_on == date(2027, 12, 20)
    assert january.period == "politikken-kendt/2028"


def test_due_reminders_are_sent_until_the_item_begins(wheel: Wheel) -> None:
    by_id = {item.id: item for item in wheel.items}
    assert [o.item.id for o in annual_wheel.due(wheel, date(2027, 8, 17))] == []
    assert [o.item.id for o in annual_wheel.due(wheel, date(2027, 8, 18))] == ["budget"]
    # Missed while the bot was down: still due the next days, until the item begins.
    assert [o.item.id for o in annual_wheel.due(wheel, date(2027, 8, 31))] == ["budget"]
    assert "budget" not in [o.item.id for o in annual_wheel.due(wheel, date(2027, 9, 1))]
    early = replace(wheel, items=(replace(by_id["politikken-kendt"], week=1),))
    [december] = annual_wheel.due(early, date(2027, 12, 31))  # next year's item, reminded this year
    assert december.year == 2028 and december.period == "politikken-kendt/2028"


def test_occurrences_in_a_half_year_are_in_reminder_order(wheel: Wheel) -> None:
    found = annual_wheel.occurrences(wheel, date(2027, 1, 4), date(2027, 7, 4))
    assert [o.remind_on for o in found] == sorted(o.remind_on for o in found)
    assert {o.item.id for o in found} >= {"arbejdsmiljoedroeftelse", "regnskab", "sygefravaer", "mobning"}
    assert all(date(2027, 1, 4) <= o.remind_on <= date(2027, 7, 4) for o in found)


def test_coming_items_include_the_current_month(wheel: Wheel) -> None:
    coming = annual_wheel.coming(wheel, date(2027, 9, 15), 3)
    assert [o.item.id for o in coming] == ["budget", "apv-trivselsmaaling", "vold-trusler-chikane"]
    assert annual_wheel.coming(wheel, date(2027, 12, 20), 2)[1].year == 2028


def test_a_wheel_item_with_an_unknown_entry_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(WHEEL_FILE.read_text(encoding="utf-8"))
    data["wheel"][0]["items"][0]["entry"] = "no-such-entry"
    for source in PACKAGE_KNOWLEDGE.glob("*.yaml"):
        if source.name != WHEEL_FILE.name:
            (tmp_path / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / WHEEL_FILE.name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(Exception, match="no-such-entry"):
        load_knowledge(tmp_path)
