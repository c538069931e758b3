"""The image agent end to end: client → router (real socket) → mock upstream serving both the
text-only main model and the vision model; the client never sees `analyzeImage`."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from ccr.testing import (
    MockResponse,
    MockUpstream,
    assemble_message,
    check_anthropic_stream,
    collect_sse,
    openai_completion,
    openai_text_chunks,
    openai_tool_call_chunks,
    run_router,
)

KEY = "sk-router-test"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAfbLI3wAAAABJRU5ErkJggg=="
CALL = ("call_img", "analyzeImage", '{"imageId": ["1"], "task": "read the error"}')
BASH = ("call_bash", "Bash", '{"command": "ls"}')
SEEN = "The screenshot says: Segmentation fault (core dumped)."
ANSWER = "The program crashed with a segmentation fault."


@pytest.fixture
def upstream() -> Iterator[MockUpstream]:
    with MockUpstream() as up:
        yield up


@pytest.fixture
def url(upstream: MockUpstream, tmp_path: Path) -> Iterator[str]:
    config = {
        "APIKEY": KEY,
        "LOG": False,
        "forceUseImageAgent": True,
        "Providers": [
            {
                "name": "text",
                "api_base_url": upstream.chat_url,
                "api_key": "sk-test",
                "models": ["text-model"],
            },
            {
                "name": "vision",
                "api_base_url": upstream.chat_url,
                "api_key": "sk-test",
                "models": ["vision-model"],
            },
        ],
        "Router": {"default": "text,text-model", "image": "vision,vision-model"},
    }
    with run_router(config, tmp_path) as base:
        yield base


def post(url: str, stream: bool) -> tuple[dict[str, str], bytes]:
    body = {
        "model": "claude-opus-5-5",
        "max_tokens": 1000,
        "stream": stream,
        "tools": [{"name": "Bash", "description": "run", "input_schema": {"type": "object"}}],
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "[Image #1] why did it crash?"},
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
                ],
            }
        ],
    }
    req = urllib.request.Request(
        url + "/v1/messages",
        data=orjson.dumps(body),
        headers={"content-type": "application/json", "x-api-key": KEY},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return {k.lower(): v for k, v in resp.headers.items()}, resp.read()


def main_requests_ok(upstream: MockUpstream) -> list[dict[str, Any]]:
    sent = [r.json for r in upstream.requests]
    assert all(isinstance(s, dict) for s in sent)
    return [s for s in sent if isinstance(s, dict)]


def check_upstream_calls(upstream: MockUpstream) -> None:
    first, image, second = main_requests_ok(upstream)
    # 1. the text-only model gets a placeholder and the tool, never the image
    assert first["model"] == "text-model"
    assert PNG not in orjson.dumps(first).decode()
    assert "[Image #1]" in orjson.dumps(first["messages"]).decode()
    assert [t["function"]["name"] for t in first["tools"]] == ["analyzeImage", "Bash"]
    # 2. the vision model gets the image and the task, not streamed
    assert image["model"] == "vision-model"
    assert image.get("stream") in (None, False)
    assert PNG in orjson.dumps(image).decode()
    assert "read the error" in orjson.dumps(image).decode()
    # 3. the main model continues with the call and its answer
    assert second["model"] == "text-model"
    tool_messages = [m for m in second["messages"] if m["role"] == "tool"]
    assert tool_messages[-1]["tool_call_id"] == "call_img"
    assert SEEN in str(tool_messages[-1]["content"])


def test_non_stream_answers_the_tool_and_continues(url: str, upstream: MockUpstream) -> None:
    upstream.enqueue(
        MockResponse.json(openai_completion("", tool_calls=[CALL], usage=(50, 9, 0))),
        MockResponse.json(openai_completion(SEEN, usage=(900, 12, 0))),
        MockResponse.json(openai_completion(ANSWER, usage=(80, 11, 0))),
    )
    headers, raw = post(url, stream=False)
    message = orjson.loads(raw)
    assert message["content"] == [{"type": "text", "text": ANSWER}]
    assert message["stop_reason"] == "end_turn"
    assert message["usage"]["output_tokens"] == 20  # both main-model rounds
    assert headers["x-ccr-route"] == "default text,text-model"
    check_upstream_calls(upstream)


def test_stream_splices_rounds_into_one_message(url: str, upstream: MockUpstream) -> None:
    upstream.enqueue(
        MockResponse.sse(openai_tool_call_chunks([CALL], text="Let me look. ", usage=(50, 9, 0))),
        MockResponse.json(openai_completion(SEEN)),
        MockResponse.sse(openai_text_chunks(ANSWER, usage=(80, 11, 0))),
    )
    _, raw = post(url, stream=True)
    events = collect_sse(raw)
    check_anthropic_stream(events)
    message = assemble_message(events)
    assert [b["type"] for b in message["content"]] == ["text", "text"]
    assert message["content"][0]["text"] == "Let me look. "
    assert message["content"][1]["text"] == ANSWER
    assert message["stop_reason"] == "end_turn"
    assert message["usage"]["output_tokens"] == 20
    assert b"analyzeImage" not in raw
    check_upstream_calls(upstream)


def test_stream_with_a_client_tool_call_stops_and_hides_the_agent_call(
    url: str, upstream: MockUpstream
) -> None:
    upstream.enqueue(MockResponse.sse(openai_tool_call_chunks([CALL, BASH])))
    _, raw = post(url, stream=True)
    events = collect_sse(raw)
    check_anthropic_stream(events)
    message = assemble_message(events)
    assert [(b["type"], b.get("name")) for b in message["content"]] == [("tool_use", "Bash")]
    assert message["stop_reason"] == "tool_use"
    assert len(upstream.requests) == 1


def test_failing_vision_model_becomes_an_error_result(url: str, upstream: MockUpstream) -> None:
    upstream.enqueue(
        MockResponse.json(openai_completion("", tool_calls=[CALL])),
        MockResponse.error(400, "model does not accept images"),
        MockResponse.json(openai_completion("I could not look at the image.")),
    )
    _, raw = post(url, stream=False)
    assert orjson.loads(raw)["content"][0]["text"] == "I could not look at the image."
    last = main_requests_ok(upstream)[-1]
    tool = [m for m in last["messages"] if m["role"] == "tool"][-1]
    assert "analyzeImage failed" in str(tool["content"])
    assert "model does not accept images" in str(tool["content"])


def test_model_that_keeps_calling_is_stopped(url: str, upstream: MockUpstream) -> None:
    calls = [
        MockResponse.json(openai_completion("", tool_calls=[CALL])),
        MockResponse.json(openai_completion(SEEN)),
    ]
    upstream.enqueue(*(calls * 5), MockResponse.json(openai_completion("never reached")))
    _, raw = post(url, stream=False)
    message = orjson.loads(raw)
    assert message["stop_reason"] == "end_turn"
    assert all(b.get("name") != "analyzeImage" for b in message["content"])
    assert len(upstream.requests) == 9  # 1 + 4 rounds of (image call + continuation)
