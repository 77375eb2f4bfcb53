"""What lies outside the machine for the Teams tests: a fake Bot Connector and a stub authentication.

The fake connector is a real aiohttp server on 127.0.0.1 that records what the bot sends
(``POST /v3/conversations/{id}/activities[/{replyToId}]``). Recorded Teams activities live in
``tests/payloads/teams_*.json``; :func:`activity` loads one and points it at the connector.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AppCredentials,
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
)

PAYLOADS = Path(__file__).resolve().parent.parent / "payloads"
BOT_ID = "28:bot-app-id"
APP_ID = "11111111-2222-3333-4444-555555555555"
CHANNEL_TOKEN = "stub-token-from-the-channel"  # what Teams would send us, signed by Microsoft
BOT_TOKEN = "stub-token-of-the-bot"  # what the bot would get from Entra ID for its replies


def activity(name: str, service_url: str, **changes: Any) -> dict[str, Any]:
    """The recorded activity ``tests/payloads/teams_<name>.json`` with a few fields changed."""
    body: dict[str, Any] = json.loads((PAYLOADS / f"teams_{name}.json").read_text(encoding="utf-8"))
    body["serviceUrl"] = service_url
    for key, value in changes.items():
        body[key] = value
    return body


def strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value (to search a card)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # unquoted: /v3/conversations/a:1personal/activities
    body: dict[str, Any]
    authorization: str

    @property
    def card(self) -> dict[str, Any] | None:
        for attachment in self.body.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                content: dict[str, Any] = attachment["content"]
                return content
        return None


class FakeConnector:
    """A Bot Framework Connector on 127.0.0.1 that records every call and answers like Teams."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.fail_next: list[int] = []  # status codes to answer the next sends with
        self._ids = itertools.count(1)
        self.app = web.Application()
        self.app.router.add_route("*", "/v3/{tail:.*}", self._handle)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        path = unquote(request.path)
        self.calls.append(Call(request.method, path, body, request.headers.get("Authorization", "")))
        if self.fail_next:
            status = self.fail_next.pop(0)
            return web.json_response({"error": {"code": "ServiceError", "message": "failed"}}, status=status)
        return web.json_response({"id": f"1:reply-{next(self._ids)}"})

    def sent(self, conversation: str) -> list[Call]:
        """Activities posted to a conversation (replies or new posts)."""
        prefix = f"/v3/conversations/{conversation}/activities"
        return [c for c in self.calls if c.method == "POST" and c.path.startswith(prefix)]


class StaticCredentials(AppCredentials):  # type: ignore[misc]
    """The bot's outbound credentials, with a token that needs no Entra ID."""

    def __init__(self, app_id: str) -> None:
        super().__init__(app_id=app_id)

    def get_access_token(self, force_refresh: bool = False) -> str:
        return BOT_TOKEN


class _StubConnectorFactory(ConnectorFactory):  # type: ignore[misc]
    def __init__(self, app_id: str) -> None:
        self.app_id = app_id

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        return ConnectorClient(StaticCredentials(self.app_id), base_url=service_url)


class StubAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]
    """Accepts exactly one token as if Microsoft had signed it; anything else is refused.

    Stands in for the JWT check against Microsoft's signing keys, which a test cannot reach.
    """

    def __init__(self, app_id: str = APP_ID) -> None:
        self.app_id = app_id

    async def authenticate_request(self, activity: Any, auth_header: str) -> AuthenticateRequestResult:
        if auth_header != f"Bearer {CHANNEL_TOKEN}":
            raise PermissionError("Unauthorized Access. Request is not authorized")
        claims = ClaimsIdentity({"aud": self.app_id, "iss": "https://api.botframework.com"}, True)
        result = AuthenticateRequestResult()
        result.claims_identity = claims
        result.audience = "https://api.botframework.com"
        result.connector_factory = self.create_connector_factory(claims)
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id: str
    ) -> AuthenticateRequestResult:
        raise PermissionError("streaming is not used")

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _StubConnectorFactory(self.app_id)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> None:
        return None
