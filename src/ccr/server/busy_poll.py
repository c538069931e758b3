"""Keeping the event loop awake for a moment where the next event is due soon.

When the router has sent a provider request, or finished an answer on a kept-alive connection,
the next thing to happen (the provider's answer, the client's next request) often comes within
a hundred µs. Left alone, the loop sleeps in `epoll_wait` and its CPU goes idle; the event then
has to wake that CPU, which on a virtual machine costs a trip through the hypervisor — about 80 µs
of every small request's added latency here (docs/performance.md "Busy polling"). Polling for a
short window instead (a callback that re-schedules itself, so the loop polls with a zero
timeout) sees the event on the next turn.

The window is short (`BUSY_POLL_US`, 200 µs by default) and armed only by a lone request:
with others in flight the loop has work and rarely sleeps, and spinning would only cost CPU.
An idle router never spins. Time comes from `time.perf_counter`: uvloop's `loop.time()` moves
in whole milliseconds, five times the window.
"""

from __future__ import annotations

import asyncio
import time

_now = time.perf_counter


class BusyPoll:
    """One per server; armed from inside its running loop."""

    __slots__ = ("_loop", "_spinning", "_until", "window_s")

    def __init__(self, window_us: int = 0) -> None:
        self.window_s = window_us / 1_000_000
        """0: never poll."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._until = 0.0
        self._spinning = False

    def arm(self) -> None:
        """Poll the running loop for the next `window_s` seconds (from now, however long it
        polled before)."""
        window = self.window_s
        if not window:
            return
        self._until = _now() + window
        loop = asyncio.get_running_loop()
        if not self._spinning or loop is not self._loop:
            self._loop = loop
            self._spinning = True
            loop.call_soon(self._tick, loop)

    @property
    def spinning(self) -> bool:
        return self._spinning

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop is not self._loop:  # armed on another loop since (tests run several)
            return
        if _now() < self._until:
            loop.call_soon(self._tick, loop)
        else:
            self._spinning = False
