"""Choosing which of a provider's keys to use."""

from __future__ import annotations

import itertools

from ccr.config.schema import Provider

_counters: dict[str, itertools.count[int]] = {}


def pick_key(provider: Provider) -> str | None:
    """Round-robin over the provider's keys (`api_keys`, or the one `api_key`); None when keyless."""
    keys = provider.keys()
    if not keys:
        return None
    if len(keys) == 1:
        return keys[0]
    counter = _counters.setdefault(provider.name, itertools.count())
    return keys[next(counter) % len(keys)]
