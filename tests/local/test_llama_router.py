"""The official Anthropic SDK → our router → the real llama.cpp server with SmolLM2-135M.

Assertions are on structure (event grammar, stop reasons, tool names, JSON input, usage numbers),
never on the tiny model's wording.
"""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import anthropic
import pytest

from ccr.testing import assemble_message, check_anthropic_stream, parse_sse_bytes
from tests.local.conftest import ASKED_MODEL, ROUTED_MODEL
from tests.local.llama import ALIAS, LlamaServer
from tests.local.shapes import GREEDY, WEATHER_TOOL, text_call_history, tool_request, tool_use_history

pytestmark = pytest.mark.local_model

SYSTEM = "You are a terse assistant."
RAMBLE = "Name three colours."
"""The model answers this with more than 16 tokens, so a 16-token cap makes the length exact."""


def direct_completion(llama: LlamaServer, body: dict[str, Any]) -> dict[str, Any]:
    """The same question asked of the server directly, in OpenAI form."""
    req = urllib.request.Request(
        llama.url + "/v1/chat/completions",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=120) as resp:
        answer: dict[str, Any] = json.loads(resp.read())
    return answer


def openai_body(question: str, max_tokens: int) -> dict[str, Any]:
    return {
        "model": ALIAS,
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}],
        "max_tokens": max_tokens,
        **GREEDY,
    }


def streamed(client: anthropic.Anthropic, **params: Any) -> list[tuple[str, dict[str, Any]]]:
    """The router's raw SSE, parsed and checked against the Anthropic event grammar."""
    with client.messages.with_streaming_response.create(stream=True, **params) as resp:
        assert resp.http_response.headers["content-type"].startswith("text/event-stream")
        events = parse_sse_bytes(b"".join(resp.iter_bytes()))
    check_anthropic_stream(events)
    return events


def answer(client: anthropic.Anthropic, params: dict[str, Any], stream: bool) -> dict[str, Any]:
    """The final message as a dict, from the SDK's JSON answer or from the checked stream."""
    if stream:
        return assemble_message(streamed(client, **params))
    return client.messages.create(**params).model_dump()


def test_text_not_streamed(client: anthropic.Anthropic, llama: LlamaServer) -> None:
    msg = client.messages.create(
        model=ASKED_MODEL,
        max_tokens=16,
        system=SYSTEM,
        messages=[{"role": "user", "content": RAMBLE}],
        extra_body=GREEDY,
    )
    direct = direct_completion(llama, openai_body(RAMBLE, 16))
    assert msg.type == "message" and msg.role == "assistant"
    assert [b.type for b in msg.content] == ["text"]
    assert msg.content[0].text == direct["choices"][0]["message"]["content"]  # type: ignore[union-attr]
    assert msg.stop_reason == "max_tokens"
    assert msg.model in (ASKED_MODEL, ROUTED_MODEL)  # never the server's alias
    assert msg.usage.output_tokens == direct["usage"]["completion_tokens"] == 16
    assert msg.usage.input_tokens + (msg.usage.cache_read_input_tokens or 0) == direct["usage"]["prompt_tokens"]


def test_text_streamed(client: anthropic.Anthropic, llama: LlamaServer) -> None:
    events = streamed(
        client,
        model=ASKED_MODEL,
        max_tokens=16,
        system=SYSTEM,
        messages=[{"role": "user", "content": RAMBLE}],
        extra_body=GREEDY,
    )
    direct = direct_completion(llama, openai_body(RAMBLE, 16))
    names = [n for n, _ in events if n != "ping"]
    assert names[:2] == ["message_start", "content_block_start"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert names.count("content_block_delta") > 3  # streamed in pieces, not buffered
    message = assemble_message(events)
    assert message["model"] in (ASKED_MODEL, ROUTED_MODEL)
    assert message["content"] == [{"type": "text", "text": direct["choices"][0]["message"]["content"]}]
    assert message["stop_reason"] == "max_tokens"
    usage = message["usage"]
    assert usage["output_tokens"] == direct["usage"]["completion_tokens"] == 16
    assert usage["input_tokens"] + usage.get("cache_read_input_tokens", 0) == direct["usage"]["prompt_tokens"]


def _only_tool_use(content: list[dict[str, Any]]) -> dict[str, Any]:
    tools = [b for b in content if b["type"] == "tool_use"]
    assert len(tools) == 1, content
    assert tools[0]["name"] == "get_weather"
    assert isinstance(tools[0]["input"], dict) and isinstance(tools[0]["input"].get("city"), str)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", tools[0]["id"])
    return tools[0]


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize(
    ("model", "messages"),
    [
        pytest.param(f"llamacpp,{ROUTED_MODEL}", tool_use_history(), id="native-tool-call"),
        pytest.param("llamatext,smollm2", text_call_history("hermes"), id="rescued-hermes-text"),
        pytest.param("llamatext,smollm2", text_call_history("json"), id="rescued-json-text"),
    ],
)
def test_tool_call(client: anthropic.Anthropic, model: str, messages: list[dict[str, Any]], stream: bool) -> None:
    params = tool_request(messages, model)
    message = answer(client, params, stream)
    assert message["stop_reason"] == "tool_use"
    _only_tool_use(message["content"])
    assert all(b["type"] != "text" or "tool_call" not in b["text"] for b in message["content"])


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_text_call_stays_text_without_the_transformer(client: anthropic.Anthropic, stream: bool) -> None:
    """The control for the rescue: the same model and prompt really do write the call as text."""
    params = tool_request(text_call_history("hermes"), "llamaraw,smollm2")
    message = answer(client, params, stream)
    assert message["stop_reason"] == "end_turn"
    assert [b["type"] for b in message["content"]] == ["text"]
    assert '<tool_call>\n{"name": "get_weather"' in message["content"][0]["text"]


def test_tool_result_round_trip(client: anthropic.Anthropic) -> None:
    first = client.messages.create(**tool_request(tool_use_history(), ASKED_MODEL))
    call = _only_tool_use(first.model_dump()["content"])
    history = [
        *tool_use_history(),
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": call["id"], "content": "Sunny, 21 C"}],
        },
    ]
    second = client.messages.create(**tool_request(history, ASKED_MODEL))
    assert second.type == "message" and second.content
    assert second.stop_reason in ("end_turn", "tool_use", "max_tokens")
    assert second.usage.input_tokens + (second.usage.cache_read_input_tokens or 0) > first.usage.input_tokens


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_prompt_over_the_context_is_an_anthropic_400(client: anthropic.Anthropic, stream: bool) -> None:
    params = {
        "model": ASKED_MODEL,
        "max_tokens": 8,
        "messages": [{"role": "user", "content": "word " * 5000}],
    }
    with pytest.raises(anthropic.BadRequestError) as caught:
        if stream:
            streamed(client, **params)
        else:
            client.messages.create(**params)
    err = caught.value
    assert err.status_code == 400
    assert isinstance(err.body, dict) and err.body["type"] == "error"
    assert err.body["error"]["type"] == "invalid_request_error"
    message = err.body["error"]["message"]
    assert re.match(
        rf"llamacpp,{ROUTED_MODEL}: the prompt \(50\d\d tokens\) does not fit this model's context \(4096 tokens\)\. ",
        message,
    )
    assert "Router.longContext" in message and "llama.cpp -c" in message


def test_tools_offered_but_plain_answer_stays_text(client: anthropic.Anthropic) -> None:
    """With the rescue on, an ordinary answer is exactly what the same server says without it."""
    params: dict[str, Any] = {
        "max_tokens": 16,
        "system": SYSTEM,
        "tools": [WEATHER_TOOL],
        "messages": [{"role": "user", "content": RAMBLE}],
        "extra_body": GREEDY,
    }
    rescued = client.messages.create(model="llamatext,smollm2", **params)
    raw = client.messages.create(model="llamaraw,smollm2", **params)
    assert [b.type for b in rescued.content] == ["text"]
    assert rescued.content == raw.content
    assert rescued.stop_reason == raw.stop_reason
