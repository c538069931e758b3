"""Non-streamed unified (OpenAI Chat Completions) response → Anthropic message."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ccr.errors import UpstreamError
from ccr.protocol.from_unified import signature_for, unified_to_anthropic

TOOL_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def response(message: dict[str, Any], finish: str | None = "stop", **extra: Any) -> dict[str, Any]:
    choice: dict[str, Any] = {
        "index": 0,
        "message": {"role": "assistant", **message},
        "finish_reason": finish,
    }
    choice.update(extra.pop("choice", {}))
    return {"id": "chatcmpl-1", "object": "chat.completion", "choices": [choice], **extra}


def call(name: str, arguments: Any, call_id: str | None = "call_1") -> dict[str, Any]:
    out: dict[str, Any] = {"type": "function", "function": {"name": name, "arguments": arguments}}
    if call_id is not None:
        out["id"] = call_id
    return out


LLAMACPP_TEXT = {
    "choices": [
        {
            "finish_reason": "stop",
            "index": 0,
            "message": {"role": "assistant", "content": "Bien s\u00fbr, the capital of France is Paris."},
        }
    ],
    "created": 1795620422,
    "model": "smollm2",
    "system_fingerprint": "b0-unknown",
    "object": "chat.completion",
    "usage": {
        "completion_tokens": 14,
        "prompt_tokens": 28,
        "total_tokens": 42,
        "prompt_tokens_details": {"cached_tokens": 6},
    },
    "id": "chatcmpl-OrN7vVWlodGxzf7YxJ28tLg6sZQcu2Xx",
    "timings": {"cache_n": 6, "prompt_n": 22, "predicted_n": 14},
}

LLAMACPP_TOOL = {
    "choices": [
        {
            "finish_reason": "tool_calls",
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                        "id": "8s2IvnzvsQ8RJkaR0jLePiHh6egX1b73",
                    }
                ],
            },
        }
    ],
    "usage": {"completion_tokens": 31, "prompt_tokens": 307, "total_tokens": 338},
    "system_fingerprint": "b0-unknown",
}


def test_llamacpp_text_answer() -> None:
    out = unified_to_anthropic(LLAMACPP_TEXT, "claude-sonnet-4-5")
    assert out == {
        "id": "msg_chatcmpl-OrN7vVWlodGxzf7YxJ28tLg6sZQcu2Xx",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [{"type": "text", "text": "Bien sûr, the capital of France is Paris."}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 22, "output_tokens": 14, "cache_read_input_tokens": 6},
    }


def test_llamacpp_tool_call_with_empty_content() -> None:
    out = unified_to_anthropic(LLAMACPP_TOOL, "m")
    assert out["content"] == [
        {
            "type": "tool_use",
            "id": "8s2IvnzvsQ8RJkaR0jLePiHh6egX1b73",
            "name": "get_weather",
            "input": {"city": "Paris"},
        }
    ]
    assert out["stop_reason"] == "tool_use"
    assert out["usage"] == {"input_tokens": 307, "output_tokens": 31, "cache_read_input_tokens": 0}
    assert out["id"].startswith("msg_")


CONTENT_CASES = [
    pytest.param(response({"content": "hi"}), [{"type": "text", "text": "hi"}], id="text"),
    pytest.param(response({"content": ""}), [], id="empty-text-no-block"),
    pytest.param(response({"content": None}), [], id="null-content-no-block"),
    pytest.param(
        response({"content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}),
        [{"type": "text", "text": "ab"}],
        id="content-parts-joined",
    ),
    pytest.param(
        response({"content": "Paris.", "reasoning_content": "Capital of France?"}),
        [
            {
                "type": "thinking",
                "thinking": "Capital of France?",
                "signature": signature_for("Capital of France?"),
            },
            {"type": "text", "text": "Paris."},
        ],
        id="deepseek-reasoning-content-first-with-generated-signature",
    ),
    pytest.param(
        response({"content": "Paris.", "reasoning": "Think."}),
        [
            {"type": "thinking", "thinking": "Think.", "signature": signature_for("Think.")},
            {"type": "text", "text": "Paris."},
        ],
        id="openrouter-reasoning",
    ),
    pytest.param(
        response(
            {
                "content": "Paris.",
                "reasoning": "Think.",
                "reasoning_details": [{"type": "reasoning.text", "text": "Think.", "signature": "prov-sig"}],
            }
        ),
        [
            {"type": "thinking", "thinking": "Think.", "signature": "prov-sig"},
            {"type": "text", "text": "Paris."},
        ],
        id="openrouter-reasoning-details-signature",
    ),
    pytest.param(
        response({"content": "A", "thinking": {"content": "T", "signature": "s1"}}),
        [{"type": "thinking", "thinking": "T", "signature": "s1"}, {"type": "text", "text": "A"}],
        id="thinking-object-with-signature",
    ),
    pytest.param(
        response(
            {
                "content": [
                    {
                        "type": "thinking",
                        "thinking": [{"type": "text", "text": "Mull"}, {"type": "text", "text": "ing."}],
                    },
                    {"type": "text", "text": "Answer."},
                ]
            }
        ),
        [
            {"type": "thinking", "thinking": "Mulling.", "signature": signature_for("Mulling.")},
            {"type": "text", "text": "Answer."},
        ],
        id="mistral-content-parts-with-thinking",
    ),
    pytest.param(
        response(
            {
                "reasoning": "R",
                "reasoning_details": [{"type": "reasoning.summary"}, {"type": "reasoning.text", "signature": "late"}],
            }
        ),
        [{"type": "thinking", "thinking": "R", "signature": "late"}],
        id="reasoning-details-first-signed-entry",
    ),
    pytest.param(
        response({"content": "A", "annotations": []}),
        [{"type": "text", "text": "A"}],
        id="empty-annotations-invent-nothing",
    ),
    pytest.param(
        response({"content": "I will check.", "tool_calls": [call("Bash", '{"command":"ls"}')]}, "tool_calls"),
        [
            {"type": "text", "text": "I will check."},
            {"type": "tool_use", "id": "call_1", "name": "Bash", "input": {"command": "ls"}},
        ],
        id="text-then-tool",
    ),
    pytest.param(
        response({"content": None, "tool_calls": [call("Bash", {"command": "ls"})]}, "tool_calls"),
        [{"type": "tool_use", "id": "call_1", "name": "Bash", "input": {"command": "ls"}}],
        id="object-arguments",
    ),
    pytest.param(
        response({"content": None, "tool_calls": [call("Bash", "{'command': 'ls',}")]}, "tool_calls"),
        [{"type": "tool_use", "id": "call_1", "name": "Bash", "input": {"command": "ls"}}],
        id="repaired-arguments",
    ),
    pytest.param(
        response({"content": None, "tool_calls": [call("Bash", "run ls please")]}, "tool_calls"),
        [{"type": "tool_use", "id": "call_1", "name": "Bash", "input": {"_raw": "run ls please"}}],
        id="unrepairable-arguments-raw",
    ),
    pytest.param(
        response(
            {"content": None, "function_call": {"name": "Bash", "arguments": '{"command":"ls"}'}},
            "function_call",
        ),
        [{"type": "tool_use", "id": "<generated>", "name": "Bash", "input": {"command": "ls"}}],
        id="legacy-function-call",
    ),
]


@pytest.mark.parametrize(("resp", "expected"), CONTENT_CASES)
def test_content(resp: dict[str, Any], expected: list[dict[str, Any]]) -> None:
    content = unified_to_anthropic(resp, "m")["content"]
    for got, want in zip(content, expected, strict=True):
        if want.get("id") == "<generated>":
            assert TOOL_ID.match(got["id"]) and got["id"].startswith("toolu_")
            want = {**want, "id": got["id"]}
        assert got == want


def test_tool_ids_sanitised_and_unique() -> None:
    calls = [
        call("A", "{}", "call_1"),
        call("B", "{}", "call_1"),  # duplicate
        call("C", "{}", "functions.Bash:0"),  # Kimi-style id with '.' and ':'
        call("D", "{}", None),  # missing
        call("E", "{}", ""),  # empty
        call("F", "{}", "0"),  # numeric string: valid as is
    ]
    ids = [b["id"] for b in unified_to_anthropic(response({"tool_calls": calls}), "m")["content"]]
    assert ids[0] == "call_1"
    assert ids[1] != "call_1" and ids[1].startswith("toolu_")
    assert ids[2] == "functions_Bash_0"
    assert ids[3].startswith("toolu_") and ids[4].startswith("toolu_")
    assert ids[5] == "0"
    assert len(set(ids)) == len(ids)
    assert all(TOOL_ID.match(i) for i in ids)


STOP_CASES = [
    pytest.param(response({"content": "x"}, "stop"), (), ("end_turn", None), id="stop"),
    pytest.param(response({"content": "x"}, "length"), (), ("max_tokens", None), id="length"),
    pytest.param(response({"tool_calls": [call("A", "{}")]}, "tool_calls"), (), ("tool_use", None), id="tool_calls"),
    pytest.param(
        response({"tool_calls": [call("A", "{}")]}, "function_call"),
        (),
        ("tool_use", None),
        id="function_call",
    ),
    pytest.param(response({"content": "x"}, "content_filter"), (), ("refusal", None), id="content-filter"),
    pytest.param(response({"tool_calls": [call("A", "{}")]}, None), (), ("tool_use", None), id="absent-with-tools"),
    pytest.param(response({"tool_calls": [call("A", "{}")]}, "stop"), (), ("tool_use", None), id="stop-with-tools"),
    pytest.param(response({"content": "x"}, None), (), ("end_turn", None), id="absent"),
    pytest.param(response({"content": "x"}, "weird_new_reason"), (), ("end_turn", None), id="unknown"),
    pytest.param(
        response({"content": "x"}, "stop", choice={"stop_reason": "###"}),
        ("###",),
        ("stop_sequence", "###"),
        id="vllm-stop-reason",
    ),
    pytest.param(
        response({"content": "x"}, "stop", choice={"stop_reason": 128009}),
        ("###",),
        ("end_turn", None),
        id="vllm-stop-token-id-is-not-a-sequence",
    ),
    pytest.param(
        response({"content": "x"}, "stop", choice={"matched_stop": "END"}),
        ("END",),
        ("stop_sequence", "END"),
        id="sglang-matched-stop",
    ),
    pytest.param(
        response({"content": "x"}, "stop", choice={"stop_reason": "other"}),
        ("END",),
        ("end_turn", None),
        id="reported-stop-not-requested",
    ),
    pytest.param(response({"content": "answer END"}, "stop"), ("END",), ("stop_sequence", "END"), id="text-ends-with"),
    pytest.param(response({"content": "answer"}, "stop"), ("END",), ("end_turn", None), id="llamacpp-nothing-reported"),
    pytest.param(response({"content": "x END"}, "length"), ("END",), ("max_tokens", None), id="length-wins"),
    pytest.param(response({"content": "x END"}, "stop"), "END", ("stop_sequence", "END"), id="stops-as-a-string"),
    pytest.param(
        response({"content": "x"}, "stop", choice={"stop_reason": "E"}),
        "END",
        ("end_turn", None),
        id="string-stops-no-substring-match",
    ),
    pytest.param(response({"content": "x END"}, "stop"), None, ("end_turn", None), id="stops-none"),
    pytest.param(response({"content": "x"}, "stop"), ["", 5, None], ("end_turn", None), id="stops-junk"),
]


@pytest.mark.parametrize(("resp", "stops", "expected"), STOP_CASES)
def test_stop_reason(resp: dict[str, Any], stops: Any, expected: tuple[str, str | None]) -> None:
    out = unified_to_anthropic(resp, "m", stops)
    assert (out["stop_reason"], out["stop_sequence"]) == expected


USAGE_CASES = [
    pytest.param(
        {"prompt_tokens": 100, "completion_tokens": 7, "prompt_tokens_details": {"cached_tokens": 60}},
        {"input_tokens": 40, "output_tokens": 7, "cache_read_input_tokens": 60},
        id="openai-cached",
    ),
    pytest.param(
        {
            "prompt_tokens": 100,
            "completion_tokens": 7,
            "prompt_cache_hit_tokens": 64,
            "prompt_cache_miss_tokens": 36,
        },
        {"input_tokens": 36, "output_tokens": 7, "cache_read_input_tokens": 64},
        id="deepseek-cache-hit",
    ),
    pytest.param(
        {"prompt_tokens": 10, "completion_tokens": 2, "prompt_tokens_details": None},
        {"input_tokens": 10, "output_tokens": 2, "cache_read_input_tokens": 0},
        id="null-details",
    ),
    pytest.param(None, {"input_tokens": 0, "output_tokens": 0, "cache_read_input_tokens": 0}, id="missing"),
    pytest.param(
        {"prompt_tokens": "12", "completion_tokens": None},
        {"input_tokens": 0, "output_tokens": 0, "cache_read_input_tokens": 0},
        id="garbage-types",
    ),
]


@pytest.mark.parametrize(("usage", "expected"), USAGE_CASES)
def test_usage(usage: Any, expected: dict[str, int]) -> None:
    resp = response({"content": "x"})
    if usage is not None:
        resp["usage"] = usage
    assert unified_to_anthropic(resp, "m")["usage"] == expected


ERROR_CASES = [
    pytest.param({"id": "x", "object": "chat.completion"}, "no `choices`", id="missing-choices"),
    pytest.param({"choices": []}, "no `choices`", id="empty-choices"),
    pytest.param({"choices": ["x"]}, "choices[0]", id="choice-not-object"),
    pytest.param(
        {"error": {"message": "Rate limit exceeded", "code": 429}},
        "Rate limit exceeded",
        id="error-in-200-body",
    ),
]


@pytest.mark.parametrize(("resp", "needle"), ERROR_CASES)
def test_malformed_responses_raise_upstream_error(resp: dict[str, Any], needle: str) -> None:
    with pytest.raises(UpstreamError) as caught:
        unified_to_anthropic(resp, "m")
    assert needle in caught.value.message


def test_error_in_body_keeps_its_status() -> None:
    with pytest.raises(UpstreamError) as caught:
        unified_to_anthropic({"error": {"message": "slow down", "code": 429}}, "m")
    assert caught.value.status == 429
    assert caught.value.error_type == "rate_limit_error"


def test_signature_for_is_stable_and_non_empty() -> None:
    assert signature_for("abc") == signature_for("abc")
    assert signature_for("abc") != signature_for("abd")
    assert signature_for("")


def test_message_without_message_object_gives_empty_content() -> None:
    out = unified_to_anthropic({"choices": [{"index": 0, "finish_reason": "stop"}]}, "m")
    assert out["content"] == [] and out["stop_reason"] == "end_turn"
