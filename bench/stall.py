"""How long the event loop stalls while some work runs on it (shared by the micro-benchmarks)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any


async def max_stall_ms(work: Callable[[], Any]) -> float:
    """Longest gap between ticks of a 1 ms ticker while `work()` (sync, or returning an awaitable) runs."""
    stop = False
    worst = 0.0

    async def ticker() -> None:
        nonlocal worst
        last = time.perf_counter()
        while not stop:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            worst = max(worst, now - last)
            last = now

    task = asyncio.ensure_future(ticker())
    await asyncio.sleep(0.01)
    result = work()
    if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
        await result
    stop = True
    await task
    return worst * 1000
