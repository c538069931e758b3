"""Anthropic Messages request → unified (OpenAI Chat Completions) request."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

from ccr.protocol.to_unified import anthropic_to_unified
from tests.recorded_requests import recorded_request

PNG = "iVBORw0KGgo="


def convert(body: dict[str, Any]) -> dict[str, Any]:
    return anthropic_to_unified({"max_tokens": 64, **body}, "up-model")


def messages_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    return list(convert(body)["messages"])


def user(*content: Any) -> dict[str, Any]:
    return {"role": "user", "content": list(content)}


def assistant(*content: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": list(content)}


def text(value: str, **extra: Any) -> dict[str, Any]:
    return {"type": "text", "text": value, **extra}


def image_b64(data: str = PNG, media: str = "image/png") -> dict[str, Any]:
    return {"type": "image", "source": {"type": "base64", "media_type": media, "data": data}}


def tool_result(tool_id: str, content: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "tool_result", "tool_use_id": tool_id, "content": content, **extra}


IMAGE_PART = {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}}

MESSAGE_CASES = [
    pytest.param(
        {"system": "Be terse.", "messages": [{"role": "user", "content": "hi"}]},
        [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "hi"}],
        id="system-string",
    ),
    pytest.param(
        {
            "system": [text("You are Claude Code.", cache_control={"type": "ephemeral"}), text("Rules.")],
            "messages": [{"role": "user", "content": "hi"}],
        },
        [{"role": "system", "content": "You are Claude Code.\nRules."}, {"role": "user", "content": "hi"}],
        id="system-blocks-joined-cache-control-dropped",
    ),
    pytest.param(
        {"system": "", "messages": [{"role": "user", "content": "hi"}]},
        [{"role": "user", "content": "hi"}],
        id="empty-system-left-out",
    ),
    pytest.param(
        {
            "system": "S",
            "messages": [
                {"role": "system", "content": [text("<env>cwd=/repo</env>")]},
                {"role": "user", "content": "hi"},
            ],
        },
        [
            {"role": "system", "content": "S"},
            {"role": "system", "content": "<env>cwd=/repo</env>"},
            {"role": "user", "content": "hi"},
        ],
        id="system-role-inside-messages-kept-in-place",
    ),
    pytest.param(
        {"messages": [user(text("one", cache_control={"type": "ephemeral"}))]},
        [{"role": "user", "content": "one"}],
        id="single-text-block-becomes-string",
    ),
    pytest.param(
        {"messages": [user(text("one"), text("two"))]},
        [{"role": "user", "content": [text("one"), text("two")]}],
        id="several-text-blocks-stay-parts",
    ),
    pytest.param(
        {"messages": [user(text("look"), image_b64())]},
        [{"role": "user", "content": [text("look"), IMAGE_PART]}],
        id="base64-image-data-uri",
    ),
    pytest.param(
        {"messages": [user(image_b64(data=f"data:image/png;base64,{PNG}"))]},
        [{"role": "user", "content": [IMAGE_PART]}],
        id="image-data-with-existing-prefix-not-doubled",
    ),
    pytest.param(
        {"messages": [user({"type": "image", "source": {"type": "url", "url": "https://x.test/a.png"}})]},
        [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}]}],
        id="url-image",
    ),
    pytest.param(
        {"messages": [user(image_b64(media="image/jpeg"))]},
        [
            {
                "role": "user",
                "content": [{"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{PNG}"}}],
            }
        ],
        id="image-media-type-kept",
    ),
    pytest.param(
        {"messages": [{"role": "assistant", "content": "plain"}]},
        [{"role": "assistant", "content": "plain"}],
        id="assistant-string",
    ),
    pytest.param(
        {"messages": [assistant(text("a"), text("b"))]},
        [{"role": "assistant", "content": "a\nb"}],
        id="assistant-text-blocks-joined",
    ),
    pytest.param(
        {
            "messages": [
                assistant(
                    text("Let me look."),
                    {"type": "tool_use", "id": "toolu_01", "name": "Read", "input": {"file_path": "/a"}},
                )
            ]
        },
        [
            {
                "role": "assistant",
                "content": "Let me look.",
                "tool_calls": [
                    {
                        "id": "toolu_01",
                        "type": "function",
                        "function": {"name": "Read", "arguments": '{"file_path":"/a"}'},
                    }
                ],
            }
        ],
        id="assistant-text-and-tool-use",
    ),
    pytest.param(
        {
            "messages": [
                assistant(
                    {"type": "tool_use", "id": "t1", "name": "A", "input": {}},
                    {"type": "tool_use", "id": "t2", "name": "B", "input": {"x": [1, 2]}},
                )
            ]
        },
        [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "t1", "type": "function", "function": {"name": "A", "arguments": "{}"}},
                    {"id": "t2", "type": "function", "function": {"name": "B", "arguments": '{"x":[1,2]}'}},
                ],
            }
        ],
        id="assistant-only-tool-calls-content-none",
    ),
    pytest.param(
        {
            "messages": [
                assistant(
                    {"type": "thinking", "thinking": "Hmm.", "signature": "sig-1"},
                    {"type": "redacted_thinking", "data": "opaque"},
                    text("Answer."),
                )
            ]
        },
        [
            {
                "role": "assistant",
                "content": "Answer.",
                "reasoning_content": "Hmm.",
                "reasoning_signature": "sig-1",
            }
        ],
        id="thinking-replayed-redacted-dropped",
    ),
    pytest.param(
        {"messages": [assistant({"type": "thinking", "thinking": "Unsigned."}, text("A"))]},
        [{"role": "assistant", "content": "A", "reasoning_content": "Unsigned."}],
        id="unsigned-thinking-no-signature-key",
    ),
    pytest.param(
        {"messages": [user(tool_result("t1", "file contents"))]},
        [{"role": "tool", "tool_call_id": "t1", "content": "file contents"}],
        id="tool-result-string",
    ),
    pytest.param(
        {"messages": [user(tool_result("t1", [text("line 1"), text("line 2")]))]},
        [{"role": "tool", "tool_call_id": "t1", "content": "line 1\nline 2"}],
        id="tool-result-block-list-joined",
    ),
    pytest.param(
        {"messages": [user(tool_result("t1", "command failed", is_error=True))]},
        [{"role": "tool", "tool_call_id": "t1", "content": "Error: command failed"}],
        id="tool-result-error-flag",
    ),
    pytest.param(
        {"messages": [user({"type": "tool_result", "tool_use_id": "t1"})]},
        [{"role": "tool", "tool_call_id": "t1", "content": ""}],
        id="tool-result-without-content",
    ),
    pytest.param(
        {"messages": [user(text("Now do X."), tool_result("t1", "ok"), tool_result("t2", "done"))]},
        [
            {"role": "tool", "tool_call_id": "t1", "content": "ok"},
            {"role": "tool", "tool_call_id": "t2", "content": "done"},
            {"role": "user", "content": "Now do X."},
        ],
        id="tool-results-first-then-user-text",
    ),
    pytest.param(
        {"messages": [user(tool_result("t1", [text("screenshot:"), image_b64()]), text("What is it?"))]},
        [
            {"role": "tool", "tool_call_id": "t1", "content": "screenshot:"},
            {"role": "user", "content": [IMAGE_PART, text("What is it?")]},
        ],
        id="tool-result-image-follows-as-user-message",
    ),
    pytest.param(
        {
            "messages": [
                user(
                    {
                        "type": "document",
                        "source": {"type": "text", "media_type": "text/plain", "data": "notes"},
                    },
                    {
                        "type": "document",
                        "source": {"type": "base64", "media_type": "application/pdf", "data": "x"},
                    },
                    {
                        "type": "search_result",
                        "source": "https://x.test",
                        "title": "t",
                        "content": [text("r")],
                    },
                    {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}},
                    {"type": "brand_new_block", "foo": 1},
                    text("question"),
                )
            ]
        },
        [{"role": "user", "content": [text("notes"), text("question")]}],
        id="unknown-blocks-dropped-text-document-kept",
    ),
    pytest.param(
        {"messages": [user({"type": "document", "source": {"type": "content", "content": [text("inline")]}})]},
        [{"role": "user", "content": "inline"}],
        id="content-document-becomes-text",
    ),
    pytest.param(
        {"messages": [{"role": "user", "content": "q"}, {"role": "narrator", "content": "x"}, "junk"]},
        [{"role": "user", "content": "q"}],
        id="unknown-roles-and-junk-ignored",
    ),
]


@pytest.mark.parametrize(("body", "expected"), MESSAGE_CASES)
def test_messages(body: dict[str, Any], expected: list[dict[str, Any]]) -> None:
    assert messages_of(body) == expected


WEATHER_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
WEATHER = {"name": "get_weather", "description": "Weather for a city", "input_schema": WEATHER_SCHEMA}
WEATHER_FN = {
    "type": "function",
    "function": {"name": "get_weather", "description": "Weather for a city", "parameters": WEATHER_SCHEMA},
}

FIELD_CASES = [
    pytest.param({}, {}, id="minimal"),
    pytest.param(
        {"temperature": 0.2, "top_p": 0.9, "top_k": 5, "stop_sequences": ["END", "STOP"]},
        {"temperature": 0.2, "top_p": 0.9, "stop": ["END", "STOP"]},
        id="sampling-and-stop",
    ),
    pytest.param({"stop_sequences": []}, {}, id="empty-stop-sequences-left-out"),
    pytest.param(
        {"metadata": {"user_id": "user_abc_account__session_123"}},
        {"user": "user_abc_account__session_123"},
        id="metadata-user-id",
    ),
    pytest.param({"metadata": {"user_id": "u" * 300}}, {"user": "u" * 256}, id="user-id-truncated"),
    pytest.param({"metadata": {"user_id": 42}}, {}, id="non-string-user-id-dropped"),
    pytest.param({"stream": True}, {"stream": True, "stream_options": {"include_usage": True}}, id="stream"),
    pytest.param({"stream": False}, {}, id="stream-false-left-out"),
    pytest.param(
        {"thinking": {"type": "enabled", "budget_tokens": 1024}},
        {"reasoning": {"effort": "low", "max_tokens": 1024}},
        id="thinking-low",
    ),
    pytest.param(
        {"thinking": {"type": "enabled", "budget_tokens": 8192}},
        {"reasoning": {"effort": "medium", "max_tokens": 8192}},
        id="thinking-medium",
    ),
    pytest.param(
        {"thinking": {"type": "enabled", "budget_tokens": 31999}},
        {"reasoning": {"effort": "high", "max_tokens": 31999}},
        id="thinking-high",
    ),
    pytest.param({"thinking": {"type": "adaptive", "display": "omitted"}}, {}, id="thinking-adaptive"),
    pytest.param({"thinking": {"type": "disabled"}}, {}, id="thinking-disabled"),
    pytest.param(
        {
            "context_management": {"edits": []},
            "output_config": {"effort": "high"},
            "service_tier": "auto",
            "mcp_servers": [{"type": "url", "url": "https://x.test"}],
            "container": "c1",
            "some_field_from_next_month": {"a": 1},
        },
        {},
        id="unknown-fields-not-forwarded",
    ),
    pytest.param({"tools": [WEATHER]}, {"tools": [WEATHER_FN]}, id="tools"),
    pytest.param(
        {"tools": [{"name": "noop", "input_schema": {"type": "object"}}]},
        {
            "tools": [
                {
                    "type": "function",
                    "function": {"name": "noop", "description": "", "parameters": {"type": "object"}},
                }
            ]
        },
        id="tool-without-description",
    ),
    pytest.param(
        {
            "tools": [
                WEATHER,
                {"type": "web_search_20250305", "name": "web_search", "max_uses": 5},
                {"type": "bash_20250124", "name": "bash"},
                {"type": "custom", **WEATHER, "name": "w2"},
            ]
        },
        {"tools": [WEATHER_FN, {"type": "function", "function": {**WEATHER_FN["function"], "name": "w2"}}]},
        id="server-tools-dropped",
    ),
    pytest.param(
        {"tools": [{"type": "web_search_20250305", "name": "web_search"}], "tool_choice": {"type": "any"}},
        {},
        id="only-server-tools-no-tools-no-choice",
    ),
    pytest.param({"tool_choice": {"type": "auto"}}, {}, id="tool-choice-without-tools-dropped"),
    pytest.param(
        {"tools": [WEATHER], "tool_choice": {"type": "auto"}},
        {"tools": [WEATHER_FN], "tool_choice": "auto"},
        id="tool-choice-auto",
    ),
    pytest.param(
        {"tools": [WEATHER], "tool_choice": {"type": "any"}},
        {"tools": [WEATHER_FN], "tool_choice": "required"},
        id="tool-choice-any-is-required",
    ),
    pytest.param(
        {"tools": [WEATHER], "tool_choice": {"type": "none"}},
        {"tools": [WEATHER_FN], "tool_choice": "none"},
        id="tool-choice-none",
    ),
    pytest.param(
        {"tools": [WEATHER], "tool_choice": {"type": "tool", "name": "get_weather"}},
        {"tools": [WEATHER_FN], "tool_choice": {"type": "function", "function": {"name": "get_weather"}}},
        id="tool-choice-named",
    ),
    pytest.param(
        {"tools": [WEATHER], "tool_choice": {"type": "auto", "disable_parallel_tool_use": True}},
        {"tools": [WEATHER_FN], "tool_choice": "auto", "parallel_tool_calls": False},
        id="disable-parallel-tool-use",
    ),
]


@pytest.mark.parametrize(("extra", "expected"), FIELD_CASES)
def test_request_fields(extra: dict[str, Any], expected: dict[str, Any]) -> None:
    body = {"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "hi"}], **extra}
    out = convert(body)
    assert out == {
        "model": "up-model",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "hi"}],
        **expected,
    }


def claude_code_body() -> dict[str, Any]:
    """The shape Claude Code 2.1.33x sends (DESIGN.md §8), shortened."""
    return {
        "model": "claude-opus-5-5",
        "max_tokens": 128000,
        "stream": True,
        "thinking": {"type": "adaptive", "display": "omitted"},
        "metadata": {"user_id": "user_x_account_y_session_z"},
        "system": [
            text("You are Claude Code.", cache_control={"type": "ephemeral"}),
            text("Subagent prompt."),
            text("More rules.", cache_control={"type": "ephemeral"}),
        ],
        "messages": [
            {"role": "system", "content": "<env>Working directory: /repo</env>"},
            user(text("List files", cache_control={"type": "ephemeral"})),
            assistant(
                {"type": "thinking", "thinking": "Use Bash.", "signature": "c2ln"},
                {"type": "tool_use", "id": "toolu_01A", "name": "Bash", "input": {"command": "ls"}},
            ),
            user(tool_result("toolu_01A", [text("a.py\nb.py")]), text("Thanks")),
        ],
        "tools": [{"name": "Bash", "description": "Run", "input_schema": {"type": "object"}}],
        "tool_choice": {"type": "auto"},
        "context_management": {"edits": [{"type": "clear_thinking_20251015"}]},
        "output_config": {"effort": "high"},
    }


def test_claude_code_request_end_to_end() -> None:
    out = anthropic_to_unified(claude_code_body(), "deepseek-chat")
    assert out["model"] == "deepseek-chat"
    assert [m["role"] for m in out["messages"]] == ["system", "system", "user", "assistant", "tool", "user"]
    assert out["messages"][0]["content"] == "You are Claude Code.\nSubagent prompt.\nMore rules."
    assert out["messages"][4] == {"role": "tool", "tool_call_id": "toolu_01A", "content": "a.py\nb.py"}
    assert out["messages"][3]["tool_calls"][0]["function"] == {
        "name": "Bash",
        "arguments": '{"command":"ls"}',
    }
    assert set(out) == {
        "model", "messages", "max_tokens", "stream", "stream_options", "user", "tools", "tool_choice",
    }  # fmt: skip
    orjson.dumps(out)  # serialisable as is


def test_body_is_not_modified_and_leaves_are_shared() -> None:
    body = claude_code_body()
    before = copy.deepcopy(body)
    out = anthropic_to_unified(body, "m")
    assert body == before
    assert out["tools"][0]["function"]["parameters"] is body["tools"][0]["input_schema"]


def test_tool_use_input_none_serialises_as_empty_object() -> None:
    msgs = messages_of({"messages": [assistant({"type": "tool_use", "id": "t", "name": "n", "input": None})]})
    assert msgs[0]["tool_calls"][0]["function"]["arguments"] == "{}"


FIXTURES = Path(__file__).parents[1] / "fixtures" / "claude_code"
UNIFIED_KEYS = {
    "model", "messages", "max_tokens", "temperature", "top_p", "stop", "user", "stream", "stream_options",
    "reasoning", "tools", "tool_choice", "parallel_tool_calls",
}  # fmt: skip


@pytest.mark.parametrize(
    "name", ["main_turn.json", "subagent_turn.json", "tool_result_followup.json", "count_tokens.json"]
)
def test_recorded_claude_code_requests(name: str) -> None:
    body = orjson.loads((FIXTURES / name).read_bytes())
    before = copy.deepcopy(body)
    out = anthropic_to_unified(body, "up")
    assert body == before
    assert set(out) <= UNIFIED_KEYS
    wire = orjson.dumps(out)
    assert b"cache_control" not in wire and b"context_management" not in wire
    called: set[str] = set()
    for msg in out["messages"]:
        assert msg["role"] in ("system", "user", "assistant", "tool")
        content = msg["content"]
        assert content is None or isinstance(content, str) or all(p["type"] in ("text", "image_url") for p in content)
        called.update(c["id"] for c in msg.get("tool_calls", []))
        if msg["role"] == "tool":
            assert msg["tool_call_id"] in called
    system_blocks = body.get("system") or []
    if system_blocks:
        assert system_blocks[0]["text"].startswith("x-anthropic-billing-header:")
        assert out["messages"][0] == {"role": "system", "content": "\n".join(b["text"] for b in system_blocks[1:])}
        assert b"x-anthropic-billing-header" not in wire
    assert len(out.get("tools", [])) == len(body["tools"])


def test_a_session_shows_the_provider_one_system_prompt() -> None:
    """Claude Code's billing header changes with every request (`cc_version=2.1.332.629`, then
    `.bb5`); left in, every request's prompt would differ after ~40 bytes and the provider's
    prompt cache (by identical prefix) would never hit."""
    first, later = recorded_request("main_turn"), recorded_request("tool_result_followup")
    assert first["system"][0] != later["system"][0] and first["system"][1:] == later["system"][1:]
    systems = [anthropic_to_unified(b, "up")["messages"][0] for b in (first, later)]
    assert systems[0] == systems[1] and systems[0]["content"].startswith(first["system"][1]["text"])


@pytest.mark.parametrize(
    ("system", "expected"),
    [
        (
            [
                {"type": "text", "text": "x-anthropic-billing-header: cc_version=1"},
                {"type": "text", "text": "Be brief."},
            ],
            "Be brief.",
        ),
        (
            [
                {"type": "text", "text": "Be brief."},
                {"type": "text", "text": "x-anthropic-billing-header: cc_version=1"},
            ],
            "Be brief.\nx-anthropic-billing-header: cc_version=1",
        ),  # only Claude Code's first block is its header
        (
            "x-anthropic-billing-header: a string is the client's own prompt",
            "x-anthropic-billing-header: a string is the client's own prompt",
        ),
        ([{"type": "text", "text": "x-anthropic-billing-header: alone"}], None),
    ],
    ids=["first-block-dropped", "later-block-kept", "string-kept", "header-only"],
)
def test_the_billing_header_is_left_out(system: Any, expected: str | None) -> None:
    out = anthropic_to_unified({"system": system, "messages": [{"role": "user", "content": "q"}]}, "up")
    systems = [m["content"] for m in out["messages"] if m["role"] == "system"]
    assert systems == ([expected] if expected is not None else [])
