"""``tema``: this week's theme on demand; ``årshjul``: what is coming on the MED annual wheel.

Both follow the channel's subscribed organisation, else the default one (handlers.subscriptions).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from handlers import compose
from handlers import wheel as annual_wheel
from handlers.context import Context
from handlers.messages import Message, Reply, UserFacingError
from handlers.rotation import ThemeCalendar
from handlers.router import command
from handlers.subscriptions import channel_organization, theme_organizations
from handlers.texts import t

WHEEL_ITEMS_SHOWN = 6


@command("theme", "tema", "theme")
async def handle_theme(msg: Message, ctx: Context, argument: str) -> Reply:
    """This week's theme (in a pause week: the next one) of the channel's organisation."""
    language = msg.language
    kb = ctx.knowledge.current.kb
    org = await channel_organization(ctx, msg) or next(iter(theme_organizations(kb)), None)
    if org is None:
        raise UserFacingError(t("scheduler.theme.none", language))
    calendar = ThemeCalendar.from_settings(ctx.settings.schedule)
    today = ctx.clock().astimezone(calendar.tz).date()
    day = today
    while calendar.is_pause(day) and day < today + timedelta(weeks=53):
        day += timedelta(weeks=1)  # the rotation stands still in a pause week: show what comes next
    entry = calendar.pick(kb.themes(org), day)
    if entry is None:
        raise UserFacingError(t("scheduler.theme.none", language))
    reply = compose.theme_reply(entry, day, language)
    if day != today:
        pause = t("scheduler.theme.pause", language, week=today.isocalendar().week)
        return replace(reply, lead=pause)
    return reply


@command("wheel", "årshjul", "aarshjul", "arshjul", "annual-wheel")
async def handle_wheel(msg: Message, ctx: Context, argument: str) -> Reply:
    """The coming items of the MED annual wheel of the channel's organisation (or the first wheel)."""
    language = msg.language
    kb = ctx.knowledge.current.kb
    if not kb.wheels:
        raise UserFacingError(t("scheduler.wheel.nothing", language))
    org = await channel_organization(ctx, msg)
    wheel = kb.wheel(org) if org else None
    if wheel is None and msg.organization is not None:  # never another organisation's as the asker's
        raise UserFacingError(t("scheduler.wheel.none_for", language, organization=msg.organization))
    wheel = wheel or kb.wheels[0]
    today = ctx.clock().astimezone(ThemeCalendar.from_settings(ctx.settings.schedule).tz).date()
    return compose.wheel_reply(wheel, annual_wheel.coming(wheel, today, WHEEL_ITEMS_SHOWN), language)
