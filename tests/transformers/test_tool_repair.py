"""`tooluse` and `enhancetool`: request side, JSON answers and streams (every split where it matters)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ccr.transformers.enhancetool import EnhanceTool, repair_arguments
from ccr.transformers.testing import (
    chunks,
    completion,
    make_ctx,
    run_request,
    run_response,
    run_stream,
    stream_text,
    stream_tool_calls,
)
from ccr.transformers.tooluse import EXIT_TOOL, ToolUse

READ = {"type": "function", "function": {"name": "Read", "parameters": {"type": "object"}}}


def call_chunk(
    index: int, arguments: str | None = None, name: str | None = None, call_id: str | None = None
) -> dict[str, Any]:
    call: dict[str, Any] = {"index": index, "function": {}}
    if name is not None:
        call["function"]["name"] = name
        call["id"] = call_id or f"call_{index}"
        call["type"] = "function"
    if arguments is not None:
        call["function"]["arguments"] = arguments
    return {"id": "x", "model": "m", "choices": [{"index": 0, "delta": {"tool_calls": [call]}, "finish_reason": None}]}


def finish(reason: str) -> dict[str, Any]:
    return chunks(finish=reason)[0]


# ---------------------------------------------------------------- tooluse


def test_tooluse_request_requires_tools_and_adds_exit_tool() -> None:
    body = {"messages": [{"role": "user", "content": "go"}], "tools": [READ]}
    out = run_request(ToolUse(), body)
    assert out["tool_choice"] == "required"
    assert [t["function"]["name"] for t in out["tools"]] == ["Read", EXIT_TOOL]
    assert out["messages"][-1]["role"] == "system" and EXIT_TOOL in out["messages"][-1]["content"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"messages": [{"role": "user", "content": "hi"}]}, id="no-tools"),
        pytest.param({"messages": [], "tools": [READ], "tool_choice": "none"}, id="tool-choice-none"),
    ],
)
def test_tooluse_leaves_requests_without_tool_use_alone(body: dict[str, Any]) -> None:
    before = orjson.dumps(body)
    assert orjson.dumps(run_request(ToolUse(), body)) == before


def test_tooluse_json_exit_tool_becomes_text() -> None:
    calls = [{"id": "c", "type": "function", "function": {"name": EXIT_TOOL, "arguments": '{"response": "All done."}'}}]
    out = run_response(ToolUse(), completion(None, tool_calls=calls))
    choice = out["choices"][0]
    assert choice["message"]["content"] == "All done."
    assert "tool_calls" not in choice["message"]
    assert choice["finish_reason"] == "stop"


def test_tooluse_json_keeps_real_tool_calls() -> None:
    calls = [
        {"id": "a", "type": "function", "function": {"name": "Read", "arguments": "{}"}},
        {"id": "b", "type": "function", "function": {"name": EXIT_TOOL, "arguments": '{"response": "x"}'}},
    ]
    out = run_response(ToolUse(), completion(None, tool_calls=calls))
    assert [c["id"] for c in out["choices"][0]["message"]["tool_calls"]] == ["a"]
    assert out["choices"][0]["finish_reason"] == "tool_calls"


@pytest.mark.parametrize("split", [1, 3, 7, 15])
def test_tooluse_stream_exit_tool_arguments_become_one_text_delta(split: int) -> None:
    args = '{"response": "The answer is 42."}'
    pieces = [args[i : i + split] for i in range(0, len(args), split)]
    stream = [call_chunk(0, "", EXIT_TOOL), *(call_chunk(0, p) for p in pieces), finish("tool_calls")]
    out = run_stream(ToolUse(), stream)
    assert stream_text(out) == "The answer is 42."
    assert stream_tool_calls(out) == {}
    assert out[-1]["choices"][0]["finish_reason"] == "stop"


def test_tooluse_stream_passes_other_tools_through() -> None:
    stream = [call_chunk(0, '{"file_path": "/a"}', "Read"), finish("tool_calls")]
    out = run_stream(ToolUse(), stream)
    assert stream_tool_calls(out)[0]["arguments"] == '{"file_path": "/a"}'
    assert out[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_tooluse_stream_without_finish_still_answers_at_end() -> None:
    out = run_stream(ToolUse(), [call_chunk(0, '{"response": "ok"', EXIT_TOOL)])
    assert stream_text(out) == "ok"


# ---------------------------------------------------------------- enhancetool


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param('{"a": 1}', {"a": 1}, id="valid"),
        pytest.param("{'a': 'x', b: 2,}", {"a": "x", "b": 2}, id="json5"),
        pytest.param("{'ok': True, 'n': None}", {"ok": True, "n": None}, id="python-literals"),
        pytest.param('{"a": [1, 2', {"a": [1, 2]}, id="cut-off"),
        pytest.param('"{\\"a\\": 1}"', {"a": 1}, id="encoded-twice"),
        pytest.param("not json at all", {}, id="hopeless"),
        pytest.param("", {}, id="empty"),
        pytest.param(None, {}, id="none"),
    ],
)
def test_repair_arguments(raw: Any, expected: dict[str, Any]) -> None:
    assert orjson.loads(repair_arguments(raw)) == expected


def test_enhancetool_json() -> None:
    calls = [{"id": "c", "type": "function", "function": {"name": "Edit", "arguments": "{'path': 'a.py',}"}}]
    out = run_response(EnhanceTool(), completion(None, tool_calls=calls))
    assert orjson.loads(out["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]) == {"path": "a.py"}


def test_enhancetool_stream_valid_json_flows_live() -> None:
    pieces = ['{"file', '_path": "/tmp', '/a.txt"}']
    stream = [call_chunk(0, "", "Read"), *(call_chunk(0, p) for p in pieces), finish("tool_calls")]
    out = run_stream(EnhanceTool(), stream)
    # each fragment is forwarded in its own chunk, unchanged: streaming is not lost
    forwarded = [c["choices"][0]["delta"]["tool_calls"][0]["function"].get("arguments") for c in out[1:4]]
    assert forwarded == pieces
    assert stream_tool_calls(out)[0]["arguments"] == '{"file_path": "/tmp/a.txt"}'


def test_enhancetool_stream_drops_garbage_after_the_object() -> None:
    stream = [call_chunk(0, '{"a": 1}', "X"), call_chunk(0, "}\n<|end|>"), finish("tool_calls")]
    assert stream_tool_calls(run_stream(EnhanceTool(), stream))[0]["arguments"] == '{"a": 1}'


def test_enhancetool_stream_closes_a_cut_off_object() -> None:
    stream = [call_chunk(0, '{"cmd": "ls', "Bash"), finish("length")]
    args = stream_tool_calls(run_stream(EnhanceTool(), stream))[0]["arguments"]
    assert orjson.loads(args) == {"cmd": "ls"}


@pytest.mark.parametrize("with_finish", [True, False], ids=["finish", "stream-end"])
def test_enhancetool_stream_holds_and_repairs_non_json(with_finish: bool) -> None:
    stream = [call_chunk(0, "", "Read"), call_chunk(0, "{'file_path':"), call_chunk(0, " '/a'}")]
    if with_finish:
        stream.append(finish("tool_calls"))
    out = run_stream(EnhanceTool(), stream)
    assert orjson.loads(stream_tool_calls(out)[0]["arguments"]) == {"file_path": "/a"}


def test_enhancetool_stream_two_calls_interleaved() -> None:
    stream = [
        call_chunk(0, '{"a":', "A"),
        call_chunk(1, "{'b': 2}", "B"),
        call_chunk(0, " 1}"),
        finish("tool_calls"),
    ]
    calls = stream_tool_calls(run_stream(EnhanceTool(), stream, make_ctx(stream=True)))
    assert orjson.loads(calls[0]["arguments"]) == {"a": 1}
    assert orjson.loads(calls[1]["arguments"]) == {"b": 2}
