"""Which of a provider's keys to use: round-robin, skipping keys that are cooling down.

A key that gets 401 or 429 is set aside for a while so the next request (or the retry of this
one) uses another. State is per process and survives config reloads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ccr.config.schema import Provider


class KeyPool:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._next: dict[str, int] = {}
        self._cool_until: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def pick(self, provider: Provider) -> str | None:
        """The next usable key; None for a keyless provider (local servers)."""
        keys = provider.key_list()
        if not keys:
            return None
        if len(keys) == 1:
            return keys[0]
        now = self._clock()
        with self._lock:
            start = self._next.get(provider.name, 0)
            for offset in range(len(keys)):
                i = (start + offset) % len(keys)
                if self._cool_until.get((provider.name, keys[i]), 0.0) <= now:
                    self._next[provider.name] = i + 1
                    return keys[i]
            # Every key is cooling down: use the one that recovers first rather than failing here.
            return min(keys, key=lambda k: self._cool_until.get((provider.name, k), 0.0))

    def cool(self, provider: Provider, key: str | None, seconds: float) -> None:
        if key is None or len(provider.key_list()) < 2:
            return
        with self._lock:
            self._cool_until[(provider.name, key)] = self._clock() + seconds

    def has_other(self, provider: Provider, key: str | None) -> bool:
        now = self._clock()
        return any(k != key and self._cool_until.get((provider.name, k), 0.0) <= now for k in provider.key_list())
