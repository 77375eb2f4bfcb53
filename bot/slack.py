"""The Slack adapter: slack-bolt (AsyncApp) on the shared aiohttp application.

Slack reaches the bot at ``POST /slack/events`` (Events API, the ``/grundlag`` slash command and
interactivity, each signature-verified before its body is read), or over Socket Mode when
``SLACK_APP_TOKEN`` is set. Every message becomes a neutral :class:`~handlers.messages.Message` for
:func:`handlers.router.dispatch`; the adapter only translates, acknowledges and delivers.
:class:`SlackAdapter` is the platform's :class:`~handlers.adapter.ChatAdapter`: events are
received as :class:`~bot.slack_payload.SlackEvent`, replies rendered as Block Kit.

Slash-command answers are ephemeral. The asker shares one in the channel with the "Del i
kanalen" button under the answer, or by ending the question with ``--del`` (``--share``).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack_client import (
    ReplyQueue,
    SeenEvents,
    SlackPoster,
    deliver,
    make_client,
    share_session,
    start_socket_mode,
)
from bot.slack_oauth import WorkspaceClients, workspace_clients
from bot.slack_payload import (
    SlackEvent,
    channel_of,
    event_message,
    is_ephemeral,
    thread_of,
    to_message,
    user_of,
    well_formed,
    workspace_of,
)
from bot.slack_render import (
    FEEDBACK_DOWN,
    FEEDBACK_UP,
    NOT_ANSWERED_ACTION,
    SHARE_ACTION,
    SUGGEST_ACTION,
    TEACH_ACTION,
    TEACH_BLOCK,
    Block,
    escape,
    render,
)
from handlers import feedback
from handlers.adapter import ChatAdapter
from handlers.context import Context
from handlers.improve import NOT_ANSWERED, TEACH
from handlers.language import language_of
from handlers.messages import Message, Reply
from handlers.router import dispatch, dispatch_action
from handlers.services import StoreError
from handlers.teaching import action_value
from handlers.texts import t

logger = logging.getLogger(__name__)

ROUTE = "/slack/events"
SLASH_COMMAND = "/grundlag"
EVENT_TYPES = ("app_mention", "message")  # the manifest subscribes to app_mention and message.im
# A workspace removed the app or revoked its token (subscribed in the manifest too).
REVOCATION_EVENTS = ("app_uninstalled", "tokens_revoked")
SHARE_FLAG = re.compile(r"\s+--(del|share)\s*$", re.IGNORECASE)
DEDUP_WAIT = 1.0  # seconds the event id check may take of the 3 s Slack allows for the ack


def setup_slack(app: web.Application, ctx: Context) -> None:
    """Register ``POST /slack/events`` (and Socket Mode, if configured) and the adapter as
    ``ctx.posters["slack"]``."""
    settings = ctx.settings.slack
    if settings is None:
        return
    # slack_sdk and bolt log whole request bodies (message text and user ids) at DEBUG.
    for name in ("slack_bolt", "slack_sdk"):
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLogger(name).getEffectiveLevel()))
    client = make_client(settings)
    clients = None
    if settings.oauth is not None:  # many workspaces: bolt's OAuth flow, tokens from the database
        clients = workspace_clients(settings, ctx, client)
    adapter = SlackAdapter(ctx, client, settings.signing_secret, clients)
    ctx.posters["slack"] = adapter
    app.router.add_post(ROUTE, adapter.handle)
    if adapter.bolt.oauth_flow is not None:
        app.router.add_get(adapter.bolt.oauth_flow.install_path, adapter.handle_oauth)
        app.router.add_get(adapter.bolt.oauth_flow.redirect_uri_path, adapter.handle_oauth)
    share_session(app, client)
    adapter.replies.run_with(app)
    if settings.app_token:
        start_socket_mode(app, adapter.bolt, settings.app_token, client)


class SlackAdapter(ChatAdapter[SlackEvent, tuple[str, list[Block]]]):
    """Translates Slack payloads to messages and posts the rendered replies."""

    platform = "slack"

    def __init__(
        self,
        ctx: Context,
        client: AsyncWebClient,
        signing_secret: str,
        clients: WorkspaceClients | None = None,
    ) -> None:
        self.ctx = ctx
        self.client = client
        self.clients = clients
        self.poster = SlackPoster(client, clients)
        self.verifier = SignatureVerifier(signing_secret)
        self.seen = SeenEvents()
        self.replies = ReplyQueue(ctx)
        self.bolt = AsyncApp(
            client=client,
            signing_secret=signing_secret,
            name="grundlagbot",
            raise_error_for_unhandled_request=True,
            # handle() has checked the signature of every HTTP request (Socket Mode needs none).
            request_verification_enabled=False,
            oauth_settings=clients.settings if clients else None,
        )
        self.bolt.middleware(self.drop_duplicates)
        self.bolt.error(self.on_error)
        for event_type in EVENT_TYPES:
            self.bolt.event(event_type)(self.on_event)
        for event_type in REVOCATION_EVENTS:
            self.bolt.event(event_type)(self.on_revoked)
        self.bolt.command(SLASH_COMMAND)(self.on_slash)
        self.bolt.action(SUGGEST_ACTION)(self.on_suggestion)
        self.bolt.action(re.compile(f"^({FEEDBACK_UP}|{FEEDBACK_DOWN})$"))(self.on_feedback)
        self.bolt.action(SHARE_ACTION)(self.on_share)
        self.bolt.action(re.compile(f"^({TEACH_ACTION}|{NOT_ANSWERED_ACTION})$"))(self.on_teach)

    async def handle(self, request: web.Request) -> web.Response:
        """``POST /slack/events``: the signature is checked here, before anything reads the body,
        then a thin translation to bolt that turns malformed bodies into 4xx."""
        raw = await request.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # Slack sends UTF-8 only, and its signature covers text
            return web.json_response({"error": "body is not UTF-8 text"}, status=400)
        if not self.signed(text, request.headers):
            return web.json_response({"error": "invalid signature"}, status=401)
        headers: dict[str, str | Sequence[str]] = dict(request.headers)
        try:
            bolt_request = AsyncBoltRequest(body=text, query=request.query_string, headers=headers)
            well_formed(bolt_request.body)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
            return web.json_response({"error": "malformed payload"}, status=400)
        return await to_aiohttp_response(await self.bolt.async_dispatch(bolt_request))

    async def handle_oauth(self, request: web.Request) -> web.Response:
        """``GET /slack/install`` and ``GET /slack/oauth_redirect``: bolt's OAuth flow."""
        flow = self.bolt.oauth_flow
        assert flow is not None  # the routes exist only with it
        headers: dict[str, str | Sequence[str]] = dict(request.headers)
        bolt_request = AsyncBoltRequest(body="", query=request.query_string, headers=headers)
        if request.path == flow.install_path:
            return await to_aiohttp_response(await flow.handle_installation(bolt_request))
        return await to_aiohttp_response(await flow.handle_callback(bolt_request))

    async def client_for(self, msg: Message) -> AsyncWebClient:
        """The Web API client with the bot token of the workspace ``msg`` comes from."""
        if self.clients is None:
            return self.client
        team, enterprise = workspace_of(msg.raw)
        try:
            return await self.clients.for_workspace(enterprise, team) or self.client
        except StoreError as exc:  # the reply then fails as unauthenticated, logged and counted
            logger.warning("Could not look up the workspace's Slack token: %s", exc)
            self.ctx.metrics.errors.labels("storage").inc()
            return self.client

    def signed(self, text: str, headers: Mapping[str, str]) -> bool:
        """True when Slack signed ``text`` within the last five minutes. Nothing is logged: bolt's
        own check (switched off) logs the whole body of a request it refuses."""
        try:
            return self.verifier.is_valid_request(text, headers)
        except ValueError:  # a timestamp that is not a whole number
            return False

    # -- bolt middleware and error handler -----------------------------------------------------
    async def drop_duplicates(self, body: dict[str, Any], next: Any) -> BoltResponse | None:
        # Slack retries an event (X-Slack-Retry-Num) when our ack was slow or lost; it keeps the
        # event_id, so the second delivery is acknowledged and dropped.
        event_id = body.get("event_id")
        if isinstance(event_id, str) and not await self.first_delivery(event_id):
            logger.info("Dropped a repeated Slack event delivery")
            return BoltResponse(status=200, body="")
        await next()
        return None

    async def first_delivery(self, event_id: str) -> bool:
        """Whether ``event_id`` is new: to this process (in memory), then to the database, which
        remembers it across restarts (and, sharing it, across processes). A database that does
        not answer within :data:`DEDUP_WAIT` seconds is passed over, counted: answering a retry
        twice beats not answering the first delivery in time."""
        if not self.seen.add(event_id):
            return False
        try:
            return await asyncio.wait_for(self.ctx.store.first_delivery(event_id), DEDUP_WAIT)
        except (StoreError, TimeoutError) as exc:
            logger.warning("Slack event ids: the database did not answer (%s)", exc or "timeout")
            self.ctx.metrics.errors.labels("storage").inc()
            return True

    async def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        # Never log the body: it holds the user's text and id.
        kind = body.get("type") if isinstance(body, dict) else None
        if isinstance(error, BoltUnhandledRequestError):  # e.g. an event type we do not subscribe to
            logger.info("Slack request (%s) not handled", kind)
            return
        logger.error("Slack request (%s) failed: %s", kind, type(error).__name__, exc_info=error)

    # -- events ---------------------------------------------------------------------------------
    # Bolt acknowledges an event before its listener runs, and Slack redelivers an event whose
    # acknowledgement is late, so event listeners only queue their answer (see ReplyQueue). A slash
    # command or a click is one person waiting for their own answer: it is answered right after its
    # ack(), in its own task, as bolt runs listeners.
    async def on_event(self, event: dict[str, Any], body: dict[str, Any], context: Mapping[str, Any]) -> None:
        self.replies.hold()
        msg = self.receive(SlackEvent(event, body, context))
        if msg is not None and not self.replies.offer(self.answer(msg)):
            await self.busy(msg)

    async def on_revoked(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        """The app was removed from a workspace, or its bot token revoked: with OAuth, that
        workspace's installation leaves the database (a revoked bot token cannot be used again: the
        workspace installs anew) and its token this replica's cache, so nothing more is sent with
        it; other replicas look tokens up again within :data:`~bot.slack_oauth.TOKEN_SECONDS`.
        With one static token there is nothing to delete."""
        kind = event.get("type")
        if self.clients is None:
            logger.warning("Slack: %s for this app's workspace; its token no longer works", kind)
            return
        tokens = event.get("tokens") or {}
        if kind == "app_uninstalled" or tokens.get("bot"):
            await self.clients.remove(context.enterprise_id, context.team_id)
            logger.info("Slack: %s; the workspace's installation is removed", kind)
        else:  # user tokens only: the bot never holds any, but bolt's listener deletes them
            await self.bolt.default_tokens_revoked_event_listener()(event=event, context=context)

    # -- the slash command ----------------------------------------------------------------------
    async def on_slash(self, ack: Any, command: dict[str, Any], respond: Any) -> None:
        self.replies.hold()
        await ack()
        text = str(command.get("text") or "")
        channel = str(command.get("channel_id") or "")
        direct = command.get("channel_name") == "directmessage" or channel.startswith("D")
        msg = to_message(SHARE_FLAG.sub("", text), command.get("user_id"), channel, command, direct=direct)
        shared = bool(SHARE_FLAG.search(text))
        await self.respond(msg, respond, "in_channel" if shared else "ephemeral")

    # -- interactivity --------------------------------------------------------------------------
    async def on_suggestion(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        self.replies.hold()
        await ack()
        channel = channel_of(body)
        msg = to_message(
            action.get("value"),
            user_of(body),
            channel,
            body,
            thread=thread_of(body),
            direct=channel.startswith("D"),
        )
        if is_ephemeral(body):  # under a slash-command answer: answer the asker alone, in its place
            await self.respond(msg, respond, "ephemeral", replace_original=True)
        else:
            await self.answer(msg)

    async def on_share(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        self.replies.hold()
        await ack()
        msg = to_message(action.get("value"), user_of(body), channel_of(body), body)
        await self.respond(msg, respond, "in_channel", delete_original=True)

    async def on_feedback(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        self.replies.hold()
        await ack()
        language = str(action.get("block_id") or "").partition(":")[2]
        reply = feedback.record(
            self.ctx,
            str(action.get("value") or ""),
            action.get("action_id") == FEEDBACK_UP,
            language="en" if language == "en" else "da",
        )
        thanks = respond(text=escape(reply.text), response_type="ephemeral", replace_original=False)
        await deliver(self.ctx, thanks)

    async def on_teach(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        """An admin chose an entry in a stats menu: teach it the question, or decline it there."""
        self.replies.hold()
        await ack()
        question = str(action.get("block_id") or "").removeprefix(TEACH_BLOCK)
        selected = action.get("selected_option")
        entry_id = str(selected.get("value") or "") if isinstance(selected, dict) else ""
        name = TEACH if action.get("action_id") == TEACH_ACTION else NOT_ANSWERED
        msg = to_message(question, user_of(body), channel_of(body), body)
        reply = await dispatch_action(name, self.asked_from(msg), self.ctx, action_value(entry_id, question))
        fallback, blocks = render(reply)
        await deliver(
            self.ctx,
            respond(text=fallback, blocks=blocks, response_type="ephemeral", replace_original=False),
        )

    # -- the adapter contract (handlers.adapter) ------------------------------------------------
    def receive(self, payload: SlackEvent) -> Message | None:
        """An @mention in a channel or a direct message; None for any other event."""
        return event_message(payload)

    def render(self, reply: Reply) -> tuple[str, list[Block]]:
        """The fallback text and the Block Kit blocks of an answer, with its feedback buttons."""
        return render(reply)

    async def post(self, target: str, reply: Reply) -> str | None:
        """Post in channel ``target`` (a scheduled post: no feedback buttons); its ``ts``."""
        return await self.poster.post(target, reply)

    async def find_post(self, target: str, reply: Reply, since: datetime) -> str | None:
        return await self.poster.find_post(target, reply, since)

    async def direct(self, user: str, reply: Reply) -> None:
        await self.poster.direct(user, reply)

    # -- answering ------------------------------------------------------------------------------
    async def busy(self, msg: Message) -> None:
        """The reply queue is full: tell the asker to try again, in their language, and count it."""
        self.ctx.metrics.busy.labels(self.platform).inc()
        language = language_of(self.ctx.knowledge.current, msg.text)
        text = escape(t("error.busy", language))
        client = await self.client_for(msg)
        call = client.chat_postMessage(channel=msg.channel, thread_ts=msg.thread, text=text)
        await deliver(self.ctx, call)

    def asked_from(self, msg: Message) -> Message:
        """``msg`` with the organisation it comes from: its channel, workspace or Enterprise Grid
        organisation as app.yaml maps them (handlers.settings.Sources), else the default."""
        team, enterprise = workspace_of(msg.raw)
        return replace(msg, organization=self.ctx.settings.sources.slack(team, enterprise, msg.channel))

    async def answer(self, msg: Message) -> None:
        """Answer ``msg`` in its conversation (and thread) with chat.postMessage."""
        reply = await dispatch(self.asked_from(msg), self.ctx)
        fallback, blocks = self.render(reply)
        common: dict[str, Any] = {
            "channel": msg.channel,
            "thread_ts": msg.thread,
            "text": fallback,
            "blocks": blocks,
        }
        client = await self.client_for(msg)
        if reply.ephemeral and not msg.is_direct:  # e.g. an admin command in a channel: only for the asker
            call = client.chat_postEphemeral(user=msg.user, **common)
        else:
            call = client.chat_postMessage(unfurl_links=False, unfurl_media=False, **common)
        await self.replies.send(deliver(self.ctx, call))

    async def respond(
        self,
        msg: Message,
        respond: Any,
        response_type: str,
        *,
        replace_original: bool = False,
        delete_original: bool = False,
    ) -> None:
        """Answer ``msg`` through the request's response_url: for the asker alone, or in the channel.

        An ephemeral answer offers the "share in channel" button; a handler's own ephemeral reply
        (an admin's) is never shared. ``delete_original`` removes the ephemeral message once shared.
        """
        reply = await dispatch(self.asked_from(msg), self.ctx)
        if reply.ephemeral:
            response_type = "ephemeral"
        offer = msg.text if response_type == "ephemeral" and not reply.ephemeral else None
        fallback, blocks = render(reply, share=offer)
        sent = await deliver(
            self.ctx,
            respond(
                text=fallback, blocks=blocks, response_type=response_type, replace_original=replace_original
            ),
        )
        if sent and delete_original:
            await deliver(self.ctx, respond(delete_original=True))
