"""Fault injection over real sockets: retries, key rotation, fallbacks, breaker, stalls, bad answers."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import anthropic
import pytest

from ccr.testing import MockResponse, MockUpstream, openai_completion, openai_text_chunks, run_router
from tests.server.conftest import APIKEY, base_config

USER = [{"role": "user", "content": "hi"}]
FAST_RETRY = {"attempts": 2, "base_delay_ms": 1, "max_delay_ms": 2000}


def sdk(url: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=url, api_key=APIKEY, max_retries=0, timeout=30)


def config(up: MockUpstream, backup: MockUpstream | None = None, **extra: Any) -> dict[str, Any]:
    cfg = base_config(up, **{"retry": FAST_RETRY, **extra})
    if backup is not None:
        cfg["Providers"].append({"name": "backup", "api_base_url": backup.chat_url, "models": ["b-model"]})
        cfg["fallback"] = {"default": ["backup,b-model"]}
    return cfg


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(MockResponse.error(429, "slow down", headers={"retry-after": "0"}), id="429-retry-after"),
        pytest.param(MockResponse.error(503, "busy"), id="503"),
        pytest.param(MockResponse.error(529, "overloaded"), id="529"),
        pytest.param(MockResponse.reset(), id="reset-before-headers"),
    ],
)
def test_transient_failures_are_retried(upstream: MockUpstream, tmp_path: Path, failure: MockResponse) -> None:
    upstream.enqueue(failure, failure, MockResponse.json(openai_completion("finally")))
    with run_router(config(upstream), tmp_path) as url, sdk(url) as client:
        msg = client.messages.create(model="m", max_tokens=5, messages=USER)
    assert msg.content[0].text == "finally"  # type: ignore[union-attr]
    assert len(upstream.requests) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_not_retried(upstream: MockUpstream, tmp_path: Path, status: int) -> None:
    upstream.enqueue(MockResponse.error(status, "no"), MockResponse.json(openai_completion("never")))
    with (
        run_router(config(upstream), tmp_path) as url,
        sdk(url) as client,
        pytest.raises(anthropic.APIStatusError) as info,
    ):
        client.messages.create(model="m", max_tokens=5, messages=USER)
    assert info.value.status_code == status
    assert len(upstream.requests) == 1


def test_retry_budget_bounds_retry_after(upstream: MockUpstream, tmp_path: Path) -> None:
    upstream.enqueue(MockResponse.error(429, "come back in an hour", headers={"retry-after": "3600"}))
    with (
        run_router(config(upstream), tmp_path) as url,
        sdk(url) as client,
        pytest.raises(anthropic.RateLimitError),
    ):
        client.messages.create(model="m", max_tokens=5, messages=USER)
    assert len(upstream.requests) == 1


def test_fallback_after_retries(upstream: MockUpstream, backup: MockUpstream, tmp_path: Path) -> None:
    upstream.enqueue(*[MockResponse.error(500, "down")] * 3)
    backup.enqueue(MockResponse.json(openai_completion("from backup")))
    with run_router(config(upstream, backup), tmp_path) as url, sdk(url) as client:
        raw = client.messages.with_raw_response.create(model="m", max_tokens=5, messages=USER)
    assert raw.parse().content[0].text == "from backup"  # type: ignore[union-attr]
    assert raw.headers["x-ccr-route"] == "fallback backup,b-model"
    assert len(upstream.requests) == 3 and len(backup.requests) == 1
    assert backup.requests[0].json["model"] == "b-model"  # type: ignore[index]


def test_breaker_skips_a_failing_provider(upstream: MockUpstream, backup: MockUpstream, tmp_path: Path) -> None:
    upstream.default = MockResponse.error(500, "down")
    cfg = config(upstream, backup, retry={"attempts": 0}, circuit_breaker={"failures": 2, "cooldown_ms": 60000})
    with run_router(cfg, tmp_path) as url, sdk(url) as client:
        for _ in range(4):
            client.messages.create(model="m", max_tokens=5, messages=USER)
    assert len(upstream.requests) == 2  # after two failures the provider rests; the backup answers at once
    assert len(backup.requests) == 4


def test_key_rotation_on_401(upstream: MockUpstream, tmp_path: Path) -> None:
    cfg = config(upstream)
    cfg["Providers"][0].pop("api_key")
    cfg["Providers"][0]["api_keys"] = ["sk-one-test", "sk-two-test"]
    upstream.enqueue(MockResponse.error(401, "bad key"))
    with run_router(cfg, tmp_path) as url, sdk(url) as client:
        for _ in range(3):
            client.messages.create(model="m", max_tokens=5, messages=USER)
    used = [r.headers["authorization"] for r in upstream.requests]
    assert used[0] == "Bearer sk-one-test"
    assert used[1:] == ["Bearer sk-two-test"] * 3  # the rejected key cools down


def test_stalled_stream_ends_with_error_event(upstream: MockUpstream, tmp_path: Path) -> None:
    upstream.enqueue(
        MockResponse.sse(openai_text_chunks("a b c", pieces=3)[:2], done=False, gap=0.0),
    )
    upstream.enqueue(MockResponse.stall())
    cfg = config(upstream, STREAM_IDLE_TIMEOUT_MS=1500, retry={"attempts": 0})
    with run_router(cfg, tmp_path) as url, sdk(url) as client:
        with client.messages.stream(model="m", max_tokens=5, messages=USER) as s:
            s.get_final_message()  # first: a stream that simply ends early still closes properly
        with (
            pytest.raises(anthropic.APIStatusError) as info,
            client.messages.stream(model="m", max_tokens=5, messages=USER) as s,
        ):
            s.get_final_message()
    assert "mock,mock-model" in str(info.value)


@pytest.mark.parametrize(
    ("answer", "status", "fragment"),
    [
        pytest.param(MockResponse.html(502, "<html><body>Bad gateway</body></html>"), 502, "HTML page", id="html"),
        pytest.param(MockResponse.raw(b'{"choices": [', 200), 502, "not JSON", id="truncated-json"),
        pytest.param(MockResponse.json({"object": "chat.completion"}), 502, "choices", id="no-choices"),
    ],
)
def test_malformed_upstream_answers(
    upstream: MockUpstream, tmp_path: Path, answer: MockResponse, status: int, fragment: str
) -> None:
    upstream.enqueue(answer, answer, answer)
    with (
        run_router(config(upstream), tmp_path) as url,
        sdk(url) as client,
        pytest.raises(anthropic.APIStatusError) as info,
    ):
        client.messages.create(model="m", max_tokens=5, messages=USER)
    assert info.value.status_code == status
    assert fragment in str(info.value)


def test_invalid_sse_ends_with_error_event(upstream: MockUpstream, tmp_path: Path) -> None:
    upstream.enqueue(MockResponse.sse([*openai_text_chunks("ok")[:2], "data: {broken\n\n"], done=False))
    with run_router(config(upstream), tmp_path) as url, sdk(url) as client:
        with (
            pytest.raises(anthropic.APIStatusError, match="not JSON"),
            client.messages.stream(model="m", max_tokens=5, messages=USER) as s,
        ):
            s.get_final_message()
        # the server keeps serving
        assert client.messages.create(model="m", max_tokens=5, messages=USER).content


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_provider_down_is_502_naming_it(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{_closed_port()}/v1/chat/completions"
    cfg = {
        "APIKEY": APIKEY, "LOG": False, "retry": {"attempts": 0},
        "Providers": [{"name": "gone", "api_base_url": dead, "models": ["x"]}],
        "Router": {"default": "gone,x"},
    }  # fmt: skip
    with (
        run_router(cfg, tmp_path) as url,
        sdk(url) as client,
        pytest.raises(anthropic.APIStatusError) as info,
    ):
        client.messages.create(model="m", max_tokens=5, messages=USER)
    assert info.value.status_code == 502
    assert "gone,x" in str(info.value) and "cannot connect" in str(info.value)
    assert "Nothing is listening at 127.0.0.1" in str(info.value) and "ccr model" in str(info.value)


def test_proxy_down(upstream: MockUpstream, tmp_path: Path) -> None:
    cfg = config(upstream, PROXY_URL=f"http://127.0.0.1:{_closed_port()}", retry={"attempts": 0})
    with (
        run_router(cfg, tmp_path) as url,
        sdk(url) as client,
        pytest.raises(anthropic.APIStatusError) as info,
    ):
        client.messages.create(model="m", max_tokens=5, messages=USER)
    assert info.value.status_code == 502
    assert "proxy" in str(info.value)


def test_giant_answer_is_refused(upstream: MockUpstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ccr.server.routes.messages as messages

    monkeypatch.setattr(messages, "MAX_UPSTREAM_BYTES", 10_000)
    upstream.enqueue(MockResponse.json(openai_completion("x" * 20_000)), MockResponse.json(openai_completion("small")))
    with run_router(config(upstream), tmp_path) as url, sdk(url) as client:
        with pytest.raises(anthropic.APIStatusError) as info:
            client.messages.create(model="m", max_tokens=5, messages=USER)
        assert info.value.status_code == 502 and "refused" in str(info.value)
        assert client.messages.create(model="m", max_tokens=5, messages=USER).content[0].text == "small"  # type: ignore[union-attr]
