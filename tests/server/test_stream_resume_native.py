"""Anthropic-native providers (relayed byte for byte) that fail before their first content block
— an `event: error` such as `overloaded_error`, a reset, a stall, a stream that just ends — are
followed by the rest of the retry and fallback plan on the same client stream: the router holds
their `message_start` until content comes, so the client never sees the failed try."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anthropic
import pytest

from ccr.testing import (
    MockResponse,
    MockUpstream,
    anthropic_event,
    anthropic_text_events,
    openai_text_chunks,
    run_router,
)
from ccr.testing_sse import parse_sse_bytes
from tests.server.conftest import APIKEY
from tests.server.test_reliability import FAST_RETRY, USER
from tests.server.test_stream_resume import stream, whole_message

START = anthropic_text_events("unused")[0]  # a message_start
PING = anthropic_event("ping", {})


def overloaded(message: str = "Overloaded") -> str:
    return anthropic_event("error", {"error": {"type": "overloaded_error", "message": message}})


def native(up: MockUpstream, name: str = "native") -> dict[str, Any]:
    return {
        "name": name,
        "api_base_url": up.url + "/v1/messages",
        "api_key": "sk-ant-test",
        "models": ["claude-x"],
        "transformer": {"use": ["Anthropic"]},
    }


def config(up: MockUpstream, *fallbacks: tuple[MockUpstream, bool], **extra: Any) -> dict[str, Any]:
    """`up` as an Anthropic-native default; each fallback native (True) or OpenAI-shaped (False)."""
    cfg: dict[str, Any] = {
        "APIKEY": APIKEY,
        "LOG": False,
        "retry": FAST_RETRY,
        "Providers": [native(up)],
        "Router": {"default": "native,claude-x"},
        **extra,
    }
    for i, (fb, is_native) in enumerate(fallbacks):
        name = f"fb{i}"
        cfg["Providers"].append(
            {**native(fb, name), "models": ["fb-model"]}
            if is_native
            else {"name": name, "api_base_url": fb.chat_url, "models": ["fb-model"]}
        )
    if fallbacks:
        cfg["fallback"] = {"default": [f"fb{i},fb-model" for i in range(len(fallbacks))]}
    return cfg


def sse(events: list[str]) -> MockResponse:
    return MockResponse.sse(events, done=False)


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(sse([START, overloaded()]), id="overloaded-event-after-message-start"),
        pytest.param(sse([overloaded()]), id="overloaded-event-first"),
        pytest.param(sse([START, PING, anthropic_event("error", {"error": {"type": "api_error"}})]), id="api-error"),
        pytest.param(MockResponse.sse([START, PING], reset_after_events=2, done=False), id="reset-after-message-start"),
        pytest.param(MockResponse.reset_after_headers(), id="reset-after-headers"),
        pytest.param(sse([START]), id="ends-after-message-start"),
        pytest.param(MockResponse.sse([START, overloaded()], split="random", seed=7, done=False), id="odd-splits"),
    ],
)
def test_failure_before_content_is_retried_unseen(
    upstream: MockUpstream, tmp_path: Path, failure: MockResponse
) -> None:
    second = anthropic_text_events("second try", input_tokens=42)
    upstream.enqueue(failure, sse(second))
    with run_router(config(upstream), tmp_path) as url:
        status, data = stream(url)
    assert status == 200
    assert data == "".join(second).encode()  # the second try's bytes, untouched; nothing of the first
    assert len(upstream.requests) == 2


def test_the_sdk_gets_one_answer_after_an_overloaded_start(upstream: MockUpstream, tmp_path: Path) -> None:
    upstream.enqueue(sse([START, overloaded()]), sse(anthropic_text_events("hello there", output_tokens=3)))
    with run_router(config(upstream), tmp_path) as url:
        client = anthropic.Anthropic(base_url=url, api_key=APIKEY, max_retries=0, timeout=30)
        with client.messages.stream(model="m", max_tokens=5, messages=USER) as s:  # type: ignore[arg-type]
            message = s.get_final_message()
    assert [b.text for b in message.content if b.type == "text"] == ["hello there"]
    assert message.usage.output_tokens == 3


def test_an_openai_shaped_fallback_is_converted_onto_the_stream(
    upstream: MockUpstream, backup: MockUpstream, tmp_path: Path
) -> None:
    upstream.enqueue(sse([START, overloaded()]))
    backup.enqueue(MockResponse.sse(openai_text_chunks("from the backup", pieces=2)))
    with run_router(config(upstream, (backup, False), retry={"attempts": 0}), tmp_path) as url:
        status, data = stream(url)
    assert status == 200
    assert whole_message(data)["content"] == [{"type": "text", "text": "from the backup"}]
    assert backup.requests[0].json["model"] == "fb-model"  # type: ignore[index]
    assert len(upstream.requests) == 1


def test_a_non_retryable_error_goes_to_an_anthropic_native_fallback(
    upstream: MockUpstream, backup: MockUpstream, tmp_path: Path
) -> None:
    too_long = anthropic_event("error", {"error": {"type": "invalid_request_error", "message": "prompt is too long"}})
    upstream.enqueue(sse([START, too_long]), sse(anthropic_text_events("must not be asked")))
    answer = anthropic_text_events("longer context")
    backup.enqueue(sse(answer))
    with run_router(config(upstream, (backup, True)), tmp_path) as url:
        status, data = stream(url)
    assert status == 200
    assert data == "".join(answer).encode()
    assert len(upstream.requests) == 1 and len(backup.requests) == 1  # a 400 is not retried on the same model


def test_a_failure_after_content_is_relayed_as_it_came(
    upstream: MockUpstream, backup: MockUpstream, tmp_path: Path
) -> None:
    events = anthropic_text_events("half")
    sent = [*events[:3], overloaded("gone mid-answer")]  # message_start, block start, a delta, the error
    upstream.enqueue(sse(sent))
    backup.enqueue(sse(anthropic_text_events("must not be asked")))
    with run_router(config(upstream, (backup, True)), tmp_path) as url:
        status, data = stream(url)
    assert status == 200
    assert data == "".join(sent).encode()  # nothing said twice, the provider's own error event
    assert len(upstream.requests) == 1 and len(backup.requests) == 0


def test_when_every_try_fails_the_client_gets_one_error_event(upstream: MockUpstream, tmp_path: Path) -> None:
    upstream.enqueue(sse([START, overloaded("busy")]), sse([START, PING, overloaded("still busy")]))
    cfg = config(upstream, retry={"attempts": 1, "base_delay_ms": 1, "max_delay_ms": 2000})
    with run_router(cfg, tmp_path) as url:
        status, data = stream(url)
    assert status == 200
    events = parse_sse_bytes(data)
    assert [name for name, _ in events] == ["error"]  # no message_start of a try that failed
    error = events[0][1]["error"]
    assert error["type"] == "overloaded_error"
    assert "native,claude-x" in error["message"] and "still busy" in error["message"]
    assert len(upstream.requests) == 2


def test_a_stall_before_content_moves_on_after_the_idle_limit(
    upstream: MockUpstream, backup: MockUpstream, tmp_path: Path
) -> None:
    upstream.enqueue(MockResponse.stall())
    answer = anthropic_text_events("after the stall")
    backup.enqueue(sse(answer))
    cfg = config(upstream, (backup, True), retry={"attempts": 0}, STREAM_IDLE_TIMEOUT_MS=1500)
    with run_router(cfg, tmp_path) as url:
        status, data = stream(url)
    assert status == 200
    assert data == "".join(answer).encode()
    assert backup.requests[0].json["model"] == "fb-model"  # type: ignore[index]
