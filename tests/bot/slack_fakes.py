"""Slack's side of the wire, for the Slack adapter's tests.

:class:`FakeSlack` is a real aiohttp server on 127.0.0.1 standing in for Slack's Web API
(``SLACK_API_URL`` points at it), for slash-command ``response_url``s and for the Socket Mode
WebSocket. It records every call. :class:`Signer` signs requests the way Slack does, with
slack_sdk's own signature code.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from aiohttp import WSMsgType, web
from slack_sdk.signature import SignatureVerifier

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads"
SECRET = "test-signing-secret"
BOT_USER = "UBOT"
BOT_ID = "BBOT"


def payload(name: str, **changes: Any) -> dict[str, Any]:
    """A recorded Slack payload from tests/payloads/slack_<name>.json, with top-level changes."""
    data: dict[str, Any] = json.loads((PAYLOADS / f"slack_{name}.json").read_text(encoding="utf-8"))
    data.update(changes)
    return data


@dataclass
class Call:
    kind: str  # "api", "response_url" or "socket_ack"
    method: str  # Web API method, or the response_url id
    body: dict[str, Any]

    def text(self) -> str:
        """Every string in the body, blocks included: what a user could see."""
        return " ".join(_strings(self.body))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    fail: dict[str, int] = field(default_factory=dict)  # method -> how many next calls get a 429
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> messages
    # method -> seconds before answering a call already accepted (a posted message is in the history)
    slow: dict[str, float] = field(default_factory=dict)
    port: int = 0
    _changed: asyncio.Condition | None = None
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _socket: web.WebSocketResponse | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, rid: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{rid}"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # slack_sdk reads conversations.history with GET
        app.router.add_post("/response/{rid}", self._response)
        app.router.add_get("/socket", self._websocket)
        return app

    async def _record(self, call: Call) -> None:
        if self._changed is None:
            self._changed = asyncio.Condition()
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.text()
        if "json" in request.content_type:
            body = json.loads(raw or "{}")
        else:
            body = {k: v[0] for k, v in parse_qs(raw).items()}
        body = {**request.query, **body}  # slack_sdk sends some arguments in the query string
        if isinstance(body.get("blocks"), str):
            body["blocks"] = json.loads(body["blocks"])
        body["_auth"] = request.headers.get("Authorization", "")
        await self._record(Call("api", method, body))
        if self.fail.get(method, 0) > 0:
            self.fail[method] -= 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"}
            )
        answer = self._answer(method, body)
        if self.slow.get(method):
            await asyncio.sleep(self.slow[method])
        return web.json_response(answer)

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        ts = f"{time.time():.0f}.{next(self._seq):06d}"
        if method == "chat.postMessage":
            message = {"type": "message", "bot_id": BOT_ID, "text": body.get("text"), "ts": ts}
            self.history.setdefault(str(body.get("channel")), []).insert(0, message)
        if method == "conversations.history":  # newest first, as Slack lists them
            oldest = float(body.get("oldest") or 0)
            messages = [m for m in self.history.get(str(body.get("channel")), []) if float(m["ts"]) > oldest]
            return {"ok": True, "messages": messages, "has_more": False}
        return {
            "auth.test": {
                "ok": True,
                "team_id": "T0TEST",
                "user_id": BOT_USER,
                "bot_id": BOT_ID,
                "user": "grundlagbot",
            },
            "chat.postMessage": {"ok": True, "channel": body.get("channel"), "ts": ts},
            "conversations.open": {"ok": True, "channel": {"id": "D" + str(body.get("users", "X"))}},
            "apps.connections.open": {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"},
        }.get(method, {"ok": True})

    async def _response(self, request: web.Request) -> web.Response:
        await self._record(Call("response_url", request.match_info["rid"], await request.json()))
        return web.Response(text="ok")

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        self._socket = ws
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                await self._record(Call("socket_ack", "ack", json.loads(msg.data)))
        return ws

    async def send_envelope(self, envelope: dict[str, Any], timeout: float = 5) -> None:
        """Push a Socket Mode envelope to the connected bot (waits for it to connect)."""
        await self.wait(lambda c: c.method == "apps.connections.open", timeout)
        for _ in range(int(timeout / 0.01)):
            if self._socket is not None:
                break
            await asyncio.sleep(0.01)
        assert self._socket is not None, "the bot never opened the Socket Mode WebSocket"
        await self._socket.send_str(json.dumps(envelope))

    async def wait(self, pred: Callable[[Call], bool], timeout: float = 5, count: int = 1) -> list[Call]:
        """The recorded calls matching ``pred`` once there are ``count`` of them."""
        if self._changed is None:
            self._changed = asyncio.Condition()

        def hits() -> list[Call]:
            return [c for c in self.calls if pred(c)]

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(hits()) >= count), timeout)
        return hits()

    def posts(self, channel: str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.kind == "api"
            and c.method == "chat.postMessage"
            and (channel is None or c.body.get("channel") == channel)
        ]


class Signer:
    """Signs request bodies as Slack does (v0 HMAC-SHA256 over ``v0:timestamp:body``)."""

    def __init__(self, secret: str = SECRET) -> None:
        self.verifier = SignatureVerifier(secret)

    def headers(
        self, body: bytes, content_type: str, *, ts: int | None = None, retry: int | None = None
    ) -> dict[str, str]:
        stamp = str(int(time.time()) if ts is None else ts)
        signature = self.verifier.generate_signature(timestamp=stamp, body=body)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": str(signature),
        }
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return headers

    def json(self, data: Any, **kw: Any) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(data).encode()
        return body, self.headers(body, "application/json", **kw)

    def form(self, data: dict[str, str], **kw: Any) -> tuple[bytes, dict[str, str]]:
        body = urlencode(data).encode()
        return body, self.headers(body, "application/x-www-form-urlencoded", **kw)

    def interaction(self, data: dict[str, Any], **kw: Any) -> tuple[bytes, dict[str, str]]:
        return self.form({"payload": json.dumps(data)}, **kw)
