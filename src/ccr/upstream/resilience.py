"""Retry timing, Retry-After, and a per-provider circuit breaker (pure logic, injectable clock)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504, 529})
KEY_COOLDOWN_S = {401: 300.0, 403: 300.0, 429: 60.0}


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """`Retry-After` (seconds or an HTTP date) or `retry-after-ms`, as seconds; None if absent."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (now if now is not None else time.time()))


def backoff_delay(attempt: int, base_s: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: uniform in [0, base·2^attempt]."""
    r = rng or random
    return r.uniform(0, base_s * (2**attempt))


@dataclass
class _ProviderHealth:
    failures: int = 0
    open_until: float = 0.0


class CircuitBreaker:
    """After `failures` consecutive failed calls a provider is skipped for `cooldown_s`; then one
    call is let through (half-open) and its outcome decides."""

    def __init__(self, failures: int, cooldown_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold = failures
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._health: dict[str, _ProviderHealth] = {}

    def configure(self, failures: int, cooldown_s: float) -> None:
        self.threshold, self.cooldown_s = failures, cooldown_s

    def allow(self, provider: str) -> bool:
        h = self._health.get(provider)
        if h is None or h.failures < self.threshold:
            return True
        now = self._clock()
        if now >= h.open_until:
            h.open_until = now + self.cooldown_s  # half-open: this caller probes, others wait
            return True
        return False

    def success(self, provider: str) -> None:
        self._health.pop(provider, None)

    def failure(self, provider: str) -> None:
        h = self._health.setdefault(provider, _ProviderHealth())
        h.failures += 1
        if h.failures >= self.threshold:
            h.open_until = self._clock() + self.cooldown_s

    def remaining(self, provider: str) -> float:
        h = self._health.get(provider)
        return max(0.0, h.open_until - self._clock()) if h else 0.0
