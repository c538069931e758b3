"""Builders give the OpenAI wire shapes; write plans and the SSE collector are exact."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ccr.testing import (
    collect_sse,
    openai_completion,
    openai_text_chunks,
    openai_tool_call_chunks,
    parse_sse,
    plan_writes,
)


def _args_by_index(chunks: list[dict[str, Any]]) -> dict[int, str]:
    out: dict[int, str] = {}
    for c in chunks:
        for choice in c["choices"]:
            for call in choice["delta"].get("tool_calls", []):
                out[call["index"]] = out.get(call["index"], "") + call["function"]["arguments"]
    return out


def test_completion_with_tool_calls_and_cached_usage() -> None:
    body = openai_completion(tool_calls=[("c1", "Bash", '{"command":"ls"}')], usage=(100, 7, 40), reasoning="hm")
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    call = {"id": "c1", "type": "function", "function": {"name": "Bash", "arguments": '{"command":"ls"}'}}
    assert choice["message"] == {
        "role": "assistant", "content": None, "reasoning_content": "hm", "tool_calls": [call],
    }  # fmt: skip
    assert body["usage"] == {
        "prompt_tokens": 100, "completion_tokens": 7, "total_tokens": 107,
        "prompt_tokens_details": {"cached_tokens": 40},
    }  # fmt: skip


def test_text_chunks_carry_role_pieces_finish_and_usage_chunk() -> None:
    chunks = openai_text_chunks("Hello world", pieces=["Hel", "lo world"], reasoning="think")
    deltas = [c["choices"][0]["delta"] if c["choices"] else None for c in chunks]
    assert deltas[0] == {"role": "assistant", "content": ""}
    assert "".join(d.get("reasoning_content", "") for d in deltas if d) == "think"
    assert [d["content"] for d in deltas[3:5] if d] == ["Hel", "lo world"]
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 5


@pytest.mark.parametrize("interleave", [pytest.param(False, id="sequential"), pytest.param(True, id="interleaved")])
def test_tool_call_chunks_deliver_every_fragment(interleave: bool) -> None:
    calls = [("a", "Read", '{"file_path": "/tmp/one.txt"}'), ("b", "Bash", '{"command": "true"}')]
    chunks = openai_tool_call_chunks(calls, fragment_size=4, interleave=interleave)
    assert _args_by_index(chunks) == {0: calls[0][2], 1: calls[1][2]}
    indexes = [
        c["choices"][0]["delta"]["tool_calls"][0]["index"]
        for c in chunks
        if c["choices"] and "tool_calls" in c["choices"][0]["delta"]
    ]
    assert (indexes != sorted(indexes)) is interleave
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"


@pytest.mark.parametrize(
    ("kwargs", "count"),
    [
        pytest.param({}, 5, id="event-per-write-plus-done"),
        pytest.param({"coalesce_tail": True}, 3, id="finish-usage-done-in-one-write"),
        pytest.param({"done": False}, 4, id="no-done"),
        pytest.param({"reset_after_events": 2}, 2, id="cut-after-two"),
    ],
)
def test_plan_writes_event_mode(kwargs: dict[str, Any], count: int) -> None:
    writes = plan_writes(openai_text_chunks("ab", pieces=1), **kwargs)
    assert len(writes) == count
    if kwargs.get("coalesce_tail"):
        assert writes[-1].count(b"data: ") == 3 and writes[-1].endswith(b"data: [DONE]\n\n")


@pytest.mark.parametrize("seed", [pytest.param(s, id=f"seed-{s}") for s in range(5)])
def test_random_split_reassembles_and_is_seeded(seed: int) -> None:
    events = openai_text_chunks("The quick brown fox jumps", pieces=6)
    whole = b"".join(plan_writes(events))
    writes = plan_writes(events, split="random", seed=seed)
    assert b"".join(writes) == whole and len(writes) > 10 and all(writes)
    assert writes == plan_writes(events, split="random", seed=seed)
    assert writes != plan_writes(events, split="random", seed=seed + 100)


def test_collect_sse_parses_named_events_and_skips_done() -> None:
    data = b'event: message_start\r\ndata: {"a":\r\ndata: 1}\r\n\r\n: ping\n\ndata: [DONE]\n\n'
    assert collect_sse(data) == [("message_start", {"a": 1})]
    assert [e.data for e in parse_sse(data)] == ['{"a":\n1}', "[DONE]"]


def test_collect_sse_rejects_garbled_data() -> None:
    with pytest.raises(ValueError):
        collect_sse(b"data: {oops\n\n")


def test_plan_writes_rejects_bad_split() -> None:
    with pytest.raises(ValueError, match="positive byte count"):
        plan_writes([{"x": 1}], split=0)
    assert orjson.loads(plan_writes([{"x": 1}], done=False)[0][6:]) == {"x": 1}
