"""Types of pytest-aiohttp's fixtures, for annotating tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

AiohttpClient = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]
AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]
