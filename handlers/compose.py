"""The scheduler's posts as replies: "Ugens tema" and the MED annual-wheel reminders.

All content comes from the knowledge files (the theme's statements, responsibilities and question;
the årshjul item and the policy entry it concerns); all wording around it from handlers/texts.py.
"""

from __future__ import annotations

import re
from datetime import date

from handlers.ask import source_of
from handlers.messages import Language, Reply
from handlers.texts import t
from handlers.wheel import Occurrence
from knowledge.model import Entry, Wheel

_KIND_PREFIX = re.compile(r"^\s*tema\s*:\s*", re.IGNORECASE)  # "Tema: Vi er …" under "Ugens tema"


def _bullets(items: tuple[str, ...]) -> list[str]:
    return [f"• {item}" for item in items]


def theme_reply(entry: Entry, day: date, language: Language = "da") -> Reply:
    """The "Ugens tema" post of ``entry`` for the week of ``day``."""
    theme = entry.theme
    title = _KIND_PREFIX.sub("", entry.title)
    lines = [
        t(
            "scheduler.theme.heading",
            language,
            week=day.isocalendar().week,
            title=title,
            organization=entry.organization,
        )
    ]
    if theme is not None:
        if theme.statements:
            lines += ["", *_bullets(theme.statements)]
        if theme.leaders:
            lines += ["", t("scheduler.theme.leaders", language), *_bullets(theme.leaders)]
        if theme.employees:
            lines += ["", t("scheduler.theme.employees", language), *_bullets(theme.employees)]
        question = theme.discuss.get(language)
        if question:
            lines += ["", t("scheduler.theme.discuss", language, question=question)]
    return Reply(
        text="\n".join(lines),
        language=language,
        source=source_of(entry),
        title=t("scheduler.theme.title", language, title=title),
    )


def when(occ: Occurrence, language: Language) -> str:
    """The item's place in the year: "marts 2027" or "uge 43 2027"."""
    if occ.item.week is not None:
        return t("scheduler.wheel.week", language, week=occ.item.week, year=occ.year)
    month = t("scheduler.wheel.months", language).split(",")[occ.start.month - 1].strip()
    return t("scheduler.wheel.month", language, month=month, year=occ.year)


def reminder_reply(wheel: Wheel, occ: Occurrence, entry: Entry | None, language: Language = "da") -> Reply:
    """The reminder a MED chair gets ahead of an årshjul item, with the policy text it concerns."""
    item = occ.item
    lines = [
        t("scheduler.reminder.heading", language, title=item.title),
        t("scheduler.reminder.when", language, when=when(occ, language), organization=wheel.organization),
        t("scheduler.wheel.fixed" if item.fixed else "scheduler.wheel.local", language),
    ]
    if item.discuss:
        lines += ["", t("scheduler.reminder.discuss", language, discuss=item.discuss)]
    if entry is not None:
        lines += ["", t("scheduler.reminder.policy", language, title=entry.title), entry.answer.get(language)]
    if wheel.example:
        lines += ["", t("scheduler.wheel.example", language)]
    return Reply(
        text="\n".join(lines), language=language, source=source_of(entry) if entry else None, title=item.title
    )


def wheel_reply(wheel: Wheel, coming: list[Occurrence], language: Language = "da") -> Reply:
    """The ``årshjul`` command: the coming items of an organisation's wheel."""
    if not coming:
        return Reply(
            text=t("scheduler.wheel.empty", language, organization=wheel.organization), language=language
        )
    lines = [t("scheduler.wheel.heading", language, organization=wheel.organization)]
    for occ in coming:
        kind = t("scheduler.wheel.fixed_short" if occ.item.fixed else "scheduler.wheel.local_short", language)
        lines.append(f"• {when(occ, language)}: {occ.item.title} ({kind})")
    if wheel.example:
        lines += ["", t("scheduler.wheel.example", language)]
    return Reply(text="\n".join(lines), language=language)
