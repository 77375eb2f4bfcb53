"""The texts of the admin commands ``status`` and ``stats``.

``status`` is for the operator: the knowledge serving, the last reload, what the scheduler will
post next and what failed. ``stats`` is for HR: what employees ask that the bot cannot answer,
👍/👎 per entry and the answer rate.

Everything here is anonymous by construction: the database keeps unanswered question texts with
only the day they were asked, and feedback and answer counts with no user or channel at all.
Similar questions are grouped (rapidfuzz ``token_sort_ratio`` on folded, stemmed words) so HR sees
"12× hvad er der til frokost" rather than twelve spellings of it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from handlers.context import Context
from handlers.messages import TeachOffer
from handlers.teaching import choices
from handlers.texts import t
from knowledge.normalize import clean, stem, words

SIMILAR = 80.0  # token_sort_ratio at or above which two questions are the same question
TOP_QUESTIONS = 15
UPCOMING = 5  # scheduled posts listed by status
FAILED = 10  # failed posts listed by status
TOP_FEEDBACK = 15
TEACH_OFFERS = 10  # unanswered questions offered to teach, with a menu each (Slack allows 50 blocks)
MAX_SHOWN = 120  # characters of a question shown


@dataclass
class Group:
    """Questions that say the same thing; ``texts`` counts each spelling."""

    key: str
    texts: Counter[str] = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return sum(self.texts.values())

    @property
    def example(self) -> str:
        return self.texts.most_common(1)[0][0]


def question_key(text: str) -> str:
    """The words of a question, folded and stemmed: what grouping compares."""
    return " ".join(stem(w.folded) for w in words(clean(text)))


def group_questions(texts: list[str], threshold: float = SIMILAR) -> list[Group]:
    """Greedy grouping: each question joins the first group it is similar enough to; biggest first."""
    groups: list[Group] = []
    keys: list[str] = []
    seen: dict[str, Group] = {}  # the same words again need no fuzzy comparison
    for text in texts:
        key = question_key(text) or text.strip().casefold()
        group = seen.get(key)
        if group is None:
            found = process.extractOne(key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=threshold)
            if found is None:
                groups.append(Group(key))
                keys.append(key)
            group = seen[key] = groups[found[2] if found else -1]
        group.texts[text.strip()] += 1
    return sorted(groups, key=lambda g: -g.count)


async def status(ctx: Context) -> str:
    """The whole ``status`` reply: knowledge, last reload, schedule, failed posts."""
    kb = ctx.knowledge.current.kb
    lines = [
        t(
            "admin.status.knowledge",
            version=kb.version,
            documents=len(kb.documents),
            entries=len(kb.entries),
            loaded_at=kb.loaded_at.isoformat(timespec="seconds"),
        )
    ]
    lines += [
        t("admin.status.document", organization=d.organization, document=d.title, entries=len(d.entries))
        for d in kb.documents
    ]
    last = await ctx.store.last_audit("reload", ("ok", "failed"))
    if last is None:
        lines.append(t("admin.status.no_reload"))
    else:
        lines.append(
            t("admin.status.last_reload", at=last[0], admin=last[1], outcome=last[3], detail=last[4])
        )
    lines += ["", *await _schedule_lines(ctx)]
    return "\n".join(lines)


async def _schedule_lines(ctx: Context) -> list[str]:
    lines: list[str] = []
    if ctx.scheduler is None:
        lines.append(t("admin.status.no_scheduler"))
    else:
        posts = await ctx.scheduler.upcoming(UPCOMING)
        lines.append(t("admin.status.upcoming") if posts else t("admin.status.no_upcoming"))
        lines += [
            t(
                "admin.status.post",
                at=p.at.isoformat(timespec="minutes"),
                job=p.job,
                organization=p.organization,
                title=p.title,
                targets=", ".join(p.targets) or "–",
            )
            for p in posts
        ]
    failed = await ctx.store.post_records("failed", limit=FAILED)
    lines.append(t("admin.status.failures") if failed else t("admin.status.no_failures"))
    lines += [
        t(
            "admin.status.failure",
            at=r.updated_at,
            job=r.job,
            period=r.period,
            target=r.target,
            error=r.error or "?",
        )
        for r in failed
    ]
    return lines


async def statistics(ctx: Context, organization: str | None = None) -> tuple[str, tuple[TeachOffer, ...]]:
    """The whole ``stats`` reply as plain text: of every question, then per organisation whose
    employees asked (a global admin's); or of ``organization``'s employees only (its own admin's).
    With it, the unanswered questions an admin can teach: each group's example with the entries
    that come closest (:func:`handlers.teaching.choices`), also named in the text."""
    offers: list[TeachOffer] = []
    if organization is not None:
        lines = [t("admin.stats.organization", organization=organization)]
        lines += await _question_lines(ctx, organization, offers)
        return "\n".join(lines), tuple(offers[:TEACH_OFFERS])
    lines = await _question_lines(ctx, None, offers)
    lines += await _feedback_lines(ctx)
    for org in await ctx.store.question_organizations():
        lines += ["", t("admin.stats.organization", organization=org), *await _question_lines(ctx, org)]
    return "\n".join(lines), tuple(offers[:TEACH_OFFERS])


async def _question_lines(
    ctx: Context, organization: str | None, offers: list[TeachOffer] | None = None
) -> list[str]:
    """The answer rate and the unanswered questions; with ``offers``, each question's closest
    entries too, collected there."""
    answered, declined = await ctx.store.answer_counts(organization=organization)
    total = answered + declined
    lines = [
        t("admin.stats.rate", rate=round(100 * answered / total), answered=answered, declined=declined)
        if total
        else t("admin.stats.no_questions"),
        "",
    ]
    groups = group_questions(await ctx.store.unanswered(organization=organization))
    if groups:
        lines.append(
            t("admin.stats.unanswered", days=ctx.settings.question_retention_days, top=TOP_QUESTIONS)
        )
        for group in groups[:TOP_QUESTIONS]:
            lines.append(t("admin.stats.group", count=group.count, text=_short(group.example)))
            found = choices(ctx.knowledge.current, group.example) if offers is not None else ()
            if offers is not None and found:
                named = "; ".join(f"{c.entry_id} “{c.title}”" for c in found)
                lines.append(t("admin.stats.choices", choices=named))
                offers.append(TeachOffer(group.example, group.count, found))
    else:
        lines.append(t("admin.stats.no_unanswered", days=ctx.settings.question_retention_days))
    lines.append("")
    return lines


async def _feedback_lines(ctx: Context) -> list[str]:
    votes = await ctx.store.feedback()
    if not votes:
        return [t("admin.stats.no_feedback")]
    kb = ctx.knowledge.current.kb
    # Most votes first, and among those the most disliked: what HR should look at.
    ranked = sorted(votes.items(), key=lambda kv: (-(kv[1][0] + kv[1][1]), -kv[1][1], kv[0]))
    lines = [t("admin.stats.feedback")]
    for entry_id, (up, down) in ranked[:TOP_FEEDBACK]:
        entry = kb.entry(entry_id)
        title = entry.title if entry is not None else t("admin.stats.removed_entry")
        lines.append(t("admin.stats.votes", title=title, entry=entry_id, up=up, down=down))
    return lines


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"
