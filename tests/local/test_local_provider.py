"""Local-server provider settings and failures, over real sockets against the mock upstream.

(No model needed: these run in every test run, before the real-server tests.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import pytest

from ccr.testing import (
    MockResponse,
    MockUpstream,
    assemble_message,
    check_anthropic_stream,
    openai_completion,
    openai_text_chunks,
    parse_sse_bytes,
    run_router,
)

LOADING = {"error": {"code": 503, "message": "Loading model", "type": "unavailable_error"}}
CALL = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
TOOLS = [{"name": "get_weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}]


@pytest.fixture
def upstream(mock_upstream: MockUpstream) -> MockUpstream:
    return mock_upstream


def provider(base: str, **extra: Any) -> dict[str, Any]:
    return {"name": "local", "api_base_url": base, "models": ["qwen3"], **extra}


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    """`serve(provider, **config)` → an SDK client for a router with that one provider."""
    stack: list[Any] = []

    def start(prov: dict[str, Any], **config: Any) -> anthropic.AsyncAnthropic:
        cm = run_router({"LOG": False, "Providers": [prov], "Router": {"default": "local,qwen3"}, **config}, tmp_path)
        url = cm.__enter__()
        stack.append(cm)
        client = anthropic.AsyncAnthropic(base_url=url, api_key="sk-test", max_retries=0)
        stack.append(client)
        return client

    yield start
    for item in reversed(stack):
        if isinstance(item, anthropic.AsyncAnthropic):
            continue
        item.__exit__(None, None, None)


async def ask(client: anthropic.AsyncAnthropic, **extra: Any) -> anthropic.types.Message:
    try:
        return await client.messages.create(
            model="claude-opus-5-5", max_tokens=64, messages=[{"role": "user", "content": "hi"}], **extra
        )
    finally:
        await client.close()


@pytest.mark.parametrize(
    "extra",
    [pytest.param({}, id="no-api_key"), pytest.param({"api_key": ""}, id="empty-api_key")],
)
async def test_no_key_sends_no_authorization(upstream: MockUpstream, serve: Any, extra: dict[str, Any]) -> None:
    upstream.default = MockResponse.json(openai_completion("hello"))
    msg = await ask(serve(provider(upstream.url, **extra)))
    assert msg.content[0].text == "hello"  # type: ignore[union-attr]
    assert "authorization" not in upstream.requests[0].headers
    assert "x-api-key" not in upstream.requests[0].headers


@pytest.mark.parametrize(
    "suffix",
    [
        pytest.param("", id="host-port"),
        pytest.param("/", id="host-port-slash"),
        pytest.param("/v1", id="v1"),
        pytest.param("/v1/", id="v1-slash"),
        pytest.param("/v1/chat/completions", id="full-endpoint"),
    ],
)
async def test_api_base_url_forms(upstream: MockUpstream, serve: Any, suffix: str) -> None:
    upstream.default = MockResponse.json(openai_completion("hello"))
    await ask(serve(provider(upstream.url + suffix)))
    assert upstream.requests[0].path == "/v1/chat/completions"


async def test_server_reply_model_alias_is_not_shown(upstream: MockUpstream, serve: Any) -> None:
    upstream.default = MockResponse.json(openai_completion("hello", model="smollm2"))
    msg = await ask(serve(provider(upstream.url)))
    assert msg.model in ("claude-opus-5-5", "qwen3")


async def test_loading_model_is_retried(upstream: MockUpstream, serve: Any) -> None:
    upstream.enqueue(MockResponse.json(LOADING, status=503))
    upstream.default = MockResponse.json(openai_completion("ready now"))
    msg = await ask(serve(provider(upstream.url), retry={"attempts": 2, "base_delay_ms": 1}))
    assert msg.content[0].text == "ready now"  # type: ignore[union-attr]
    assert len(upstream.requests) == 2


async def test_still_loading_after_retries_says_so(upstream: MockUpstream, serve: Any) -> None:
    upstream.default = MockResponse.json(LOADING, status=503)
    with pytest.raises(anthropic.APIStatusError) as caught:
        await ask(serve(provider(upstream.url), retry={"attempts": 1, "base_delay_ms": 1}))
    assert caught.value.status_code == 503
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["error"]["message"] == (
        "local,qwen3: the model server is still loading the model (503 Loading model). "
        "This is temporary: retry in a few seconds."
    )


@pytest.mark.parametrize("split", ["event", "random", 1], ids=["per-event", "random-cuts", "byte-by-byte"])
async def test_text_tool_call_rescued_in_a_stream(upstream: MockUpstream, serve: Any, split: Any) -> None:
    chunks = openai_text_chunks("Let me look.\n" + CALL, pieces=9, usage=(40, 30, 0))
    upstream.default = MockResponse.sse(chunks, split=split, seed=5)
    client = serve(provider(upstream.url, transformer={"use": ["texttoolcalls"]}))
    params: dict[str, Any] = {"model": "local,qwen3", "max_tokens": 64, "tools": TOOLS, "stream": True}
    try:
        async with client.messages.with_streaming_response.create(
            messages=[{"role": "user", "content": "weather in Paris?"}], **params
        ) as resp:
            events = parse_sse_bytes(b"".join([part async for part in resp.iter_bytes()]))
    finally:
        await client.close()
    check_anthropic_stream(events)
    message = assemble_message(events)
    assert message["stop_reason"] == "tool_use"
    assert [b["type"] for b in message["content"]] == ["text", "tool_use"]
    assert message["content"][0]["text"] == "Let me look."
    assert (message["content"][1]["name"], message["content"][1]["input"]) == ("get_weather", {"city": "Paris"})
    assert message["usage"]["output_tokens"] == 30


async def test_rescue_is_off_unless_configured(upstream: MockUpstream, serve: Any) -> None:
    upstream.default = MockResponse.json(openai_completion(CALL))
    msg = await ask(serve(provider(upstream.url)), tools=TOOLS)
    assert msg.stop_reason == "end_turn"
    assert [b.type for b in msg.content] == ["text"]
