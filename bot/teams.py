"""Microsoft Teams adapter: Bot Framework activities at ``POST /api/messages``.

Translates Teams activities into the neutral :class:`Message`, answers through
``handlers.router.dispatch`` like every other platform, and renders the :class:`Reply` as an
Adaptive Card (``bot.teams_render``). Conversation references are kept in storage so that the
scheduler can post proactively through :class:`TeamsAdapter` (``ctx.posters["teams"]``), the
platform's :class:`~handlers.adapter.ChatAdapter`.

Authentication comes from ``MICROSOFT_APP_ID``/``_PASSWORD``/``_TYPE``/``_TENANT_ID``. Without an
app id the endpoint is unauthenticated, for the Bot Framework Emulator, and ``bot.server`` then
listens on 127.0.0.1 only; with one, an activity without a valid token gets 401 and nothing is sent.

This module and ``bot.teams_auth`` (the token check's signing keys) are the only ones that import
the Bot Framework SDK (botbuilder-python, archived; support ended 2025-12-31). Its successor is the
Microsoft 365 Agents SDK. A swap touches these two modules alone (``bot.teams_auth`` goes: the new
SDK's JWT middleware fetches its keys asynchronously):

* packages: ``botbuilder-core``/``-schema``/``-integration-aiohttp`` become
  ``microsoft-agents-hosting-core``/``-activity``/``-hosting-aiohttp`` plus
  ``microsoft-agents-authentication-msal``; imports move to ``microsoft_agents.*``;
* authentication: ``ConfigurationBotFrameworkAuthentication`` and ``_BotConfig`` give way to an MSAL
  connection manager configured from ``CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID`` (and
  ``CLIENTSECRET``, ``TENANTID``): ``_authentication`` maps our four variables onto it, so the
  external contract stays; token checking becomes the SDK's JWT middleware on the route;
* the route: ``adapter.process(request, bot)`` becomes the SDK's ``start_agent_process``; our
  validation in front of it (400 for malformed bodies, 401 for missing tokens) stays;
* ``TeamsBot(ActivityHandler)`` keeps its shape (the SDK has an ``ActivityHandler`` too, or an
  ``AgentApplication`` with route decorators); ``TurnContext``, mention removal and
  ``get_conversation_reference`` exist under the same names;
* serialisation: schema objects are pydantic models (``model_dump(by_alias=True)`` /
  ``model_validate``) instead of msrest's ``serialize``/``deserialize``. The stored references
  are the same camelCase Bot Framework JSON, so the database needs no migration;
* proactive sends: ``continue_conversation`` takes the app id, the reference and the callback
  (argument order differs).
``bot.teams_render``, the handlers, the scheduler and storage are untouched by such a swap.
That is also why this module is longer than most: what touches the SDK stays in one place.
"""

from __future__ import annotations

import html
import logging
import re
from copy import copy
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import jwt
from aiohttp import web
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import (
    Activity,
    ActivityEventNames,
    ActivityTypes,
    Attachment,
    ConversationReference,
)
from botframework.connector.auth import BotFrameworkAuthentication
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot import teams_render as render
from bot.server import is_loopback
from bot.teams_auth import TokenCheck, install
from handlers import feedback
from handlers.adapter import ChatAdapter
from handlers.context import Context
from handlers.language import language_of
from handlers.messages import Message, Reply
from handlers.router import dispatch, dispatch_action
from handlers.services import StoreError
from handlers.settings import TeamsSettings
from handlers.teaching import action_value
from handlers.texts import t

logger = logging.getLogger(__name__)

ROUTE = "/api/messages"
USER_KEY_PREFIX = "user:"  # storage key of a user's personal conversation, for direct messages
CONVERSATION_KINDS = ("personal", "channel", "groupChat")


@dataclass(frozen=True)
class _BotConfig:
    """The configuration object botbuilder's ConfigurationBotFrameworkAuthentication reads."""

    APP_ID: str | None
    APP_PASSWORD: str | None
    APP_TYPE: str
    APP_TENANTID: str | None


def _authentication(settings: TeamsSettings) -> BotFrameworkAuthentication:
    if not settings.app_id:
        # No app id: auth disabled. "MultiTenant" is the only type botbuilder accepts without an id.
        return ConfigurationBotFrameworkAuthentication(_BotConfig(None, None, "MultiTenant", None))
    # bot.config has checked that the password and tenant the app type needs are set.
    config = _BotConfig(settings.app_id, settings.app_password, settings.app_type, settings.tenant_id)
    return ConfigurationBotFrameworkAuthentication(config)


def conversation_key(activity: Activity) -> str:
    """The storage key of an activity's conversation: a channel, not the reply thread in it."""
    return str(activity.conversation.id).split(";messageid=", 1)[0]


def conversation_kind(activity: Activity) -> str:
    kind = getattr(activity.conversation, "conversation_type", None)
    return kind if kind in CONVERSATION_KINDS else "personal"


def user_id(activity: Activity) -> str:
    """The Azure AD object id (what admins list as ``teams:<aad id>``), else the Teams user id."""
    sender = activity.from_property
    return str(getattr(sender, "aad_object_id", None) or getattr(sender, "id", None) or "")


def _reference(activity: Activity) -> dict[str, Any]:
    """The serialised conversation reference of a conversation (not of the single activity)."""
    ref: ConversationReference = TurnContext.get_conversation_reference(activity)
    ref.activity_id = None
    ref.conversation = copy(ref.conversation)
    ref.conversation.id = conversation_key(activity)
    if conversation_kind(activity) != "personal":
        ref.user = None  # a channel post needs no person; keep none
    elif ref.user is not None:
        ref.user = copy(ref.user)
        ref.user.name = None  # the ids address the chat; the display name is not needed
    serialised: dict[str, Any] = ref.serialize()
    return serialised


def to_activity(reply: Reply) -> Activity:
    """The Teams message for a reply: an Adaptive Card with a plain-text fallback, or plain text."""
    text = render.plain_text(reply)
    if not render.needs_card(reply):
        return Activity(type=ActivityTypes.message, text=text, text_format="plain")
    # The fallback goes in `summary` (shown where cards cannot be, and in notifications) rather
    # than `text`, which Teams would show above the card and so repeat the whole answer.
    attachment = Attachment(content_type=render.CARD_CONTENT_TYPE, content=render.card(reply))
    return Activity(type=ActivityTypes.message, summary=text, attachments=[attachment])


def _mentions_bot(activity: Activity) -> bool:
    bot_id = getattr(activity.recipient, "id", None)
    if not bot_id:
        return False
    for entity in TurnContext.get_mentions(activity):
        mentioned = (entity.additional_properties or {}).get("mentioned")
        if isinstance(mentioned, dict) and mentioned.get("id") == bot_id:
            return True
    return False


def question_text(activity: Activity) -> str | None:
    """The text a user addressed to the bot, mention removed; None when not addressed to it."""
    mentioned = _mentions_bot(activity)
    if not mentioned and conversation_kind(activity) != "personal":
        return None  # in a channel or group chat the bot answers only when @mentioned
    if mentioned:
        TurnContext.remove_recipient_mention(activity)
    text = re.sub(r"</?at[^>]*>", "", activity.text or "")  # other people's mentions: keep the name
    if activity.text_format not in (None, "plain"):
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return " ".join(text.split())


def from_a_bot(activity: Activity) -> bool:
    """A message a bot wrote (this one included): answering bots can loop forever."""
    sender = activity.from_property
    if getattr(sender, "role", None) == "bot":
        return True
    own = getattr(activity.recipient, "id", None)
    return own is not None and getattr(sender, "id", None) == own


class TeamsBot(ActivityHandler):  # type: ignore[misc]  # botbuilder ships no type hints
    """Answers each message activity; ``private`` (the adapter) sends an admin's reply asked for
    in a channel to the admin's personal chat."""

    def __init__(self, ctx: Context, private: TeamsAdapter | None = None) -> None:
        self.ctx = ctx
        self.private = private

    async def on_turn(self, turn_context: TurnContext) -> None:
        if turn_context.activity.type == ActivityTypes.message and from_a_bot(turn_context.activity):
            return
        if turn_context.activity.type in (
            ActivityTypes.message,
            ActivityTypes.conversation_update,
            ActivityTypes.installation_update,
        ):
            try:
                await self._remember(turn_context.activity)
            except StoreError as exc:  # the answer does not depend on it: only later proactive posts
                logger.warning("Could not store a Teams conversation reference: %s", exc)
                self.ctx.metrics.errors.labels("storage").inc()
        await super().on_turn(turn_context)

    async def _remember(self, activity: Activity) -> None:
        """Store this conversation's reference (and a user's personal chat) for proactive posts."""
        kind = conversation_kind(activity)
        keys = [conversation_key(activity)]
        if kind == "personal" and user_id(activity):
            keys.append(USER_KEY_PREFIX + user_id(activity))
        if _bot_removed(activity):
            for key in keys:
                await self.ctx.store.delete_reference(key)
            return
        reference = _reference(activity)
        for key in keys:
            await self.ctx.store.save_reference(
                key, "user" if key.startswith(USER_KEY_PREFIX) else kind, reference
            )

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        action = render.parse_action(activity.value)
        if action is not None and action.kind == "feedback":
            reply = feedback.record(self.ctx, action.entry_id, action.up, language=action.language)
        else:
            msg = to_message(activity, verified=self.ctx.settings.teams.authenticated)
            if msg is None:
                return
            msg = replace(
                msg, organization=self.ctx.settings.sources.teams(tenant_of(activity), msg.conversation)
            )
            if action is not None and action.kind in render.TEACH_KINDS:
                value = action_value(action.entry_id, action.question)
                reply = await dispatch_action(action.kind, msg, self.ctx, value)
            else:
                reply = await dispatch(msg, self.ctx)
            if reply.ephemeral and not msg.is_direct:
                reply = await self._privately(msg, reply)
        await turn_context.send_activity(to_activity(reply))

    async def _privately(self, msg: Message, reply: Reply) -> Reply:
        """Teams has no message only one person in a channel sees: an admin's reply (``stats``
        lists unanswered questions) goes to the admin's personal chat, and the channel is told
        so; without a personal chat to send it to, the channel is asked to use one."""
        if (
            self.private is not None
            and await self.ctx.store.reference(USER_KEY_PREFIX + msg.user) is not None
        ):
            await self.private.direct(msg.user, reply)
            key = "teams.sent_privately"
        else:
            key = "teams.use_personal_chat"
        return Reply(text=t(key, reply.language), answered=False, language=reply.language)


def tenant_of(activity: Activity) -> str | None:
    """The Microsoft Entra tenant an activity comes from: ``channelData.tenant.id``, else
    ``conversation.tenantId``."""
    data: dict[str, Any] = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant")
    found = (tenant.get("id") if isinstance(tenant, dict) else None) or getattr(
        activity.conversation, "tenant_id", None
    )
    return str(found) if found else None


def to_message(activity: Activity, *, verified: bool = True) -> Message | None:
    """The neutral message of a message activity: a question, a suggestion clicked on a card or
    an admin's choice under stats (with the question as its text; the card's action names are
    handlers.improve's TEACH and NOT_ANSWERED); None when it is not addressed to the bot (or is a
    vote, which is no message). ``verified``:
    the activity came with a valid token, so its sender is who it claims to be."""
    action = render.parse_action(activity.value)
    if action is not None and action.kind == "feedback":
        return None
    text = action.question if action is not None else question_text(activity)
    if text is None:
        return None
    return Message(
        text=text,
        user=user_id(activity),
        channel=conversation_key(activity),
        platform="teams",
        is_direct=conversation_kind(activity) == "personal",
        # The whole id: in a channel it names the thread (";messageid=…"), which is the
        # conversation a follow-up continues.
        conversation=str(activity.conversation.id),
        verified=verified,
        raw=activity.serialize(),
    )


def _bot_removed(activity: Activity) -> bool:
    if activity.type == ActivityTypes.installation_update:
        return str(activity.action or "").startswith("remove")
    bot_id = getattr(activity.recipient, "id", None)
    return any(m.id == bot_id for m in activity.members_removed or [])


class TeamsAdapter(ChatAdapter[Activity, Activity]):
    """Teams as a :class:`~handlers.adapter.ChatAdapter`: activities in, activities out, and
    proactive posts to stored conversations (the scheduler's ``ctx.posters["teams"]``).

    Answers within a turn are sent by :class:`TeamsBot`, which botbuilder calls per activity.
    """

    platform = "teams"

    def __init__(self, adapter: CloudAdapter, ctx: Context, app_id: str | None) -> None:
        self.adapter = adapter
        self.ctx = ctx
        self.app_id = app_id

    def receive(self, payload: Activity) -> Message | None:
        return to_message(payload)

    def render(self, reply: Reply) -> Activity:
        return to_activity(reply)

    async def post(self, target: str, reply: Reply) -> None:
        """Post to a stored conversation (``target`` is its key: the Teams conversation id)."""
        await self._send(target, reply)

    async def find_post(self, target: str, reply: Reply, since: datetime) -> str | None:
        """The Bot Framework cannot list a conversation's messages: never known."""
        return None

    async def direct(self, user: str, reply: Reply) -> None:
        """Post to a user's personal chat with the bot (``user``: AAD object id or Teams id)."""
        await self._send(USER_KEY_PREFIX + user, reply)

    async def _send(self, key: str, reply: Reply) -> None:
        stored = await self.ctx.store.reference(key)
        if stored is None:
            raise LookupError(
                f"no Teams conversation reference stored for {key!r}: the bot must be installed there"
            )
        reference = ConversationReference().deserialize(stored)

        async def send(turn_context: TurnContext) -> None:
            # The continuation activity has a made-up id; without clearing it the post would be
            # sent as a reply to an activity that does not exist.
            turn_context.activity.id = None
            await turn_context.send_activity(self.render(reply))

        await self.adapter.continue_conversation(reference, send, self.app_id)


def turn_error_handler(ctx: Context) -> Any:
    async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
        activity = turn_context.activity
        if activity.type == ActivityTypes.event and activity.name == ActivityEventNames.continue_conversation:
            raise error  # a proactive post: the caller (the scheduler) records the failure
        # Type and traceback only: never the text or the user of the activity.
        logger.error("Teams turn failed (%s activity)", activity.type, exc_info=error)
        ctx.metrics.errors.labels("teams").inc()
        language = language_of(ctx.knowledge.current, activity.text or "")
        try:
            await turn_context.send_activity(
                Activity(type=ActivityTypes.message, text=t("error.apology", language))
            )
        except (HttpOperationError, ClientRequestError):
            logger.warning("Could not send the apology to Teams either")

    return on_turn_error


def _bad_request(reason: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=f"Bad request: {reason}\n")


async def _activity_from(request: web.Request) -> Activity:
    """The request's activity; 4xx for anything that is not one (never a 5xx)."""
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="Expected Content-Type: application/json\n")
    try:
        body = await request.json()
        activity = Activity().deserialize(body) if isinstance(body, dict) else None
    except (ValueError, RecursionError):  # also msrest's DeserializationError, and deep nesting
        raise _bad_request("the body is not valid JSON for a Bot Framework activity") from None
    if activity is None or not isinstance(body.get("type"), str) or not body["type"]:
        raise _bad_request("expected a Bot Framework activity (a JSON object with a type)")
    if not activity.service_url or not getattr(activity.conversation, "id", None):
        raise _bad_request("the activity has no serviceUrl or conversation id")
    if not all(_well_formed_entity(e) for e in body.get("entities") or []):
        raise _bad_request("an entity has no type, or a mention names no one")
    return activity


def _well_formed_entity(entity: Any) -> bool:
    # botbuilder's mention helpers index these fields without checking them.
    if not isinstance(entity, dict) or not isinstance(entity.get("type"), str):
        return False
    mentioned = entity.get("mentioned")
    return entity["type"].lower() != "mention" or (isinstance(mentioned, dict) and "id" in mentioned)


def setup_teams(
    app: web.Application, ctx: Context, *, authentication: BotFrameworkAuthentication | None = None
) -> None:
    """Register ``POST /api/messages`` and ``ctx.posters["teams"]``.

    ``authentication`` replaces the one built from the settings (tests inject a stub there).
    Without an app id (local mode, for the Bot Framework Emulator) nothing vouches for a request,
    so replies go only to a ``serviceUrl`` on this machine and no one gets admin rights.
    """
    install()
    authenticated = ctx.settings.teams.authenticated
    adapter = CloudAdapter(TokenCheck(authentication or _authentication(ctx.settings.teams)))
    adapter.on_turn_error = turn_error_handler(ctx)
    poster = TeamsAdapter(adapter, ctx, ctx.settings.teams.app_id)
    ctx.posters["teams"] = poster
    bot = TeamsBot(ctx, poster)

    async def messages(request: web.Request) -> web.StreamResponse:
        activity = await _activity_from(request)
        if not authenticated and not is_loopback(urlsplit(activity.service_url).hostname or ""):
            raise web.HTTPForbidden(text="Without MICROSOFT_APP_ID only a serviceUrl on this machine\n")
        try:
            response: web.StreamResponse | None = await adapter.process(request, bot)
        except (PermissionError, jwt.InvalidTokenError):
            raise web.HTTPUnauthorized(text="Unauthorized\n") from None
        except OSError as exc:
            # Token keys or the bot's own token could not be fetched from Microsoft: try later.
            logger.warning("Cannot authenticate a Teams request now (%s)", type(exc).__name__)
            raise web.HTTPServiceUnavailable(text="Cannot verify the request now\n") from None
        return response or web.Response(status=201)

    app.router.add_post(ROUTE, messages)
