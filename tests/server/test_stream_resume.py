"""A provider that answers 200 and then fails before the first content block (a reset, a stall,
an error event) is followed by the rest of the retry/fallback plan on the same client stream."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ccr.testing import MockResponse, MockUpstream, openai_text_chunks, run_router
from ccr.testing_sse import assemble_message, check_anthropic_stream, parse_sse_bytes
from tests.server.test_reliability import USER, config
from tests.server.test_reliability_edges import post_raw

ROLE_ONLY = openai_text_chunks("x", pieces=1)[:1]  # the role chunk: no content yet


def stream(url: str) -> tuple[int, bytes]:
    return post_raw(url, json.dumps({"model": "m", "max_tokens": 5, "stream": True, "messages": USER}).encode())


def whole_message(data: bytes) -> dict[str, Any]:
    """The client's view: one well-formed Anthropic stream, assembled."""
    events = parse_sse_bytes(data)
    check_anthropic_stream(events)
    assert [name for name, _ in events].count("message_start") == 1
    return assemble_message(events)


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(MockResponse.reset_after_headers(), id="reset-after-headers"),
        pytest.param(MockResponse.sse(ROLE_ONLY, reset_after_events=1), id="reset-after-role-chunk"),
        pytest.param(
            MockResponse.sse([{"error": {"message": "upstream overloaded", "code": 503}}], done=False),
            id="error-event-503",
        ),
    ],
)
def test_failure_before_content_is_retried_on_the_same_stream(
    upstream: MockUpstream, tmp_path: Path, failure: MockResponse
) -> None:
    upstream.enqueue(failure, MockResponse.sse(openai_text_chunks("second try", pieces=2)))
    with run_router(config(upstream), tmp_path) as url:
        status, data = stream(url)
    assert status == 200
    assert b"event: error" not in data
    message = whole_message(data)
    assert message["content"] == [{"type": "text", "text": "second try"}]
    assert message["stop_reason"] == "end_turn"
    assert len(upstream.requests) == 2


def test_stall_before_content_moves_to_the_fallback(
    upstream: MockUpstream, backup: MockUpstream, tmp_path: Path
) -> None:
    upstream.enqueue(MockResponse.stall())
    backup.enqueue(MockResponse.sse(openai_text_chunks("from backup", pieces=2)))
    cfg = config(upstream, backup, retry={"attempts": 0}, STREAM_IDLE_TIMEOUT_MS=1500)
    with run_router(cfg, tmp_path) as url:
        status, data = stream(url)
    assert status == 200
    assert whole_message(data)["content"] == [{"type": "text", "text": "from backup"}]
    assert len(upstream.requests) == 1 and len(backup.requests) == 1
    assert backup.requests[0].json["model"] == "b-model"  # type: ignore[index]


def test_non_retryable_error_event_skips_retries_but_not_fallbacks(
    upstream: MockUpstream, backup: MockUpstream, tmp_path: Path
) -> None:
    upstream.enqueue(
        MockResponse.sse([{"error": {"message": "context too long for this model", "code": 400}}], done=False),
        MockResponse.sse(openai_text_chunks("must not be asked")),
    )
    backup.enqueue(MockResponse.sse(openai_text_chunks("longer context")))
    with run_router(config(upstream, backup), tmp_path) as url:
        status, data = stream(url)
    assert whole_message(data)["content"][0]["text"] == "longer context"
    assert status == 200
    assert len(upstream.requests) == 1 and len(backup.requests) == 1


def test_when_every_try_fails_the_stream_ends_with_the_error(upstream: MockUpstream, tmp_path: Path) -> None:
    upstream.enqueue(
        MockResponse.sse([{"error": {"message": "first busy", "code": 529}}], done=False),
        MockResponse.sse([{"error": {"message": "still busy", "code": 529}}], done=False),
    )
    cfg = config(upstream, retry={"attempts": 1, "base_delay_ms": 1, "max_delay_ms": 2000})
    with run_router(cfg, tmp_path) as url:
        status, data = stream(url)
    assert status == 200
    events = parse_sse_bytes(data)
    assert [name for name, _ in events] == ["message_start", "error"]
    error = events[-1][1]["error"]
    assert error["type"] == "overloaded_error" and "still busy" in error["message"]
    assert len(upstream.requests) == 2


def test_failure_after_content_is_not_retried(upstream: MockUpstream, backup: MockUpstream, tmp_path: Path) -> None:
    chunks = openai_text_chunks("half an answer", pieces=3)
    upstream.enqueue(MockResponse.sse([*chunks[:2], {"error": {"message": "gone", "code": 503}}], done=False))
    backup.enqueue(MockResponse.sse(openai_text_chunks("must not be asked")))
    with run_router(config(upstream, backup), tmp_path) as url:
        status, data = stream(url)
    assert status == 200
    assert b"content_block_delta" in data and b"event: error" in data and b"gone" in data
    assert b"message_stop" not in data
    assert len(upstream.requests) == 1 and len(backup.requests) == 0  # nothing is said twice


def test_anthropic_native_fallbacks_are_skipped_once_our_stream_started(
    upstream: MockUpstream, backup: MockUpstream, tmp_path: Path
) -> None:
    with MockUpstream() as native:
        upstream.enqueue(MockResponse.reset_after_headers())
        backup.enqueue(MockResponse.sse(openai_text_chunks("openai-shaped backup")))
        cfg = config(upstream, backup, retry={"attempts": 0})
        cfg["Providers"].append(
            {
                "name": "native",
                "api_base_url": native.url + "/v1/messages",
                "api_key": "sk-ant-test",
                "models": ["claude-x"],
                "transformer": {"use": ["Anthropic"]},
            }
        )
        cfg["fallback"] = {"default": ["native,claude-x", "backup,b-model"]}
        with run_router(cfg, tmp_path) as url:
            status, data = stream(url)
        assert len(native.requests) == 0
    assert status == 200
    assert whole_message(data)["content"][0]["text"] == "openai-shaped backup"
    assert len(backup.requests) == 1
