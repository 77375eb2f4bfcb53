"""``abonner [ORG]`` / ``afmeld``: a channel subscribes to the weekly theme; ``medformand ORG``: a
MED chair registers for the annual-wheel reminders.

``medformand ORG[, UDVALG]`` registers the sender as chair (``medformand stop`` undoes it). It
serves Teams above all, where chairs cannot be listed in app.yaml; Slack chairs may use it too.
Reminders go to the chair's personal chat with the bot.

ORG is matched loosely against the organisations of the knowledge base and their aliases
("allerod", "Albertslund Kommune"). Without ORG, the channel gets the asker's organisation (where
the message came from, ``Message.organization``), else the default organisation:
``default_organization`` in app.yaml, else the first organisation listed in app.yaml that has a
foundation, else the only one; with several and no default, the reply lists the choices. An
organisation with documents but no themes (a personnel policy only) is known: the reply says it
has no themes.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from handlers.context import Context
from handlers.messages import Language, Message, Reply, UserFacingError
from handlers.router import command
from handlers.settings import WEEKDAYS
from handlers.texts import t
from knowledge.model import KnowledgeBase
from knowledge.normalize import fold

MATCH_THRESHOLD = 80.0
STOP_WORDS = frozenset({"stop", "afmeld", "fra", "unsubscribe", "off"})


def theme_organizations(kb: KnowledgeBase) -> list[str]:
    return [org for org in kb.organizations() if kb.themes(org)]


def match_organization(kb: KnowledgeBase, text: str) -> str | None:
    """The organisation that ``text`` names best, if it is close enough."""
    wanted = fold(" ".join(text.split()))
    best, best_score = None, 0.0
    for org in kb.organizations():
        names = {org, *(a for d in kb.documents if d.organization == org for a in d.aliases)}
        score = max(fuzz.WRatio(wanted, fold(name)) for name in names)
        if score > best_score:
            best, best_score = org, score
    return best if best_score >= MATCH_THRESHOLD else None


def default_organization(ctx: Context) -> str | None:
    orgs = theme_organizations(ctx.knowledge.current.kb)
    configured = [ctx.settings.default_organization] if ctx.settings.default_organization else []
    configured += [c.organization for c in ctx.settings.schedule.channels]  # app.yaml's order
    for org in configured:
        if org in orgs:
            return org
    return orgs[0] if len(orgs) == 1 else None


async def channel_organization(ctx: Context, msg: Message) -> str | None:
    """The organisation a channel follows: its subscription, else the asker's, else the default."""
    subscribed = [o for p, c, o in await ctx.store.subscriptions() if p == msg.platform and c == msg.channel]
    return subscribed[0] if subscribed else msg.organization or default_organization(ctx)


def _choose(ctx: Context, msg: Message, argument: str, language: Language) -> str:
    kb = ctx.knowledge.current.kb
    orgs = theme_organizations(kb)
    listed = ", ".join(orgs)
    if argument:
        org = match_organization(kb, argument)
        if org is None:
            raise UserFacingError(t("subscribe.unknown", language, name=argument[:80], organizations=listed))
    else:
        org = msg.organization or default_organization(ctx)
    if org is not None and org not in orgs:
        raise UserFacingError(t("subscribe.no_themes", language, organization=org))
    if not orgs:
        raise UserFacingError(t("subscribe.nothing", language))
    if org is None:
        raise UserFacingError(t("subscribe.choose", language, example=orgs[0], organizations=listed))
    return org


@command("subscribe", "abonner", "abonnér", "subscribe", takes_argument=True)
async def handle_subscribe(msg: Message, ctx: Context, argument: str) -> Reply:
    """Subscribe this channel to an organisation's weekly theme."""
    language = msg.language
    org = _choose(ctx, msg, argument, language)
    if not await ctx.store.subscribe(msg.platform, msg.channel, org):
        return Reply(text=t("subscribe.already", language, organization=org), language=language)
    schedule = ctx.settings.schedule
    day = t("scheduler.weekdays", language).split(",")[WEEKDAYS.index(schedule.theme_day)].strip()
    text = t(
        "subscribe.done", language, organization=org, day=day, time=schedule.theme_time.strftime("%H:%M")
    )
    return Reply(text=text, language=language)


@command("unsubscribe", "afmeld", "unsubscribe")
async def handle_unsubscribe(msg: Message, ctx: Context, argument: str) -> Reply:
    """Remove this channel from the weekly theme."""
    language = msg.language
    removed = await ctx.store.unsubscribe(msg.platform, msg.channel)
    return Reply(text=t("unsubscribe.done" if removed else "unsubscribe.none", language), language=language)


@command("chair", "medformand", "med-formand", "chair", takes_argument=True)
async def handle_chair(msg: Message, ctx: Context, argument: str) -> Reply:
    """Register (or with ``stop``, unregister) the sender as a MED chair of an organisation."""
    language = msg.language
    if argument.strip().casefold() in STOP_WORDS:
        removed = await ctx.store.remove_chair(msg.platform, msg.user)
        return Reply(
            text=t("chair.removed" if removed else "chair.not_registered", language), language=language
        )
    org_text, _, committee = argument.partition(",")
    org = _choose(ctx, msg, org_text.strip(), language)
    committee = committee.strip()[:100] or next(
        (c.name for c in ctx.settings.schedule.committees if c.organization == org),
        t("chair.default_committee", language),
    )
    await ctx.store.add_chair(msg.platform, msg.user, org, committee)
    lines = [t("chair.done", language, committee=committee, organization=org)]
    if msg.platform == "teams" and not msg.is_direct:
        lines.append(t("chair.personal", language))
    return Reply(text=" ".join(lines), language=language)
