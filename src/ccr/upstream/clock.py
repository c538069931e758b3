"""Timeouts without a timer per wait: one coarse ticker per event loop ends overdue waits.

A uvloop timer armed and cancelled for every wait cost about 20 µs of loop work per provider
call — more than the rest of the client. Waits here register a deadline in a dict; while any
wait is pending, one ticker runs every `TICK_S` and ends those past their deadline. A timeout
therefore fires up to `TICK_S` late, which is far below any timeout a user configures.
"""

from __future__ import annotations

import asyncio

TICK_S = 0.05


class WaitClock:
    __slots__ = ("_handle", "_waiting", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._waiting: dict[asyncio.Future[bool], float] = {}
        self._handle: asyncio.TimerHandle | None = None

    def add(self, waiter: asyncio.Future[bool], at: float) -> None:
        """`waiter` gets the result False at loop time `at` unless it is done (or discarded) first."""
        self._waiting[waiter] = at
        if self._handle is None:
            self._handle = self.loop.call_later(TICK_S, self._tick)

    def discard(self, waiter: asyncio.Future[bool]) -> None:
        self._waiting.pop(waiter, None)

    def _tick(self) -> None:
        now = self.loop.time()
        overdue = [w for w, at in self._waiting.items() if at <= now]
        for waiter in overdue:
            del self._waiting[waiter]
            if not waiter.done():
                waiter.set_result(False)
        self._handle = self.loop.call_later(TICK_S, self._tick) if self._waiting else None

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._waiting.clear()
