"""Keeping the event loop awake for a moment where the next event is due soon — where that pays.

When the router has sent a provider request, or finished an answer on a kept-alive connection,
the next event (the provider's answer, the client's next request) may come within a hundred µs:
a provider on the same machine or network, a client sending request after request. Left alone,
the loop sleeps in `epoll_wait` and its CPU goes idle; the event then has to wake that CPU,
which on a virtual machine costs an IPI and a trip through the host — about 0.1 ms of a small
request's added latency on the benchmark VM (docs/performance.md "Busy polling"). Linux guests
usually poll a little before they halt (`cpuidle_haltpoll`), but not every VM is booted so (that
one is not). Polling for a short window here (a callback that re-schedules itself, so the loop
polls with a zero timeout) sees the event on the loop's next turn. HAProxy's `busy-polling`
option exists for the same reason.

It is bounded three ways:
* the window is short (`BUSY_POLL_US`, 200 µs by default; 0 turns it off);
* only a lone request arms it: with others in flight the loop has work and rarely sleeps;
* each place that arms it (`after_send`, `after_answer`) stops doing so once its event has
  come later than twice the window four times in a row — a provider that answers in seconds, a
  user who types between requests — and tries again only every 32nd time. A router in everyday use
  therefore polls almost never; one that serves quick exchanges polls for each of them.

Time comes from `time.perf_counter`: uvloop's `loop.time()` moves in whole milliseconds.
"""

from __future__ import annotations

import asyncio
import time

_now = time.perf_counter
MISSES_TO_STOP = 4
"""Events later than twice the window in a row before a place stops arming."""
PROBE_EVERY = 32
"""A place that stopped still arms every this many times, to notice that events come quickly again."""


class PollSite:
    """One place that arms the poll, and whether its events have been coming within the window."""

    __slots__ = ("_armed_at", "_misses", "_skipped")

    def __init__(self) -> None:
        self._armed_at: float | None = None
        self._misses = 0
        self._skipped = 0

    @property
    def stopped(self) -> bool:
        return self._misses >= MISSES_TO_STOP

    def should_poll(self, now: float) -> bool:
        """Whether to poll now; if so, the next `settle` judges the wait."""
        if self.stopped:
            self._skipped += 1
            if self._skipped < PROBE_EVERY:
                return False
            self._skipped = 0
        self._armed_at = now
        return True

    def settle(self, now: float, window_s: float) -> None:
        """The awaited event came (`now`): within the window, or too late for polling to help.
        Twice the window: it may have waited a little for the loop once it came."""
        armed_at = self._armed_at
        if armed_at is None:
            return
        self._armed_at = None
        if now - armed_at <= 2 * window_s:
            self._misses = 0
        else:
            self._misses += 1


class BusyPoll:
    """One per server; armed and settled from inside its running loop."""

    __slots__ = ("_loop", "_spinning", "_until", "after_answer", "after_send", "window_s")

    def __init__(self, window_us: int = 0) -> None:
        self.window_s = window_us / 1_000_000
        """0: never poll."""
        self.after_send = PollSite()
        """The provider request went out; awaited: its answer."""
        self.after_answer = PollSite()
        """The answer went out; awaited: the next request."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._until = 0.0
        self._spinning = False

    @property
    def spinning(self) -> bool:
        return self._spinning

    def arm(self, site: PollSite, in_flight: int) -> bool:
        """Poll the running loop for the next `window_s` seconds if the request is alone
        (`in_flight`, itself included, is 1) and `site` has been paying off; True if armed (then
        `settle(site)` when the awaited event comes)."""
        window = self.window_s
        if not window or in_flight != 1:
            return False
        now = _now()
        if not site.should_poll(now):
            return False
        self._until = now + window
        loop = asyncio.get_running_loop()
        if not self._spinning or loop is not self._loop:
            self._loop = loop
            self._spinning = True
            loop.call_soon(self._tick, loop)
        return True

    def settle(self, site: PollSite) -> None:
        site.settle(_now(), self.window_s)

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop is not self._loop:  # armed on another loop since (tests run several)
            return
        if _now() < self._until:
            loop.call_soon(self._tick, loop)
        else:
            self._spinning = False
