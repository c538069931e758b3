"""Shared by the micro-benchmarks: loading the shared request bodies, and measuring event-loop stalls."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
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


def load_bodies_module() -> ModuleType:
    """The shared harness's request-body generator (argv[1], $CCR_BENCH_BODIES, or ../shared/bench)."""
    default = Path(__file__).resolve().parents[2] / "shared" / "bench" / "bodies.py"
    path = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CCR_BENCH_BODIES", default))
    if not path.exists():
        sys.exit(f"bodies generator not found at {path}; pass its path as the first argument")
    spec = importlib.util.spec_from_file_location("bench_bodies", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
