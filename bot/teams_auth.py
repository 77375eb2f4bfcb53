"""Checking the tokens Teams sends, without ever stalling the server.

botbuilder validates a channel's token against Microsoft's signing keys, which it fetches from
an OpenID metadata document with a blocking ``requests.get`` without a timeout, on the event
loop, and it does not remember a failed fetch: a slow key endpoint stopped every route, the
health check included, for as long as it hung. Here the keys are fetched with aiohttp, with a
timeout, and cached as the Bot Framework asks: refreshed every 24 hours, and at most once an hour
when a token names a key we do not know (Microsoft rolls its keys). A failed fetch is remembered
for a minute, so requests meanwhile get 503 at once instead of waiting out the timeout each;
keys fetched before keep serving while a refresh fails.

:func:`install` puts :class:`SigningKeys` where botbuilder looks its metadata up
(``JwtTokenExtractor.get_open_id_metadata``); :class:`TokenCheck` makes every way a token can be
wrong a :class:`PermissionError` (401), not the bare ``Exception`` or ``IndexError`` botbuilder
raises for an unknown key, ``alg: none``, an HMAC token or a foreign channel's endorsement.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
)
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor
from jwt.algorithms import RSAAlgorithm

logger = logging.getLogger(__name__)

FETCH_TIMEOUT = 10.0  # seconds for the metadata and the keys together; Teams waits 15 s for us
REFRESH_EVERY = 24 * 3600.0
UNKNOWN_KEY_REFRESH = 3600.0  # at most this often for a key id we do not have
RETRY_AFTER_FAILURE = 60.0


class KeysUnavailable(ConnectionError):
    """Microsoft's signing keys could not be fetched (an OSError: the route answers 503)."""


@dataclass(frozen=True)
class SigningKey:
    """What botbuilder's ``JwtTokenExtractor`` reads of a key: the key and the channels it signs for."""

    public_key: Any
    endorsements: list[str]


class SigningKeys:
    """The signing keys listed by one OpenID metadata document, fetched without blocking."""

    def __init__(self, metadata_url: str) -> None:
        self.metadata_url = metadata_url
        self.keys: dict[str, SigningKey] = {}
        self.fetched_at: float | None = None
        self.failed_at: float | None = None
        self._fetch: asyncio.Task[None] | None = None

    async def get(self, key_id: Any) -> SigningKey:
        """The key ``key_id`` names; PermissionError for a key Microsoft does not list."""
        if not isinstance(key_id, str):
            raise PermissionError("the token names no signing key")
        if self._older_than(REFRESH_EVERY):
            await self._refresh()
        if key_id not in self.keys and self._older_than(UNKNOWN_KEY_REFRESH):
            await self._refresh()
        if key_id not in self.keys:
            raise PermissionError("the token is signed with an unknown key")
        return self.keys[key_id]

    def _older_than(self, seconds: float) -> bool:
        return self.fetched_at is None or time.monotonic() - self.fetched_at > seconds

    async def _refresh(self) -> None:
        """Fetch the keys once for all requests waiting on them; raise KeysUnavailable only when
        there are no keys to fall back on."""
        if self.failed_at is not None and time.monotonic() - self.failed_at < RETRY_AFTER_FAILURE:
            if not self.keys:
                raise KeysUnavailable("Microsoft's signing keys could not be fetched a moment ago")
            return
        if self._fetch is None:
            self._fetch = asyncio.ensure_future(self._download())
        fetch = self._fetch
        try:
            await asyncio.shield(fetch)
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as exc:
            self.failed_at = time.monotonic()
            logger.warning("Could not fetch Microsoft's token signing keys (%s)", type(exc).__name__)
            if not self.keys:
                raise KeysUnavailable("Microsoft's signing keys could not be fetched") from None
        finally:
            if self._fetch is fetch:
                self._fetch = None

    async def _download(self) -> None:
        timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout, raise_for_status=True) as session:
            async with session.get(self.metadata_url) as response:
                keys_url = (await response.json(content_type=None))["jwks_uri"]
            async with session.get(keys_url) as response:
                listed = (await response.json(content_type=None))["keys"]
        keys = {
            k["kid"]: _signing_key(k) for k in listed if isinstance(k, dict) and isinstance(k.get("kid"), str)
        }
        self.keys = {kid: key for kid, key in keys.items() if key is not None}
        self.fetched_at, self.failed_at = time.monotonic(), None
        logger.info("Fetched %d token signing keys", len(self.keys))


def _signing_key(jwk: dict[str, Any]) -> SigningKey | None:
    try:
        public_key = RSAAlgorithm.from_jwk(json.dumps(jwk))
    except (ValueError, KeyError, TypeError):  # not an RSA key: Bot Framework tokens are RS256
        return None
    endorsements = jwk.get("endorsements")
    return SigningKey(public_key, [e for e in endorsements or [] if isinstance(e, str)])


_KEYS: dict[str, SigningKeys] = {}


def signing_keys(metadata_url: str) -> SigningKeys:
    """The one :class:`SigningKeys` of a metadata URL in this process (as botbuilder's cache)."""
    return _KEYS.setdefault(metadata_url, SigningKeys(metadata_url))


def install() -> None:
    """Make botbuilder's token checks use :class:`SigningKeys` (idempotent)."""
    JwtTokenExtractor.get_open_id_metadata = staticmethod(signing_keys)


class TokenCheck(BotFrameworkAuthentication):  # type: ignore[misc]  # botbuilder ships no type hints
    """botbuilder's authentication, with every rejected token a PermissionError."""

    def __init__(self, inner: BotFrameworkAuthentication) -> None:
        self.inner = inner

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        try:
            return await self.inner.authenticate_request(activity, auth_header)
        except (PermissionError, OSError):  # 401, and 503 when Microsoft cannot be reached
            raise
        except Exception as exc:
            # Not the one error boundary of STYLE.md but a translation: botbuilder rejects a
            # token's algorithm or endorsements with a bare Exception and an unknown key with an
            # IndexError. Whatever it raises while checking a token, the token is not accepted.
            logger.info("Refused a Teams token (%s)", type(exc).__name__)
            raise PermissionError("Unauthorized Access. Request is not authorized") from None

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id: str
    ) -> AuthenticateRequestResult:
        return await self.inner.authenticate_streaming_request(auth_header, channel_id)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self.inner.create_connector_factory(claims_identity)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> Any:
        return await self.inner.create_user_token_client(claims_identity)

    def create_bot_framework_client(self) -> Any:
        return self.inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self.inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self.inner.authenticate_channel_request(auth_header)
