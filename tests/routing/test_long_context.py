"""Long context: byte-size shortcuts, counting, the session rule, and where the count runs."""

from __future__ import annotations

import threading

import pytest

from ccr.routing.router import Router
from ccr.routing.rules import Counting
from tests.routing.helpers import ROUTER, CountingCounter, body, make_config, request

SID = "11111111-2222-4333-8444-555555555555"


def make(tokens: int, estimate: tuple[int, int], bounds: tuple[int, int] = (0, 0)) -> tuple[Router, CountingCounter]:
    counter = CountingCounter(tokens)
    counting = Counting(
        estimate=lambda size: estimate, bounds=lambda body: bounds, count=counter.sync, count_async=counter
    )
    return Router(make_config(), counting=counting), counter


@pytest.mark.parametrize(
    ("estimate", "bounds", "tokens", "last_usage", "scenario", "counted"),
    [
        pytest.param((70000, 900000), (61000, 800000), 0, 0, "longContext", False, id="bytes-prove-long"),
        pytest.param((70000, 900000), (1000, 800000), 1000, 0, "default", True, id="bytes-long-but-media"),
        pytest.param((1000, 50000), (0, 0), 0, 0, "default", False, id="bytes-prove-short"),
        pytest.param((5000, 80000), (0, 0), 61000, 0, "longContext", True, id="count-over"),
        pytest.param((5000, 80000), (0, 0), 60000, 0, "default", True, id="count-equal-is-not-over"),
        pytest.param((1000, 50000), (0, 0), 25000, 70000, "longContext", True, id="session-rule"),
        pytest.param((1000, 50000), (0, 0), 15000, 70000, "default", True, id="session-but-small-request"),
        pytest.param((1000, 19000), (0, 0), 0, 70000, "default", False, id="session-but-bytes-small"),
        pytest.param((1000, 50000), (0, 0), 25000, 59000, "default", False, id="session-under-threshold"),
    ],
)
async def test_long_context_decisions(
    estimate: tuple[int, int],
    bounds: tuple[int, int],
    tokens: int,
    last_usage: int,
    scenario: str,
    counted: bool,
) -> None:
    router, counter = make(tokens, estimate, bounds)
    router.record_usage(SID, {"input_tokens": last_usage, "output_tokens": 5})
    decision = await router.route(request(body(), size=100_000, session_id=SID))
    assert decision.scenario == scenario
    assert (counter.calls > 0) is counted


async def test_session_rule_adds_cached_prompt_parts() -> None:
    # Anthropic reports cached prompt tokens apart from input_tokens; CCR looked at input_tokens only
    router, _ = make(25000, (1000, 50000))
    router.record_usage(SID, {"input_tokens": 12, "cache_read_input_tokens": 65000, "cache_creation_input_tokens": 900})
    decision = await router.route(request(body(), size=100_000, session_id=SID))
    assert decision.scenario == "longContext"
    assert "65912" in decision.reason


async def test_session_id_from_metadata_feeds_the_session_rule() -> None:
    router, _ = make(25000, (1000, 50000))
    router.record_usage(SID, {"input_tokens": 80000})
    decision = await router.route(request(body(), size=100_000))  # session id from metadata.user_id
    assert decision.scenario == "longContext"


async def test_threshold_comes_from_config() -> None:
    counter = CountingCounter(30000)
    counting = Counting(estimate=lambda s: (0, 10**9), bounds=lambda b: (0, 0), count=counter.sync, count_async=counter)
    router = Router(make_config({**ROUTER, "longContextThreshold": 20000}), counting=counting)
    decision = await router.route(request(body(), size=100_000))
    assert decision.scenario == "longContext"
    assert "tokens=30000 > longContextThreshold=20000" in decision.reason


@pytest.mark.parametrize(
    ("size", "where"),
    [
        pytest.param(2_000, "inline", id="small-inline"),
        pytest.param(50_000, "async", id="medium-async-counter"),
        pytest.param(900_000, "async", id="large-async-counter"),
    ],
)
async def test_where_the_count_runs(size: int, where: str) -> None:
    seen: list[str] = []
    loop_thread = threading.current_thread()

    def count(b: object) -> int:
        seen.append("inline" if threading.current_thread() is loop_thread else "thread")
        return 10

    async def count_async(b: object) -> int:
        seen.append("async")
        return 10

    counting = Counting(estimate=lambda s: (0, 10**9), bounds=lambda b: (0, 0), count=count, count_async=count_async)
    await Router(make_config(), counting=counting).route(request(body(), size=size))
    assert seen == [where]


async def test_count_is_kept_on_the_request_for_later_readers() -> None:
    router, counter = make(70000, (0, 10**9))
    req = request(body(), size=100_000)
    await router.route(req)
    assert req.tokens_known
    assert req.token_count == 70000
    assert counter.calls == 1


async def test_no_long_context_slot_never_counts() -> None:
    counter = CountingCounter(10**6)
    counting = Counting(estimate=lambda s: (0, 10**9), bounds=lambda b: (0, 0), count=counter.sync, count_async=counter)
    cfg = make_config({k: v for k, v in ROUTER.items() if k != "longContext"})
    decision = await Router(cfg, counting=counting).route(request(body(), size=10**6))
    assert decision.scenario == "default"
    assert counter.calls == 0


async def test_real_counter_on_a_real_body() -> None:
    # no injected arithmetic: ccr.protocol.tokens decides; 70k words of text is far over 60000 tokens
    text = " ".join(f"word{i}" for i in range(70000))
    data = body(messages=[{"role": "user", "content": text}])
    decision = await Router(make_config()).route(request(data, size=len(text) + 500))
    assert decision.scenario == "longContext"
