"""Retry-After parsing, backoff bounds, the circuit breaker and key rotation, on a fake clock."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from ccr.config.schema import Provider
from ccr.upstream.keys import KeyPool
from ccr.upstream.resilience import CircuitBreaker, backoff_delay, retry_after_seconds

NOW = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        pytest.param({}, None, id="absent"),
        pytest.param({"retry-after": "7"}, 7.0, id="seconds"),
        pytest.param({"retry-after": "1.5"}, 1.5, id="fraction"),
        pytest.param({"retry-after": "-3"}, 0.0, id="negative-is-now"),
        pytest.param({"retry-after-ms": "250"}, 0.25, id="milliseconds"),
        pytest.param({"retry-after-ms": "250", "retry-after": "9"}, 0.25, id="ms-wins"),
        pytest.param({"retry-after-ms": "soon", "retry-after": "9"}, 9.0, id="bad-ms-falls-back"),
        pytest.param(
            {"retry-after": format_datetime(datetime.fromtimestamp(NOW + 30, UTC), usegmt=True)}, 30.0, id="http-date"
        ),
        pytest.param(
            {"retry-after": format_datetime(datetime.fromtimestamp(NOW - 30, UTC), usegmt=True)}, 0.0, id="past-date"
        ),
        pytest.param({"retry-after": "tomorrow-ish"}, None, id="garbage"),
    ],
)
def test_retry_after_seconds(headers: dict[str, str], seconds: float | None) -> None:
    assert retry_after_seconds(headers, now=NOW) == seconds


@pytest.mark.parametrize("attempt", [0, 1, 2, 5])
def test_backoff_is_full_jitter_within_the_exponential_bound(attempt: int) -> None:
    rng = random.Random(attempt)
    delays = [backoff_delay(attempt, 0.5, rng) for _ in range(200)]
    assert all(0.0 <= d <= 0.5 * 2**attempt for d in delays)
    assert max(delays) > 0.5 * 2**attempt * 0.8  # spread over the range, not a constant


def test_breaker_opens_after_consecutive_failures_then_lets_one_probe() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=3, cooldown_s=30.0, clock=clock)
    for _ in range(2):
        breaker.failure("p")
        assert breaker.allow("p")
    breaker.failure("p")
    assert not breaker.allow("p") and breaker.remaining("p") == 30.0
    clock.now += 30.0
    assert breaker.allow("p")  # the probe
    assert not breaker.allow("p")  # others wait while it runs
    breaker.success("p")
    assert breaker.allow("p") and breaker.remaining("p") == 0.0


def test_breaker_success_resets_the_count_and_providers_are_separate() -> None:
    breaker = CircuitBreaker(failures=2, cooldown_s=10.0, clock=Clock())
    breaker.failure("p")
    breaker.success("p")
    breaker.failure("p")
    assert breaker.allow("p")  # not two in a row
    breaker.failure("q")
    breaker.failure("q")
    assert not breaker.allow("q") and breaker.allow("p")


def test_failed_probe_opens_the_breaker_again() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=1, cooldown_s=5.0, clock=clock)
    breaker.failure("p")
    clock.now += 5.0
    assert breaker.allow("p")
    breaker.failure("p")
    assert not breaker.allow("p") and breaker.remaining("p") == 5.0


def _provider(*keys: str) -> Provider:
    return Provider(name="p", api_base_url="http://127.0.0.1:1/v1/chat/completions", api_keys=keys, models=("m",))


def test_keys_round_robin_and_skip_cooling_keys() -> None:
    clock = Clock()
    pool = KeyPool(clock=clock)
    p = _provider("sk-a", "sk-b", "sk-c")
    assert [pool.pick(p) for _ in range(4)] == ["sk-a", "sk-b", "sk-c", "sk-a"]
    pool.cool(p, "sk-b", 60.0)
    assert [pool.pick(p) for _ in range(3)] == ["sk-c", "sk-a", "sk-c"]
    assert pool.has_other(p, "sk-a") and not pool.has_other(_provider("sk-a"), "sk-a")
    clock.now += 60.0
    assert "sk-b" in {pool.pick(p) for _ in range(3)}


def test_all_keys_cooling_uses_the_one_that_recovers_first() -> None:
    pool = KeyPool(clock=Clock())
    p = _provider("sk-a", "sk-b")
    pool.cool(p, "sk-a", 300.0)
    pool.cool(p, "sk-b", 60.0)
    assert pool.pick(p) == "sk-b"
    assert not pool.has_other(p, "sk-b")


@pytest.mark.parametrize(
    ("keys", "expected"),
    [pytest.param((), None, id="keyless-local-server"), pytest.param(("sk-only",), "sk-only", id="single-key")],
)
def test_keyless_and_single_key_providers(keys: tuple[str, ...], expected: str | None) -> None:
    pool = KeyPool(clock=Clock())
    p = _provider(*keys)
    pool.cool(p, expected, 60.0)  # a single key is never set aside: there is no other
    assert pool.pick(p) == expected
