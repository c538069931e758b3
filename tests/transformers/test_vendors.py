"""Provider adapters on OpenAI-compatible wires: deepseek, reasoning, groq, cerebras, openrouter/vercel."""

from __future__ import annotations

from typing import Any

import pytest

from ccr.errors import UpstreamError
from ccr.transformers.base import overrides
from ccr.transformers.cerebras import Cerebras
from ccr.transformers.deepseek import DeepSeek
from ccr.transformers.groq import Groq
from ccr.transformers.openrouter import OpenRouter, decode_details
from ccr.transformers.reasoning import Reasoning
from ccr.transformers.testing import chunks, completion, make_ctx, run_request, run_response, run_stream
from ccr.transformers.vercel import Vercel

IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
THINK_ON = {"thinking": {"type": "enabled", "budget_tokens": 4096}}
THINK_OFF = {"thinking": {"type": "disabled"}}


def history() -> list[dict[str, Any]]:
    return [
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": "a1", "reasoning_content": "old", "reasoning_signature": "sig"},
        {"role": "user", "content": [{"type": "text", "text": "q2"}, IMAGE]},
        {"role": "assistant", "content": None, "reasoning_content": "current", "tool_calls": []},
        {"role": "tool", "tool_call_id": "c", "content": "x"},
    ]


@pytest.mark.parametrize(
    ("model", "max_tokens", "expected"),
    [
        pytest.param("deepseek-chat", 32000, 8192, id="chat"),
        pytest.param("deepseek-reasoner", 100000, 65536, id="reasoner"),
        pytest.param("deepseek-r1-250528", 100000, 65536, id="volcengine-r1"),
        pytest.param("deepseek-v3-250324", 32000, 8192, id="volcengine-v3"),
        pytest.param("deepseek-chat", 1000, 1000, id="below-cap"),
    ],
)
def test_deepseek_caps_per_model(model: str, max_tokens: int, expected: int) -> None:
    out = run_request(DeepSeek(), {"max_tokens": max_tokens, "messages": []}, make_ctx(model))
    assert out["max_tokens"] == expected


def test_deepseek_history_images_and_fields() -> None:
    out = run_request(
        DeepSeek(), {"messages": history(), "reasoning": {"effort": "high"}}, make_ctx("deepseek-reasoner")
    )
    assert "reasoning" not in out
    old, current = out["messages"][1], out["messages"][3]
    assert "reasoning_content" not in old and "reasoning_signature" not in old
    assert current["reasoning_content"] == "current"  # the tool loop in progress keeps it
    assert out["messages"][2]["content"][1]["type"] == "text"  # no images on DeepSeek


def test_deepseek_leaves_the_stream_alone() -> None:
    # the original dropped chunks with an empty delta, losing the final finish_reason and usage;
    # here no stream hook runs at all (reasoning_content is read by the core converter)
    t = DeepSeek()
    assert not overrides(t, "stream_chunk") and not overrides(t, "stream_end") and not overrides(t, "response")


@pytest.mark.parametrize(
    ("options", "anthropic", "expected"),
    [
        pytest.param({}, THINK_ON, {"enable_thinking": True, "thinking_budget": 4096}, id="enabled-with-budget"),
        pytest.param({}, {"thinking": {"type": "adaptive"}}, {"enable_thinking": True}, id="adaptive"),
        pytest.param({}, THINK_OFF, {"enable_thinking": False}, id="disabled"),
        pytest.param({}, {}, {"enable_thinking": False}, id="not-asked"),
        pytest.param({"enable": False}, THINK_ON, {"enable_thinking": False}, id="forced-off"),
    ],
)
def test_reasoning(options: dict[str, Any], anthropic: dict[str, Any], expected: dict[str, Any]) -> None:
    body = {"messages": [], "reasoning": {"effort": "medium"}}
    out = run_request(Reasoning(options), body, make_ctx(anthropic_body=anthropic))
    assert out == {"messages": [], **expected}


def test_groq_scrubs_what_it_rejects() -> None:
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {}}
    body = {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "x", "cache_control": {}}]},
            *history()[1:2],
        ],
        "tools": [{"type": "function", "function": {"name": "t", "parameters": schema}}],
        "reasoning": {"effort": "high"},
    }
    out = run_request(Groq(), body, make_ctx("openai/gpt-oss-120b", anthropic_body=THINK_ON))
    assert out["tools"][0]["function"]["parameters"] == {"type": "object", "properties": {}}
    assert "$schema" in schema  # the client's schema is not modified
    assert out["messages"][0]["content"] == [{"type": "text", "text": "x"}]
    assert "reasoning_content" not in out["messages"][1]
    assert out["reasoning_effort"] == "medium" and "reasoning" not in out


@pytest.mark.parametrize(
    ("model", "anthropic", "expected"),
    [
        pytest.param("gpt-oss-120b", THINK_ON, {"reasoning_effort": "medium"}, id="gpt-oss"),
        pytest.param("zai-glm-4.6", THINK_OFF, {"disable_reasoning": True}, id="glm-off"),
        pytest.param("qwen-3-235b", THINK_ON, {"disable_reasoning": False}, id="qwen-on"),
        pytest.param("llama-3.3-70b", THINK_ON, {}, id="other"),
    ],
)
def test_cerebras(model: str, anthropic: dict[str, Any], expected: dict[str, Any]) -> None:
    out = run_request(
        Cerebras(), {"messages": [], "reasoning": {"effort": "high"}}, make_ctx(model, anthropic_body=anthropic)
    )
    assert out == {"messages": [], **expected}


# ---------------------------------------------------------------- openrouter / vercel


def test_openrouter_claude_gets_cache_breakpoints_others_none() -> None:
    def body() -> dict[str, Any]:
        return {
            "messages": [
                {"role": "system", "content": "sys"},
                {"role": "user", "content": "one"},
                {"role": "assistant", "content": "a"},
                {"role": "user", "content": [{"type": "text", "text": "two", "cache_control": {"type": "x"}}]},
            ]
        }

    claude = run_request(OpenRouter(), body(), make_ctx("anthropic/claude-sonnet-4"))
    marked = [m for m in claude["messages"] if isinstance(m["content"], list) and m["content"][-1].get("cache_control")]
    assert [m["role"] for m in marked] == ["system", "user", "user"]
    other = run_request(OpenRouter(), body(), make_ctx("moonshotai/kimi-k2"))
    assert "cache_control" not in str(other)


def test_openrouter_images_are_not_prefixed_twice() -> None:
    body = {"messages": [{"role": "user", "content": [dict(IMAGE, media_type="image/png")]}]}
    out = run_request(Vercel(), body, make_ctx("anthropic/claude-sonnet-4"))
    assert out["messages"][0]["content"][0] == IMAGE


def test_openrouter_reasoning_uses_one_of_budget_or_effort() -> None:
    out = run_request(OpenRouter(), {"messages": [], "reasoning": {"effort": "high", "max_tokens": 9000}}, make_ctx())
    assert out["reasoning"] == {"max_tokens": 9000}


def test_openrouter_reasoning_details_round_trip_through_the_signature() -> None:
    details = [
        {"type": "reasoning.text", "text": "Let me ", "index": 0, "format": "anthropic-claude-v1"},
        {"type": "reasoning.text", "text": "think.", "index": 0, "signature": "EqQB", "format": "anthropic-claude-v1"},
    ]
    stream = [
        {
            "id": "g",
            "model": "m",
            "choices": [{"index": 0, "delta": {"reasoning": "Let me ", "reasoning_details": details[:1]}}],
        },
        {
            "id": "g",
            "model": "m",
            "choices": [{"index": 0, "delta": {"reasoning": "think.", "reasoning_details": details[1:]}}],
        },
        *chunks("Answer"),
    ]
    out = run_stream(OpenRouter(), stream, make_ctx(stream=True))
    signature = next(
        c["choices"][0]["delta"]["thinking"]["signature"] for c in out if "thinking" in c["choices"][0]["delta"]
    )
    assert decode_details(signature) == [
        {
            "type": "reasoning.text",
            "text": "Let me think.",
            "index": 0,
            "signature": "EqQB",
            "format": "anthropic-claude-v1",
        }
    ]
    # the signature comes before the answer text, while the thinking block is still open
    kinds = [next(iter(c["choices"][0]["delta"]), None) for c in out]
    assert kinds.index("thinking") < kinds.index("content")
    replay = {
        "messages": [
            {"role": "assistant", "content": "Answer", "reasoning_content": "x", "reasoning_signature": signature}
        ]
    }
    msg = run_request(OpenRouter(), replay, make_ctx())["messages"][0]
    assert msg == {"role": "assistant", "content": "Answer", "reasoning_details": decode_details(signature)}


def test_openrouter_json_details_become_thinking() -> None:
    details = [{"type": "reasoning.encrypted", "data": "opaque"}]
    out = run_response(OpenRouter(), completion("hi", reasoning="why", reasoning_details=details))
    thinking = out["choices"][0]["message"]["thinking"]
    assert thinking["content"] == "why" and decode_details(thinking["signature"]) == details


def test_openrouter_stream_fixes_numeric_tool_ids_consistently() -> None:
    def call(arguments: str, call_id: str | None) -> dict[str, Any]:
        tc: dict[str, Any] = {"index": 0, "function": {"arguments": arguments}}
        if call_id is not None:
            tc["id"] = call_id
        return {"id": "g", "model": "m", "choices": [{"index": 0, "delta": {"tool_calls": [tc]}}]}

    out = run_stream(OpenRouter(), [call("{", "0"), call("}", "0")], make_ctx(stream=True))
    ids = [c["choices"][0]["delta"]["tool_calls"][0]["id"] for c in out]
    assert ids[0] == ids[1] and ids[0].startswith("toolu_")


def test_openrouter_finish_reason_error_is_an_error() -> None:
    bad = {
        "id": "g",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "error"}],
        "error": {"message": "overloaded"},
    }
    with pytest.raises(UpstreamError, match="overloaded"):
        run_stream(OpenRouter(), [bad], make_ctx(stream=True))
