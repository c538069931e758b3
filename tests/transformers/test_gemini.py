"""`gemini`: request body, URL and auth; JSON and streamed answers; thought signatures across turns.

Wire shapes from Google's generateContent reference (contents/parts, functionCall/functionResponse,
thoughtSignature, usageMetadata, finishReason, promptFeedback.blockReason).
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ccr.errors import UpstreamError
from ccr.protocol.sse import SSEEvent
from ccr.protocol.to_unified import anthropic_to_unified
from ccr.transformers import gemini_signatures as sigs
from ccr.transformers.common import Thinking
from ccr.transformers.gemini import Gemini, models_url
from ccr.transformers.gemini_request import thinking_config
from ccr.transformers.testing import make_ctx

READ_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {"file_path": {"type": "string"}},
    "required": ["file_path"],
    "additionalProperties": False,
}


def build(anthropic: dict[str, Any], model: str = "gemini-2.5-pro", stream: bool = False, **options: Any) -> Any:
    ctx = make_ctx(
        model,
        stream=stream,
        api_base_url="https://generativelanguage.googleapis.com/v1beta/models/",
        api_key="sk-test",
        anthropic_body=anthropic,
    )
    return Gemini(options).build(anthropic_to_unified(anthropic, model), ctx)


def conversation(signature: str = "") -> dict[str, Any]:
    thinking = [{"type": "thinking", "thinking": "", "signature": signature}] if signature else []
    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 32000,
        "temperature": 1,
        "stop_sequences": ["END"],
        "system": [{"type": "text", "text": "You are Claude Code."}],
        "thinking": {"type": "enabled", "budget_tokens": 4000},
        "tools": [
            {"name": "Read", "description": "Read a file", "input_schema": READ_SCHEMA},
            {"name": "NoArgs", "description": "", "input_schema": {"type": "object", "properties": {}}},
        ],
        "tool_choice": {"type": "auto"},
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Read a.txt"},
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBO"}},
                ],
            },
            {
                "role": "assistant",
                "content": [
                    *thinking,
                    {"type": "text", "text": "Reading."},
                    {"type": "tool_use", "id": "toolu_1", "name": "Read", "input": {"file_path": "a.txt"}},
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_1", "content": "hello"},
                    {"type": "text", "text": "Now summarise."},
                ],
            },
        ],
    }


def test_request_body_maps_every_part() -> None:
    req = build(conversation())
    body = orjson.loads(req.body)
    assert body["systemInstruction"] == {"parts": [{"text": "You are Claude Code."}]}
    assert body["contents"] == [
        {"role": "user", "parts": [{"text": "Read a.txt"}, {"inlineData": {"mimeType": "image/png", "data": "iVBO"}}]},
        {
            "role": "model",
            "parts": [
                {"text": "Reading."},
                {"functionCall": {"name": "Read", "args": {"file_path": "a.txt"}, "id": "toolu_1"}},
            ],
        },
        {
            "role": "user",
            "parts": [
                {"functionResponse": {"name": "Read", "response": {"result": "hello"}, "id": "toolu_1"}},
                {"text": "Now summarise."},
            ],
        },
    ]
    assert body["tools"] == [
        {
            "functionDeclarations": [
                {
                    "name": "Read",
                    "description": "Read a file",
                    "parameters": {
                        "type": "OBJECT",
                        "properties": {"file_path": {"type": "STRING"}},
                        "required": ["file_path"],
                    },
                },
                {"name": "NoArgs", "description": ""},
            ]
        }
    ]
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "AUTO"}}
    assert body["generationConfig"] == {
        "maxOutputTokens": 32000,
        "temperature": 1,
        "stopSequences": ["END"],
        "thinkingConfig": {"thinkingBudget": 4000, "includeThoughts": True},
    }


def test_request_json_schema_option_sends_the_raw_schema() -> None:
    body = orjson.loads(build(conversation(), schema="json").body)
    decl = body["tools"][0]["functionDeclarations"][0]
    assert decl["parametersJsonSchema"] == {k: v for k, v in READ_SCHEMA.items() if k != "$schema"}


def test_request_web_search_only_without_functions() -> None:
    anthropic = {
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "news?"}],
        "tools": [{"type": "web_search_20250305", "name": "web_search", "max_uses": 5}],
    }
    assert orjson.loads(build(anthropic).body)["tools"] == [{"googleSearch": {}}]


def test_request_safety_threshold_option() -> None:
    body = orjson.loads(build({"max_tokens": 10, "messages": []}, safety_threshold="BLOCK_NONE").body)
    assert {s["threshold"] for s in body["safetySettings"]} == {"BLOCK_NONE"}
    assert len(body["safetySettings"]) == 5


@pytest.mark.parametrize(
    ("base", "stream", "url"),
    [
        pytest.param(
            "https://generativelanguage.googleapis.com/v1beta/models/",
            True,
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
            id="readme-form-stream",
        ),
        pytest.param(
            "https://generativelanguage.googleapis.com",
            False,
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent",
            id="host-only",
        ),
        pytest.param(
            "http://127.0.0.1:8080/v1beta",
            False,
            "http://127.0.0.1:8080/v1beta/models/gemini-2.5-pro:generateContent",
            id="version-prefix",
        ),
    ],
)
def test_url_and_auth(base: str, stream: bool, url: str) -> None:
    ctx = make_ctx("gemini-2.5-pro", stream=stream, api_base_url=base, api_key="sk-test")
    req = Gemini().build({"messages": []}, ctx)
    assert f"{models_url(base)}/gemini-2.5-pro" in req.url and req.url == url
    assert req.headers["x-goog-api-key"] == "sk-test"
    assert "authorization" not in req.headers


@pytest.mark.parametrize(
    ("model", "wish", "expected"),
    [
        pytest.param(
            "gemini-2.5-pro", Thinking(True, 100), {"thinkingBudget": 128, "includeThoughts": True}, id="pro-min"
        ),
        pytest.param(
            "gemini-2.5-pro", Thinking(True, 99999), {"thinkingBudget": 32768, "includeThoughts": True}, id="pro-max"
        ),
        pytest.param("gemini-2.5-pro", Thinking(False), None, id="pro-cannot-disable"),
        pytest.param("gemini-2.5-flash", Thinking(False), {"thinkingBudget": 0}, id="flash-off"),
        pytest.param(
            "gemini-2.5-flash",
            Thinking(True, adaptive=True, display=False),
            {"thinkingBudget": -1, "includeThoughts": False},
            id="adaptive",
        ),
        pytest.param(
            "gemini-3-pro-preview",
            Thinking(True, 2000, "medium"),
            {"thinkingLevel": "high", "includeThoughts": True},
            id="g3",
        ),
        pytest.param(
            "gemini-3-pro-preview",
            Thinking(True, 500, "low"),
            {"thinkingLevel": "low", "includeThoughts": True},
            id="g3-low",
        ),
        pytest.param("gemini-2.0-flash", Thinking(True, 2000), None, id="no-thinking-model"),
    ],
)
def test_thinking_config(model: str, wish: Thinking, expected: dict[str, Any] | None) -> None:
    assert thinking_config(model, wish) == expected


# ---------------------------------------------------------------- answers

USAGE = {
    "promptTokenCount": 100,
    "candidatesTokenCount": 20,
    "thoughtsTokenCount": 30,
    "cachedContentTokenCount": 40,
    "totalTokenCount": 150,
}


def decode(resp: dict[str, Any], model: str = "gemini-2.5-pro") -> dict[str, Any]:
    return Gemini().decode_response(orjson.dumps(resp), make_ctx(model))


def test_json_answer_with_thoughts_text_calls_and_signatures() -> None:
    resp = {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [
                        {"text": "Planning.", "thought": True},
                        {"text": "I will read it.", "thoughtSignature": "SIG_TEXT"},
                        {"functionCall": {"name": "Read", "args": {"file_path": "a"}}, "thoughtSignature": "SIG_CALL"},
                        {"functionCall": {"id": "given", "name": "Read", "args": {"file_path": "b"}}},
                    ],
                },
                "finishReason": "STOP",
            }
        ],
        "usageMetadata": USAGE,
        "modelVersion": "gemini-2.5-pro-001",
        "responseId": "r1",
    }
    out = decode(resp)
    choice = out["choices"][0]
    message = choice["message"]
    assert choice["finish_reason"] == "tool_calls"  # Gemini says STOP; the calls must still run
    assert message["content"] == "I will read it."
    assert message["reasoning_content"] == "Planning."
    first, second = message["tool_calls"]
    assert first["function"] == {"name": "Read", "arguments": '{"file_path":"a"}'}
    assert first["id"].startswith("toolu_") and second["id"] == "given"
    assert sigs.decode(message["thinking"]["signature"]) == {
        "text": "SIG_TEXT",
        sigs.call_slot(first["id"]): "SIG_CALL",
    }
    assert out["usage"] == {
        "prompt_tokens": 100,
        "completion_tokens": 50,
        "total_tokens": 150,
        "prompt_tokens_details": {"cached_tokens": 40},
        "completion_tokens_details": {"reasoning_tokens": 30},
    }
    assert (out["id"], out["model"]) == ("r1", "gemini-2.5-pro-001")


@pytest.mark.parametrize(
    ("reason", "finish"),
    [
        pytest.param("MAX_TOKENS", "length", id="max-tokens"),
        pytest.param("SAFETY", "content_filter", id="safety-after-text"),
        pytest.param("STOP", "stop", id="stop"),
    ],
)
def test_json_finish_reasons(reason: str, finish: str) -> None:
    resp = {"candidates": [{"content": {"parts": [{"text": "partial"}]}, "finishReason": reason}]}
    assert decode(resp)["choices"][0]["finish_reason"] == finish


@pytest.mark.parametrize(
    ("resp", "status", "words"),
    [
        pytest.param({"promptFeedback": {"blockReason": "SAFETY"}}, 400, "blocked the prompt", id="prompt-blocked"),
        pytest.param(
            {"candidates": [{"finishReason": "PROHIBITED_CONTENT"}]}, 400, "PROHIBITED_CONTENT", id="empty-stop"
        ),
        pytest.param(
            {"candidates": [{"finishReason": "MALFORMED_FUNCTION_CALL"}]}, 502, "invalid tool call", id="malformed"
        ),
        pytest.param(
            {"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}},
            429,
            "Quota",
            id="error",
        ),
    ],
)
def test_json_blocked_and_errors_are_clear(resp: dict[str, Any], status: int, words: str) -> None:
    with pytest.raises(UpstreamError) as err:
        decode(resp)
    assert err.value.status == status and words in err.value.message


def events(*responses: dict[str, Any]) -> list[SSEEvent]:
    return [SSEEvent(None, orjson.dumps(r).decode()) for r in responses]


def run(stream: list[SSEEvent], model: str = "gemini-2.5-flash") -> list[dict[str, Any]]:
    t = Gemini()
    ctx = make_ctx(model, stream=True)
    out = [c for e in stream for c in t.decode_event(e, ctx)]
    return out + t.decode_end(ctx)


def deltas(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c["choices"][0]["delta"] for c in chunks]


def test_stream_thoughts_text_and_parallel_calls() -> None:
    out = run(
        events(
            {"candidates": [{"content": {"parts": [{"text": "Let me see", "thought": True}]}}]},
            {"candidates": [{"content": {"parts": [{"text": ".", "thought": True, "thoughtSignature": "S1"}]}}]},
            {"candidates": [{"content": {"parts": [{"text": "Reading both."}]}}]},
            {
                "candidates": [
                    {
                        "content": {
                            "parts": [
                                {
                                    "functionCall": {"name": "Read", "args": {"file_path": "a"}},
                                    "thoughtSignature": "S2",
                                },
                                {"functionCall": {"name": "Read", "args": {"file_path": "b"}}},
                            ]
                        },
                        "finishReason": "STOP",
                    }
                ],
                "usageMetadata": USAGE,
            },
        )
    )
    d = deltas(out)
    assert d[0] == {"reasoning_content": "Let me see"}
    assert d[1] == {"reasoning_content": "."}
    assert sigs.decode(d[2]["thinking"]["signature"]) == {"text": "S1"}  # closes the thinking block
    assert d[3] == {"content": "Reading both."}
    call_a = d[5]["tool_calls"][0]
    assert sigs.decode(d[4]["thinking"]["signature"]) == {"text": "S1", sigs.call_slot(call_a["id"]): "S2"}
    assert call_a["index"] == 0 and d[6]["tool_calls"][0]["index"] == 1
    assert orjson.loads(d[6]["tool_calls"][0]["function"]["arguments"]) == {"file_path": "b"}
    last = out[-1]
    assert last["choices"][0]["finish_reason"] == "tool_calls"
    assert last["usage"]["completion_tokens"] == 50
    assert sigs.CALLS.get(call_a["id"]) == "S2"


def test_stream_blocked_before_any_text_is_an_error() -> None:
    with pytest.raises(UpstreamError, match="SAFETY"):
        run(events({"candidates": [{"finishReason": "SAFETY"}]}))


def test_stream_error_object_keeps_its_status() -> None:
    with pytest.raises(UpstreamError) as err:
        run(events({"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}}))
    assert err.value.status == 503


# ---------------------------------------------------------------- signatures across turns


def anthropic_turn_from(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What Claude Code stores for the assistant turn: thinking blocks (with signatures) and tool uses."""
    blocks: list[dict[str, Any]] = []
    for d in deltas(chunks):
        if "thinking" in d:
            blocks.append({"type": "thinking", "thinking": "", "signature": d["thinking"]["signature"]})
        for call in d.get("tool_calls") or ():
            blocks.append(
                {
                    "type": "tool_use",
                    "id": call["id"],
                    "name": call["function"]["name"],
                    "input": orjson.loads(call["function"]["arguments"]),
                }
            )
    return blocks


@pytest.mark.parametrize("cache", [True, False], ids=["with-cache", "from-the-client-only"])
def test_signature_round_trip_to_the_next_request(cache: bool) -> None:
    turn1 = run(
        events(
            {
                "candidates": [
                    {
                        "content": {
                            "parts": [
                                {
                                    "functionCall": {"name": "Read", "args": {"file_path": "a"}},
                                    "thoughtSignature": "SIG",
                                }
                            ]
                        },
                        "finishReason": "STOP",
                    }
                ]
            }
        ),
        model="gemini-3-pro-preview",
    )
    if not cache:
        sigs.CALLS.clear()
    blocks = anthropic_turn_from(turn1)
    call_id = blocks[-1]["id"]
    anthropic = {
        "max_tokens": 1000,
        "messages": [
            {"role": "user", "content": "read a"},
            {"role": "assistant", "content": blocks},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call_id, "content": "data"}]},
        ],
    }
    body = orjson.loads(build(anthropic, model="gemini-3-pro-preview").body)
    part = body["contents"][1]["parts"][0]
    assert part["functionCall"]["id"] == call_id and part["thoughtSignature"] == "SIG"


def test_gemini3_call_without_any_signature_gets_the_documented_placeholder() -> None:
    sigs.CALLS.clear()
    anthropic = {
        "max_tokens": 100,
        "messages": [
            {"role": "user", "content": "x"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_x", "name": "Read", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_x", "content": "y"}]},
        ],
    }
    g3 = orjson.loads(build(anthropic, model="gemini-3-pro-preview").body)
    g25 = orjson.loads(build(anthropic, model="gemini-2.5-pro").body)
    assert g3["contents"][1]["parts"][0]["thoughtSignature"] == sigs.SKIP_VALIDATOR
    assert "thoughtSignature" not in g25["contents"][1]["parts"][0]


def test_foreign_signatures_are_ignored() -> None:
    assert sigs.decode("EqQBCkYIBRgCKkB...anthropic") == {}
    assert sigs.decode(sigs.PREFIX + "!!!") == {}
    assert sigs.decode(sigs.encode({"text": "a"})) == {"text": "a"}


def test_stream_signature_on_the_last_text_part_does_not_split_the_answer() -> None:
    out = run(
        events(
            {"candidates": [{"content": {"parts": [{"text": "Hello"}]}}]},
            {
                "candidates": [
                    {"content": {"parts": [{"text": " world", "thoughtSignature": "S3"}]}, "finishReason": "STOP"}
                ]
            },
        ),
        model="gemini-3-pro-preview",
    )
    d = deltas(out)
    assert d[:2] == [{"content": "Hello"}, {"content": " world"}]
    assert sigs.decode(d[2]["thinking"]["signature"]) == {"text": "S3"}  # after the text, before the finish
    assert out[-1]["choices"][0]["finish_reason"] == "stop"


def test_stream_signature_before_any_text_comes_first() -> None:
    out = run(
        events(
            {"candidates": [{"content": {"parts": [{"text": "Hi", "thoughtSignature": "S4"}]}, "finishReason": "STOP"}]}
        )
    )
    d = deltas(out)
    assert "thinking" in d[0] and d[1] == {"content": "Hi"}
