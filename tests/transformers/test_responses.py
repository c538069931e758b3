"""`openai-responses`: request mapping, JSON answers and the event stream (shapes from OpenAI's
Responses API reference: input items, function_call / function_call_output, reasoning items with
encrypted_content, response.* stream events)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ccr.errors import UpstreamError
from ccr.protocol.sse import SSEEvent
from ccr.protocol.to_unified import anthropic_to_unified
from ccr.transformers import responses_wire as wire
from ccr.transformers.responses import OpenAIResponses, responses_url
from ccr.transformers.testing import make_ctx

ENCRYPTED = [{"id": "rs_1", "encrypted_content": "gAAAA"}]


def anthropic_body() -> dict[str, Any]:
    return {
        "max_tokens": 200000,
        "temperature": 1,
        "system": "Be brief.",
        "thinking": {"type": "enabled", "budget_tokens": 20000},
        "tools": [{"name": "Bash", "description": "run", "input_schema": {"type": "object", "properties": {}}}],
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "ls"},
                    {"type": "image", "source": {"type": "url", "url": "https://x/y.png"}},
                ],
            },
            {
                "role": "assistant",
                "content": [
                    {"type": "thinking", "thinking": "", "signature": wire.encode_reasoning(ENCRYPTED)},
                    {"type": "text", "text": "Running."},
                    {"type": "tool_use", "id": "call_1", "name": "Bash", "input": {"command": "ls"}},
                ],
            },
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_1", "content": "a b"}]},
        ],
    }


def build(model: str = "gpt-5", **options: Any) -> tuple[str, dict[str, str], dict[str, Any]]:
    body = anthropic_body()
    ctx = make_ctx(model, stream=True, api_base_url="https://api.openai.com/v1/chat/completions", anthropic_body=body)
    req = OpenAIResponses(options).build(anthropic_to_unified(body, model), ctx)
    return req.url, req.headers, orjson.loads(req.body)


def test_request_for_a_reasoning_model() -> None:
    url, headers, body = build()
    assert url == "https://api.openai.com/v1/responses"
    assert headers["authorization"] == "Bearer sk-test"
    assert body == {
        "model": "gpt-5",
        "stream": True,
        "store": False,
        "instructions": "Be brief.",
        "input": [
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "ls"},
                    {"type": "input_image", "image_url": "https://x/y.png"},
                ],
            },
            {"type": "reasoning", "id": "rs_1", "encrypted_content": "gAAAA", "summary": []},
            {"role": "assistant", "content": "Running."},
            {"type": "function_call", "call_id": "call_1", "name": "Bash", "arguments": '{"command":"ls"}'},
            {"type": "function_call_output", "call_id": "call_1", "output": "a b"},
        ],
        "tools": [
            {
                "type": "function",
                "name": "Bash",
                "description": "run",
                "parameters": {"type": "object", "properties": {}},
                "strict": False,
            }
        ],
        "max_output_tokens": 128000,
        "reasoning": {"effort": "high", "summary": "auto"},
        "include": ["reasoning.encrypted_content"],
    }


def test_request_for_a_plain_model_keeps_sampling_and_sends_no_reasoning() -> None:
    _, _, body = build("gpt-4.1")
    assert body["temperature"] == 1 and "reasoning" not in body and "include" not in body
    assert body["max_output_tokens"] == 32768


@pytest.mark.parametrize(
    ("base", "url"),
    [
        pytest.param("https://api.openai.com", "https://api.openai.com/v1/responses", id="host"),
        pytest.param("https://api.openai.com/v1", "https://api.openai.com/v1/responses", id="v1"),
        pytest.param("https://api.openai.com/v1/responses", "https://api.openai.com/v1/responses", id="full"),
        pytest.param(
            "https://api.openai.com/v1/chat/completions", "https://api.openai.com/v1/responses", id="chat-url"
        ),
    ],
)
def test_url(base: str, url: str) -> None:
    assert responses_url(base) == url


def test_json_answer() -> None:
    resp = {
        "id": "resp_1",
        "model": "gpt-5-2025",
        "status": "completed",
        "output": [
            {
                "type": "reasoning",
                "id": "rs_9",
                "summary": [{"type": "summary_text", "text": "Thinking."}],
                "encrypted_content": "E",
            },
            {"type": "message", "content": [{"type": "output_text", "text": "Done."}]},
            {"type": "function_call", "call_id": "call_9", "name": "Bash", "arguments": '{"command":"pwd"}'},
        ],
        "usage": {
            "input_tokens": 50,
            "input_tokens_details": {"cached_tokens": 10},
            "output_tokens": 7,
            "output_tokens_details": {"reasoning_tokens": 3},
        },
    }
    out = OpenAIResponses().decode_response(orjson.dumps(resp), make_ctx("gpt-5"))
    choice = out["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] == "Done."
    assert choice["message"]["tool_calls"][0]["id"] == "call_9"
    assert choice["message"]["reasoning_content"] == "Thinking."
    assert wire.decode_reasoning(choice["message"]["thinking"]["signature"]) == [
        {"id": "rs_9", "encrypted_content": "E"}
    ]
    assert out["usage"] == {
        "prompt_tokens": 50,
        "completion_tokens": 7,
        "total_tokens": 57,
        "prompt_tokens_details": {"cached_tokens": 10},
        "completion_tokens_details": {"reasoning_tokens": 3},
    }


def test_json_incomplete_is_length_and_failed_is_an_error() -> None:
    t, ctx = OpenAIResponses(), make_ctx("gpt-5")
    incomplete = {"status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"}, "output": []}
    assert t.decode_response(orjson.dumps(incomplete), ctx)["choices"][0]["finish_reason"] == "length"
    failed = {"status": "failed", "error": {"code": "rate_limit_exceeded", "message": "slow down"}}
    with pytest.raises(UpstreamError) as err:
        t.decode_response(orjson.dumps(failed), ctx)
    assert err.value.status == 429 and "slow down" in err.value.message


def stream(*events: dict[str, Any]) -> list[dict[str, Any]]:
    t, ctx = OpenAIResponses(), make_ctx("gpt-5", stream=True)
    out = [c for e in events for c in t.decode_event(SSEEvent(e["type"], orjson.dumps(e).decode()), ctx)]
    return out + t.decode_end(ctx)


def test_stream_events() -> None:
    out = stream(
        {"type": "response.created", "response": {"id": "resp_2", "model": "gpt-5"}},
        {"type": "response.reasoning_summary_part.added", "summary_index": 0},
        {"type": "response.reasoning_summary_text.delta", "delta": "Hmm"},
        {"type": "response.reasoning_summary_part.added", "summary_index": 1},
        {"type": "response.reasoning_summary_text.delta", "delta": "Ok"},
        {"type": "response.output_item.done", "item": {"type": "reasoning", "id": "rs_2", "encrypted_content": "ENC"}},
        {"type": "response.output_text.delta", "delta": "Hi"},
        {
            "type": "response.output_item.added",
            "item": {"type": "function_call", "id": "fc_1", "call_id": "call_2", "name": "Bash", "arguments": ""},
        },
        {"type": "response.function_call_arguments.delta", "item_id": "fc_1", "delta": '{"command":'},
        {"type": "response.function_call_arguments.delta", "item_id": "fc_1", "delta": '"ls"}'},
        {
            "type": "response.completed",
            "response": {"status": "completed", "usage": {"input_tokens": 5, "output_tokens": 2}},
        },
    )
    d = [c["choices"][0]["delta"] for c in out]
    assert d[:3] == [{"reasoning_content": "Hmm"}, {"reasoning_content": "\n\n"}, {"reasoning_content": "Ok"}]
    assert wire.decode_reasoning(d[3]["thinking"]["signature"]) == [{"id": "rs_2", "encrypted_content": "ENC"}]
    assert d[4] == {"content": "Hi"}
    assert d[5]["tool_calls"][0] == {
        "id": "call_2",
        "type": "function",
        "function": {"name": "Bash", "arguments": ""},
        "index": 0,
    }
    assert "".join(x["tool_calls"][0]["function"]["arguments"] for x in d[6:8]) == '{"command":"ls"}'
    assert out[-1]["choices"][0]["finish_reason"] == "tool_calls"
    assert out[-1]["usage"]["prompt_tokens"] == 5  # usage is kept when streaming (the original lost it)
    assert {c["id"] for c in out} == {"resp_2"}


def test_stream_failure_event_is_an_error() -> None:
    with pytest.raises(UpstreamError, match="server had an error"):
        stream(
            {
                "type": "response.failed",
                "response": {
                    "status": "failed",
                    "error": {"code": "server_error", "message": "The server had an error"},
                },
            }
        )


def test_reasoning_items_found_in_any_thinking_block_of_the_turn() -> None:
    body = anthropic_body()
    blocks = body["messages"][1]["content"]
    # the first thinking block carries a stand-in signature: the converter alone would see only that one
    body["messages"][1]["content"] = [{"type": "thinking", "thinking": "summary", "signature": "ccr:0123"}, *blocks]
    ctx = make_ctx("gpt-5", anthropic_body=body)
    sent = orjson.loads(OpenAIResponses().build(anthropic_to_unified(body, "gpt-5"), ctx).body)
    assert {"type": "reasoning", "id": "rs_1", "encrypted_content": "gAAAA", "summary": []} in sent["input"]
