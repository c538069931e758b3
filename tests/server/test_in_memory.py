"""The whole `/v1/messages` path without a socket: the ASGI app called in-process, the provider
replaced by `MemoryTransport` (the transport seam). Fast unit tests of conversion, routing
headers and error mapping; the socket tests cover the same paths over real HTTP."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ccr.config.schema import validate_config
from ccr.server.app import create_app
from ccr.testing import (
    MemoryAnswer,
    MemoryTransport,
    asgi_request,
    assemble_message,
    check_anthropic_stream,
    openai_completion,
    openai_text_chunks,
    openai_tool_call_chunks,
    parse_sse_bytes,
)

KEY = {"x-api-key": "sk-router"}
CONFIG = {
    "APIKEY": "sk-router",
    "LOG": False,
    "retry": {"attempts": 0},
    "Providers": [
        {"name": "p", "api_base_url": "http://provider.invalid/v1", "api_key": "sk-test", "models": ["m1"]},
    ],
    "Router": {"default": "p,m1"},
}


def ask(stream: bool = False, **extra: Any) -> dict[str, Any]:
    return {
        "model": "claude-x",
        "max_tokens": 64,
        "stream": stream,
        "messages": [{"role": "user", "content": "hi"}],
    } | extra


def sse_bytes(chunks: list[dict[str, Any]]) -> bytes:
    return b"".join(b"data: " + orjson.dumps(c) + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"


def app_with(*answers: MemoryAnswer) -> tuple[Any, MemoryTransport]:
    transport = MemoryTransport(*answers)
    return create_app(validate_config(CONFIG), transport=transport), transport


async def test_json_answer_and_what_the_provider_was_sent() -> None:
    app, transport = app_with(MemoryAnswer.json(openai_completion("hello")))
    answer = await asgi_request(app, "POST", "/v1/messages?beta=true", ask(), KEY)
    assert answer.status == 200 and answer.headers["x-ccr-route"] == "default p,m1"
    message = answer.json()
    assert message["content"] == [{"type": "text", "text": "hello"}] and message["model"] == "m1"
    assert message["usage"] == {"input_tokens": 10, "output_tokens": 5, "cache_read_input_tokens": 0}
    (sent,) = transport.requests
    assert sent.url == "http://provider.invalid/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer sk-test"
    assert sent.json()["model"] == "m1" and sent.json()["messages"] == [{"role": "user", "content": "hi"}]
    assert transport.responses[0].closed


@pytest.mark.parametrize("cut", [1, 7, 64], ids=lambda n: f"pieces-of-{n}-bytes")
async def test_stream_split_anywhere_keeps_the_grammar(cut: int) -> None:
    data = sse_bytes(openai_tool_call_chunks([("call_1", "Read", '{"file_path": "/a"}')], text="Let me look."))
    app, _ = app_with(MemoryAnswer.sse([data[i : i + cut] for i in range(0, len(data), cut)]))
    answer = await asgi_request(app, "POST", "/v1/messages", ask(stream=True), KEY)
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/event-stream")
    events = parse_sse_bytes(answer.body)
    check_anthropic_stream(events)
    message = assemble_message(events)
    assert [b["type"] for b in message["content"]] == ["text", "tool_use"]
    assert message["content"][1]["input"] == {"file_path": "/a"} and message["stop_reason"] == "tool_use"


async def test_reset_mid_stream_ends_with_an_error_event() -> None:
    pieces = [sse_bytes(openai_text_chunks("one two three"))[:120]]
    app, _ = app_with(MemoryAnswer.sse(pieces, fail_after=1))
    answer = await asgi_request(app, "POST", "/v1/messages", ask(stream=True), KEY)
    events = parse_sse_bytes(answer.body)
    assert events[0][0] == "message_start" and events[-1][0] == "error"
    assert "p,m1" in events[-1][1]["error"]["message"]


@pytest.mark.parametrize(
    ("answer", "status", "words"),
    [
        pytest.param(MemoryAnswer.fail("cannot connect to provider.invalid:80"), 502, "cannot connect", id="refused"),
        pytest.param(MemoryAnswer.json({"error": {"message": "slow down"}}, status=429), 429, "slow down", id="429"),
        pytest.param(MemoryAnswer.json({"error": {"message": "bad key"}}, status=401), 401, "api_key", id="401"),
    ],
)
async def test_provider_failures_are_anthropic_errors(answer: MemoryAnswer, status: int, words: str) -> None:
    app, _ = app_with(answer)
    got = await asgi_request(app, "POST", "/v1/messages", ask(), KEY)
    assert got.status == status
    error = got.json()
    assert error["type"] == "error" and "p,m1" in error["error"]["message"] and words in error["error"]["message"]


async def test_no_key_no_provider_call() -> None:
    app, transport = app_with(MemoryAnswer.json(openai_completion("never")))
    got = await asgi_request(app, "POST", "/v1/messages", ask())
    assert got.status == 401 and got.json()["error"]["type"] == "authentication_error"
    assert transport.requests == []
