"""Shared pieces of the scheduler tests: the bot under test (tests/conftest.py's ``testbot``) with
its Slack and Teams posters pointed at the fakes on 127.0.0.1 (tests/bot's fake Slack Web API and
fake Bot Connector), and a clock that stands still."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import PACKAGE_KNOWLEDGE
from bot.server import create_app
from handlers.context import Context
from handlers.messages import Platform, Reply
from handlers.settings import MedCommittee, OrgChannels, ScheduleSettings, Settings, SlackSettings
from scheduler.delivery import Courier, Pacer, RetryPolicy
from tests.bot.slack_fakes import SECRET, FakeSlack
from tests.testbot import MakeBot, TestBot

CPH = ZoneInfo("Europe/Copenhagen")
ALLEROD = "Allerød Kommune"
CHAIR = "U0CHAIR"


def local(*args: int) -> datetime:
    """A wall-clock time in Copenhagen."""
    return datetime(*args, tzinfo=CPH)  # type: ignore[misc]


def schedule(**changes: object) -> ScheduleSettings:
    base: dict[str, object] = {
        "enabled": False,  # a test that wants the scheduler running says so
        "pause_weeks": (29, 30, 31, 52),
        "channels": (OrgChannels(ALLEROD),),  # listed first in app.yaml: the default organisation
        "committees": (MedCommittee(ALLEROD, "Hovedudvalget", (CHAIR,)),),
    }
    return ScheduleSettings(**(base | changes))  # type: ignore[arg-type]


def settings(db: Path, fake: FakeSlack | None = None, **schedule_changes: object) -> Settings:
    return Settings(
        knowledge_dir=PACKAGE_KNOWLEDGE,
        db_path=db,
        slack=SlackSettings("xoxb-test-token", SECRET, api_url=fake.api_url) if fake else None,
        schedule=schedule(**schedule_changes),
    )


def quick() -> Courier:
    """Retries and pacing made quick, for jobs run by the tests."""
    return Courier(RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05), Pacer(interval=0))


def make_context(
    testbot: MakeBot,
    fake: FakeSlack | None = None,
    now: datetime | None = None,
    *,
    db: str = "bot.sqlite3",
    **changes: object,
) -> Context:
    """The bot's context, its posters registered as ``serve`` registers them (Slack's at ``fake``);
    ``changes`` change the schedule, ``now`` stops the clock."""
    config = settings(Path(db), fake, **changes)
    clock = (lambda: now) if now is not None else None
    ctx = testbot(db=db, slack=config.slack, schedule=config.schedule, clock=clock).ctx
    create_app(ctx)  # registers ctx.posters["slack"] and ["teams"]; the scheduler is not started
    return ctx


async def say(
    ctx: Context,
    text: str,
    channel: str = "C0THEME",
    platform: Platform = "slack",
    user: str = "U0EMP",
    direct: bool = False,
) -> Reply:
    """What the bot answers ``text`` typed in a channel (a slash command or a Teams message)."""
    return await TestBot(ctx).send(text, user=user, channel=channel, platform=platform, direct=direct)


def without_client_retries(ctx: Context) -> None:
    """Turn off slack_sdk's own retries (each waits Retry-After: 1 s) where a test is about ours."""
    ctx.posters["slack"].client.retry_handlers = []  # type: ignore[attr-defined]
