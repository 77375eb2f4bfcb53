"""What lies outside the machine for the Teams tests: a fake Bot Connector, Microsoft's signing
keys, and a stub authentication.

The fake connector is a real aiohttp server on 127.0.0.1 that records what the bot sends
(``POST /v3/conversations/{id}/activities[/{replyToId}]``). Recorded Teams activities live in
``tests/payloads/teams_*.json``; :func:`activity` loads one and points it at the connector.
:class:`FakeKeys` serves an OpenID metadata document and its signing keys, and signs tokens with
them, so that botbuilder's real token check runs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote

import jwt
from aiohttp import web
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AppCredentials,
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    CallerIdConstants,
    ClaimsIdentity,
    ConnectorFactory,
    ServiceClientCredentialsFactory,
)
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

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


class FakeKeys:
    """Microsoft's OpenID metadata and token signing keys, from a thread on 127.0.0.1 (so that a
    blocking fetch on the test's event loop cannot stall it). ``delay`` holds each metadata
    request that long; ``fetches`` counts them. Its one key endorses the ``msteams`` channel."""

    KID = "key-1"

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.fetches = 0
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        keys = {"keys": [{**jwk, "kid": self.KID, "use": "sig", "endorsements": ["msteams"]}]}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/openid":
                    fake.fetches += 1
                    time.sleep(fake.delay)
                    body: dict[str, Any] = {"jwks_uri": fake.url("/keys")}
                else:
                    body = keys
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    @property
    def metadata_url(self) -> str:
        return self.url("/openid")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def claims(self, service_url: str) -> dict[str, Any]:
        """What the Bot Connector's token for this bot says."""
        now = int(time.time())
        return {
            "iss": "https://api.botframework.com",
            "aud": APP_ID,
            "serviceurl": service_url,
            "nbf": now - 10,
            "exp": now + 600,
        }

    def token(self, service_url: str, *, kid: str | None = KID, key: Any = None) -> str:
        """A token signed with our key (or ``key``), naming key ``kid``."""
        headers = {"kid": kid} if kid is not None else {}
        return jwt.encode(self.claims(service_url), key or self.private, algorithm="RS256", headers=headers)

    def unsigned_token(self, service_url: str) -> str:
        """``alg: none``, naming our key."""
        return jwt.encode(self.claims(service_url), None, algorithm="none", headers={"kid": self.KID})

    def hmac_token(self, service_url: str) -> str:
        """HS256 with our public key as the shared secret: the classic key-confusion forgery."""
        public = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        header = {"alg": "HS256", "typ": "JWT", "kid": self.KID}
        signing_input = b".".join(
            _b64(json.dumps(part).encode()) for part in (header, self.claims(service_url))
        )
        signature = hmac.new(public, signing_input, hashlib.sha256).digest()
        return (signing_input + b"." + _b64(signature)).decode()


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


class _StaticCredentialsFactory(ServiceClientCredentialsFactory):  # type: ignore[misc]
    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == APP_ID

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        return StaticCredentials(app_id)


def real_authentication(keys: FakeKeys) -> BotFrameworkAuthentication:
    """botbuilder's own authentication, checking tokens against ``keys``; the bot's outbound token
    is :data:`BOT_TOKEN`, so no Entra ID is needed for the replies."""
    # Naming one endpoint makes botbuilder take every endpoint from the configuration: the public
    # cloud's, but for the keys.
    config = SimpleNamespace(
        APP_ID=APP_ID,
        APP_PASSWORD="not-a-real-secret",
        APP_TYPE="MultiTenant",
        APP_TENANTID=None,
        TO_CHANNEL_FROM_BOT_LOGIN_URL=AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX
        + "botframework.com",
        TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
        OAUTH_URL=AuthenticationConstants.OAUTH_URL,
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=keys.metadata_url,
        TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL=keys.metadata_url,
        CALLER_ID=CallerIdConstants.public_azure_channel,
    )
    return ConfigurationBotFrameworkAuthentication(config, credentials_factory=_StaticCredentialsFactory())
