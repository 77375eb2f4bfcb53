"""Delivering one scheduled post: pacing per channel and retries with backoff.

Slack allows about one message a second per channel; the :class:`Pacer` keeps to that across the
jobs of one process. A rate limit (429), a server error (5xx) or a network error is retried with
exponential backoff, honouring ``Retry-After``; an error that will not go away by itself (a
channel that does not exist, a missing conversation reference) fails at once. slack_sdk's own
retry handlers may already have retried a 429 inside the client: then the post simply succeeds
here on the first attempt.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 1.0  # seconds before the first retry; doubled after each failure
    max_delay: float = 30.0


@dataclass
class Pacer:
    """At most one post per ``interval`` seconds to the same target."""

    interval: float = 1.0
    sleep: Sleep = asyncio.sleep
    _last: dict[str, float] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    async def wait(self, target: str) -> None:
        lock = self._locks.setdefault(target, asyncio.Lock())
        async with lock:
            gap = self._last.get(target, float("-inf")) + self.interval - time.monotonic()
            if gap > 0:
                await self.sleep(gap)
            self._last[target] = time.monotonic()


@dataclass(frozen=True)
class Courier:
    """How one process delivers its posts: one retry policy, and one pacer its jobs share."""

    policy: RetryPolicy = field(default_factory=RetryPolicy)
    pacer: Pacer = field(default_factory=Pacer)

    async def deliver(self, send: Callable[[], Awaitable[None]], target: str) -> Delivery:
        return await deliver(send, target, self.policy, self.pacer)


@dataclass(frozen=True)
class Delivery:
    ok: bool
    attempts: int
    error: str | None = None


async def deliver(
    send: Callable[[], Awaitable[None]],
    target: str,
    policy: RetryPolicy,
    pacer: Pacer,
    sleep: Sleep = asyncio.sleep,
) -> Delivery:
    """Call ``send`` until it succeeds, the error is permanent, or the attempts are used up."""
    error = "not attempted"
    for attempt in range(1, policy.attempts + 1):
        await pacer.wait(target)
        try:
            await send()
            return Delivery(True, attempt)
        except Exception as exc:  # any failure of the remote side is recorded, never raised
            error = describe(exc)
            if not retriable(exc) or attempt == policy.attempts:
                logger.warning("Posting to %s failed after %d attempt(s): %s", target, attempt, error)
                return Delivery(False, attempt, error)
            delay = min(policy.max_delay, retry_after(exc) or policy.base_delay * 2 ** (attempt - 1))
            logger.info("Posting to %s failed (%s); retrying in %.1f s", target, error, delay)
            await sleep(delay)
    return Delivery(False, policy.attempts, error)


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    for name in ("status_code", "status"):
        value = getattr(response, name, None)
        if isinstance(value, int):
            return value
    return None


def retriable(exc: BaseException) -> bool:
    """Rate limits, server errors and network errors are worth another try; the rest are not."""
    if isinstance(exc, LookupError | ValueError | TypeError | NotImplementedError):
        return False  # no stored conversation reference, a bad target: trying again cannot help
    status = _status(exc)
    return status is None or status == 429 or status >= 500


def retry_after(exc: BaseException) -> float | None:
    headers: Mapping[str, Any] = getattr(getattr(exc, "response", None), "headers", None) or {}
    for key, value in headers.items():
        if str(key).lower() == "retry-after":
            try:
                return max(0.0, float(value if not isinstance(value, list) else value[0]))
            except (TypeError, ValueError):
                return None
    return None


def describe(exc: BaseException) -> str:
    """A short reason for the post log: the Slack error code when there is one."""
    response = getattr(exc, "response", None)
    data = getattr(response, "data", None)
    if isinstance(data, Mapping) and data.get("error"):
        return f"{data['error']} (HTTP {_status(exc)})"
    status = _status(exc)
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return (f"HTTP {status}: " if status else "") + text[:200]
