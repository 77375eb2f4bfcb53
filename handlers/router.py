"""Routes a message to its handler: the one table of chat commands (DESIGN.md, "Chat commands").

A message whose first word is a command word goes to that command's handler with the rest of the
text as its argument; every other message is a question. Commands that take no argument are only
commands when they stand alone, so "status på sygefravær" is still a question.

This is also the one error boundary: a :class:`UserFacingError` becomes its own message; a
:class:`~handlers.services.StoreError` (the database is locked or full) is logged without a
traceback, counted, and the user is asked to try again; anything else is logged with its traceback
(never with the user or the text) and the user gets a short apology.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from handlers.context import Context, Handler
from handlers.language import language_of
from handlers.messages import Message, Reply, UserFacingError
from handlers.services import StoreError
from handlers.texts import t

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Command:
    name: str
    words: tuple[str, ...]
    handler: Handler
    takes_argument: bool = False


COMMANDS: dict[str, Command] = {}
# Clicks on the bot's own buttons and menus that are not typed words (an admin's "svar med …"):
# the adapters hand them to dispatch_action by name, with the argument the click carries.
ACTIONS: dict[str, Handler] = {}


def command(name: str, *words: str, takes_argument: bool = False) -> Callable[[Handler], Handler]:
    """Register ``handler`` for the chat command ``name``, typed as any of ``words``."""

    def register(handler: Handler) -> Handler:
        COMMANDS[name] = Command(name, tuple(w.casefold() for w in words), handler, takes_argument)
        return handler

    return register


def action(name: str) -> Callable[[Handler], Handler]:
    """Register ``handler`` for the click ``name`` (see :data:`ACTIONS`)."""

    def register(handler: Handler) -> Handler:
        ACTIONS[name] = handler
        return handler

    return register


def command_word(text: str) -> str:
    """The first word of ``text`` as a command word: "/Tema?" is "tema"; "?" stays "?"."""
    words = text.strip().split(maxsplit=1)
    word = words[0].lstrip("/") if words else ""
    return (re.sub(r"[!?.:,]+$", "", word) or word).casefold()


def parse(text: str) -> tuple[Command | None, str]:
    """The command a text asks for and its argument; (None, text) for a question."""
    words = text.strip().split(maxsplit=1)
    if not words:
        return None, ""
    first = command_word(text)
    rest = words[1].strip() if len(words) > 1 else ""
    for cmd in COMMANDS.values():
        if first in cmd.words and (cmd.takes_argument or not rest):
            return cmd, rest
    return None, text.strip()


async def dispatch(msg: Message, ctx: Context) -> Reply:
    """Answer one message: run its command, or answer it as a question.

    Here the message's language is decided, once (:mod:`handlers.language`).
    """
    from handlers import ask

    cmd, argument = parse(msg.text)
    language = language_of(ctx.knowledge.current, msg.text, command_word(msg.text) if cmd else None)
    handler = ask.handle_ask if cmd is None else cmd.handler
    return await _run(
        handler, replace(msg, language=language), ctx, argument, cmd.name if cmd else "question"
    )


async def dispatch_action(name: str, msg: Message, ctx: Context, argument: str) -> Reply:
    """Run the click ``name`` (:data:`ACTIONS`) with ``argument``, inside the same error boundary."""
    handler = ACTIONS.get(name)
    if handler is None:
        raise KeyError(f"no action {name!r}")  # an adapter's mistake, not the user's
    return await _run(handler, msg, ctx, argument, name)


async def _run(handler: Handler, msg: Message, ctx: Context, argument: str, what: str) -> Reply:
    language = msg.language
    started = time.perf_counter()
    try:
        return await handler(msg, ctx, argument)
    except UserFacingError as exc:
        return Reply(text=str(exc), answered=False, language=language)
    except StoreError as exc:  # a command that needs the database (abonner, stats) while it is unusable
        logger.warning("A %s command could not use the database: %s", msg.platform, exc)
        ctx.metrics.errors.labels("storage").inc()
        return Reply(text=t("error.storage", language), answered=False, language=language)
    except Exception:
        # The one broad except: whatever went wrong, the user gets an apology, not a traceback.
        logger.exception("Handling a %s message failed (%s)", msg.platform, what)
        ctx.metrics.errors.labels("handler").inc()
        return Reply(text=t("error.apology", language), answered=False, language=language)
    finally:
        logger.debug("Handled a %s message in %.1f ms", msg.platform, (time.perf_counter() - started) * 1000)


def _load_handlers() -> None:
    # Importing the modules registers their commands in COMMANDS.
    from handlers import admin, feedback, help, improve, subscriptions, theme  # noqa: F401


_load_handlers()
