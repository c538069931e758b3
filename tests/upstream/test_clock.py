"""The shared wait clock: overdue waits end with False, done or discarded ones are left alone."""

from __future__ import annotations

import asyncio

from ccr.upstream.clock import TICK_S, WaitClock


async def test_overdue_waits_end_and_the_ticker_stops_when_idle() -> None:
    loop = asyncio.get_running_loop()
    clock = WaitClock(loop)
    soon, later, answered, dropped = (loop.create_future() for _ in range(4))
    clock.add(soon, loop.time() + 0.01)
    clock.add(later, loop.time() + 60)
    clock.add(answered, loop.time())
    clock.add(dropped, loop.time())
    answered.set_result(True)
    clock.discard(dropped)
    assert await soon is False
    assert answered.result() is True and not dropped.done() and not later.done()
    clock.discard(later)
    await asyncio.sleep(TICK_S * 2)
    assert clock._handle is None  # nothing waits: no ticker left running
    clock.close()
