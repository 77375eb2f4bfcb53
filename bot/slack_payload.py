"""Reading Slack payloads: who wrote, where to answer, and whether bolt can take the payload at all.

Functions of plain dicts, so the adapter stays a list of listeners. Nothing here logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from bot.slack_render import from_slack
from handlers.messages import Message

HELP_WORD = "hjælp"  # what an empty mention or slash command means
# Message subtypes that are still a person writing; edits, joins and bot posts are not.
PERSON_SUBTYPES = frozenset({"file_share", "thread_broadcast"})
VIEW_TYPES = frozenset({"view_submission", "view_closed"})


class SlackEvent(NamedTuple):
    """One Events API event as bolt hands it to a listener: the event, the whole request body and
    bolt's context (which knows the bot's own user id)."""

    event: Mapping[str, Any]
    body: Mapping[str, Any]
    context: Mapping[str, Any]


def event_message(payload: SlackEvent) -> Message | None:
    """The message of an @mention in a channel or a direct message; None for anything else (a
    bot's post, an edit, a channel message without a mention, a DM's mention event: the DM is
    answered as the message.im event it also is)."""
    event, body, context = payload
    if from_a_bot(event, body, context):
        return None
    channel = event.get("channel")
    if event.get("type") == "app_mention" and not str(channel or "").startswith("D"):
        thread = event.get("thread_ts") or event.get("ts")
        return to_message(event.get("text"), event.get("user"), channel, body, thread=thread)
    if event.get("type") == "message" and event.get("channel_type") == "im" and by_a_person(event):
        thread = event.get("thread_ts")
        return to_message(event.get("text"), event.get("user"), channel, body, thread=thread, direct=True)
    return None


def to_message(
    text: Any,
    user: Any,
    channel: Any,
    raw: Mapping[str, Any],
    *,
    thread: Any = None,
    direct: bool = False,
) -> Message:
    """The neutral message for one Slack payload: mentions and markup removed from the text."""
    plain = from_slack(str(text or "")) or HELP_WORD
    channel, thread = str(channel or ""), str(thread) if thread else None
    return Message(
        text=plain,
        user=str(user or ""),
        channel=channel,
        platform="slack",
        is_direct=direct,
        thread=thread,
        conversation=conversation_of(channel, thread, direct),
        raw=raw,
    )


def workspace_of(raw: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The Slack workspace (team id) and Enterprise Grid organisation a payload comes from: an
    event's body and a slash command carry ``team_id`` and ``enterprise_id``; an interaction
    ``team`` and ``enterprise`` objects."""

    def named(key: str) -> str | None:
        value = raw.get(f"{key}_id")
        if not value and isinstance(raw.get(key), Mapping):
            value = raw[key].get("id")
        return str(value) if value else None

    return named("team"), named("enterprise")


def conversation_of(channel: str, thread: str | None, direct: bool) -> str | None:
    """The conversation a follow-up continues: a DM (its channel), or a thread in a channel
    (channel and thread ts). A slash command in a channel has none: its answers are for one
    person in a room of many, and a user id is not a conversation."""
    if not channel:
        return None
    if direct:
        return channel
    return f"{channel}:{thread}" if thread else None


def well_formed(body: Any) -> None:
    """Raise ValueError for a payload bolt would choke on after acknowledging it (a 500)."""
    if not isinstance(body, dict):
        raise ValueError("payload is not an object")
    for key in ("event", "user", "channel", "container", "message"):
        if key in body and not isinstance(body[key], dict | str | type(None)):
            raise ValueError(f"{key} has the wrong type")
    if "event" in body and not isinstance(body["event"], dict):
        raise ValueError("event is not an object")
    if body.get("type") in VIEW_TYPES and not _typed(body.get("view")):
        raise ValueError("a view without a type")
    if body.get("type") == "workflow_step_edit" or _typed(body.get("view"), "workflow_step"):
        # Steps from apps, which Slack retired and this app never offered; bolt indexes their
        # fields unchecked when it builds a listener's arguments.
        raise ValueError("a workflow step")
    if body.get("type") == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions or not all(isinstance(a, dict) for a in actions):
            raise ValueError("block_actions without actions")


def _typed(value: Any, kind: str | None = None) -> bool:
    """True for an object with a string ``type`` (that is ``kind``, if given)."""
    return isinstance(value, dict) and isinstance(value.get("type"), str) and kind in (None, value["type"])


def by_a_person(event: Mapping[str, Any]) -> bool:
    """A new message a person wrote, not an edit, a deletion or a channel join."""
    return not event.get("subtype") or event.get("subtype") in PERSON_SUBTYPES


def from_a_bot(event: Mapping[str, Any], body: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    """True for a bot's message (ours or another's): answering bots can loop forever."""
    if event.get("bot_id") or event.get("subtype") == "bot_message" or event.get("bot_profile"):
        return True
    own = {context.get("bot_user_id")}
    own |= {
        a.get("user_id") for a in body.get("authorizations") or () if isinstance(a, dict) and a.get("is_bot")
    }
    return event.get("user") in own - {None}


def user_of(body: Mapping[str, Any]) -> str:
    user = body.get("user")
    return str(user.get("id") or "") if isinstance(user, dict) else str(body.get("user_id") or "")


def channel_of(body: Mapping[str, Any]) -> str:
    channel, container = body.get("channel"), body.get("container")
    if isinstance(channel, dict) and channel.get("id"):
        return str(channel["id"])
    return str(container.get("channel_id") or "") if isinstance(container, dict) else ""


def thread_of(body: Mapping[str, Any]) -> str | None:
    message = body.get("message")
    if isinstance(message, dict) and message.get("thread_ts"):
        return str(message["thread_ts"])
    container = body.get("container")
    return str(container["thread_ts"]) if isinstance(container, dict) and container.get("thread_ts") else None


def is_ephemeral(body: Mapping[str, Any]) -> bool:
    container = body.get("container")
    return isinstance(container, dict) and bool(container.get("is_ephemeral"))
