"""Busy polling: an armed loop polls without sleeping for its window, then sleeps again; a place
that arms it stops once its events keep coming late, and probes now and then; the server arms it
for a lone request only, where the docs say (after the provider request goes out, after the
answer), with the window from `BUSY_POLL_US`."""

from __future__ import annotations

import asyncio
import bisect
import json
import selectors
import time
from pathlib import Path
from typing import Any

import anthropic
import pytest

from ccr.config.load import load_config
from ccr.errors import ConfigError
from ccr.server.busy_poll import MISSES_TO_STOP, PROBE_EVERY, BusyPoll, PollSite
from ccr.testing import MockResponse, MockUpstream, make_app, openai_completion, serve_app, write_config
from ccr.testing.responses import ServeContext

from .conftest import APIKEY, base_config


class RecordingSelector(selectors.DefaultSelector):  # type: ignore[misc,valid-type]
    """Records when the loop polled and how long it was willing to sleep."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[float, float | None]] = []

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        self.calls.append((time.perf_counter(), timeout))
        return super().select(timeout)


def _run_armed(poll: BusyPoll, wait_s: float) -> tuple[float, list[tuple[float, float | None]]]:
    """Arm `poll` on a fresh loop, then wait `wait_s` for a timer; the arm time and the polls
    until the timer fired."""
    selector = RecordingSelector()
    loop = asyncio.SelectorEventLoop(selector)

    async def main() -> float:
        armed = time.perf_counter()
        poll.arm(poll.after_send, 1)
        selector.calls.clear()
        done: asyncio.Future[float] = loop.create_future()
        loop.call_later(wait_s, lambda: done.set_result(time.perf_counter()))
        fired = await done
        del selector.calls[bisect.bisect(selector.calls, (fired, 0.0)) :]  # the loop's own steps after
        return armed

    try:
        armed = loop.run_until_complete(main())
    finally:
        loop.close()
    return armed, selector.calls


def _split(calls: list[tuple[float, float | None]]) -> tuple[list[float], list[float]]:
    """When the loop polled without waiting, and when it was ready to sleep."""
    zero = [at for at, timeout in calls if timeout == 0]
    sleeping = [at for at, timeout in calls if timeout is not None and timeout > 0]
    return zero, sleeping


def test_an_armed_loop_polls_until_its_window_ends() -> None:
    _, idle_calls = _run_armed(BusyPoll(0), 0.1)  # off: the loop's own few steps, then sleep
    idle_zero, idle_sleeping = _split(idle_calls)
    window_s = 0.02  # long enough that a loaded machine's preemption cannot take all of it
    poll = BusyPoll(int(window_s * 1_000_000))
    armed, calls = _run_armed(poll, 0.1)
    zero, sleeping = _split(calls)
    assert idle_sleeping and sleeping, "the loop never slept"
    assert len(zero) > len(idle_zero) + 2  # armed, it went round polling
    assert sleeping[0] - armed >= window_s  # and slept only once the window was over
    assert len([at for at in zero if at > sleeping[0]]) <= len(idle_zero)  # and stopped polling
    assert not poll.spinning


def test_arming_on_a_new_loop_spins_there() -> None:
    poll = BusyPoll(1_000_000)  # far longer than the wait below, even with the machine loaded
    first = asyncio.SelectorEventLoop()
    try:
        first.run_until_complete(_arm(poll))  # its loop stops with a tick still queued
        assert poll.spinning
    finally:
        first.close()
    _, calls = _run_armed(poll, 0.01)  # a window far longer than the wait: polls all along
    assert calls and all(timeout == 0 for _, timeout in calls)


async def _arm(poll: BusyPoll) -> None:
    poll.arm(poll.after_send, 1)


def test_only_a_lone_request_arms() -> None:
    poll = BusyPoll(200)
    assert not poll.arm(poll.after_send, 2)  # returns before it looks for a loop: none runs here
    assert not poll.arm(poll.after_answer, 0)
    assert not poll.spinning


@pytest.mark.parametrize(
    ("waits_ms", "polled"),
    [
        pytest.param([0.1] * 6, [True] * 6, id="quick-events-keep-it-on"),
        pytest.param([5.0] * 6, [True] * MISSES_TO_STOP + [False] * 2, id="late-events-stop-it"),
        pytest.param([5.0, 5.0, 5.0, 0.1, 5.0, 5.0], [True] * 6, id="one-quick-event-resets-the-count"),
        pytest.param([0.3, 0.5], [True, True], id="twice-the-window-still-counts"),
    ],
)
def test_a_site_polls_while_its_events_come_within_the_window(waits_ms: list[float], polled: list[bool]) -> None:
    site, window_s, now, got = PollSite(), 0.0002, 100.0, []
    for wait_ms in waits_ms:
        got.append(site.should_poll(now))
        now += wait_ms / 1000
        site.settle(now, window_s)
    assert got == polled


def test_a_stopped_site_probes_every_so_often_and_comes_back() -> None:
    site, window_s, now = PollSite(), 0.0002, 100.0
    for _ in range(MISSES_TO_STOP):  # the provider got slow
        assert site.should_poll(now)
        now += 0.01
        site.settle(now, window_s)
    assert site.stopped
    answers = [site.should_poll(now) for _ in range(2 * PROBE_EVERY)]  # events never settled: no judgement
    assert answers.count(True) == 2 and answers.index(True) == PROBE_EVERY - 1
    now += 0.0001  # the last probe's event came quickly: polling is back
    site.settle(now, window_s)
    assert not site.stopped and site.should_poll(now)


def test_settling_without_arming_changes_nothing() -> None:
    site = PollSite()
    site.settle(1.0, 0.0002)
    for _ in range(MISSES_TO_STOP):
        site.settle(1e9, 0.0002)
    assert not site.stopped


class RecordingPoll(BusyPoll):
    """Remembers where the server armed it, with how many requests in flight, and whether it polled."""

    def __init__(self, window_s: float) -> None:
        super().__init__()
        self.window_s = window_s
        self.armed_with: list[tuple[str, int, bool]] = []

    def arm(self, site: PollSite, in_flight: int) -> bool:
        polled = super().arm(site, in_flight)
        self.armed_with.append(("send" if site is self.after_send else "answer", in_flight, polled))
        return polled


def _app(upstream: MockUpstream, tmp_path: Path, **settings: Any) -> tuple[Any, RecordingPoll]:
    app = make_app(base_config(upstream, **settings), tmp_path)
    poll = app.state.busy_poll = RecordingPoll(app.state.busy_poll.window_s)
    return app, poll


def test_a_lone_request_arms_after_sending_and_after_answering(upstream: MockUpstream, tmp_path: Path) -> None:
    app, poll = _app(upstream, tmp_path)
    assert poll.window_s == 200 / 1_000_000  # the default
    upstream.enqueue(MockResponse.json(openai_completion("one")), MockResponse.json(openai_completion("two")))
    with serve_app(app) as url, anthropic.Anthropic(base_url=url, api_key=APIKEY, max_retries=0) as sdk:
        for text in ("one", "two"):
            msg = sdk.messages.create(model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
            assert msg.content[0].text == text  # type: ignore[union-attr]
    assert poll.armed_with == [("send", 1, True), ("answer", 1, True)] * 2


def test_requests_in_company_do_not_arm_on_sending(upstream: MockUpstream, tmp_path: Path) -> None:
    """The first request waits at the provider until the second arrives: the second is sent
    with two in flight and does not arm; nothing ever arms with more than one in flight."""
    app, poll = _app(upstream, tmp_path)
    arrived: list[asyncio.Event] = []

    def gate(answer: str) -> MockResponse:
        async def serve(ctx: ServeContext) -> Any:
            if not arrived:
                arrived.append(asyncio.Event())
                await arrived[0].wait()
            else:
                arrived[0].set()
            return await MockResponse.json(openai_completion(answer)).serve(ctx)

        return MockResponse(serve, "gate")

    upstream.enqueue(gate("first"), gate("second"))

    async def both(url: str) -> list[str]:
        async with anthropic.AsyncAnthropic(base_url=url, api_key=APIKEY, max_retries=0) as sdk:
            ask = [{"role": "user", "content": "a"}]
            first = asyncio.ensure_future(sdk.messages.create(model="m", max_tokens=10, messages=ask))  # type: ignore[arg-type]
            await asyncio.to_thread(upstream.wait_for_requests, 1)  # at the provider before the second leaves
            second = await sdk.messages.create(model="m", max_tokens=10, messages=ask)  # type: ignore[arg-type]
            return [(await first).content[0].text, second.content[0].text]  # type: ignore[union-attr]

    with serve_app(app) as url:
        assert asyncio.run(both(url)) == ["first", "second"]
    assert poll.armed_with[0] == ("send", 1, True)  # the first request, alone when it was sent
    assert ("send", 2, False) in poll.armed_with  # the second, sent while the first waited: no polling
    assert all(in_flight == 1 for _, in_flight, polled in poll.armed_with if polled)


def test_a_slow_provider_stops_the_polling_after_sending(upstream: MockUpstream, tmp_path: Path) -> None:
    """Answers later than twice the window (a provider 20 ms away): after MISSES_TO_STOP of them
    the router sleeps while it waits, as it would without busy polling."""
    app, poll = _app(upstream, tmp_path)
    count = MISSES_TO_STOP + 3
    slow = MockResponse.text_or_stream("slow", first_byte_delay=0.02)  # streamed: the delay is the mock's
    upstream.enqueue(*[slow] * count)
    with serve_app(app) as url, anthropic.Anthropic(base_url=url, api_key=APIKEY, max_retries=0) as sdk:
        for _ in range(count):
            with sdk.messages.stream(model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}]) as s:
                assert s.get_final_text() == "slow"
    assert poll.after_send.stopped
    sends = [polled for where, _, polled in poll.armed_with if where == "send"]
    assert sends == [True] * MISSES_TO_STOP + [False] * 3  # the last three found the place stopped


def test_busy_poll_us_from_the_config_and_a_reload(upstream: MockUpstream, tmp_path: Path) -> None:
    app = make_app(base_config(upstream, BUSY_POLL_US=0), tmp_path)
    assert app.state.busy_poll.window_s == 0
    path = tmp_path / "config.json"
    path.write_text(json.dumps(base_config(upstream, BUSY_POLL_US=750)), encoding="utf-8")
    app.state.reload(path)
    assert app.state.busy_poll.window_s == pytest.approx(0.00075)


@pytest.mark.parametrize("value", [-1, 10_001, "fast"])
def test_bad_busy_poll_us_names_the_key(tmp_path: Path, value: object) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write_config({"BUSY_POLL_US": value}, tmp_path))
    assert "BUSY_POLL_US" in str(info.value)
