"""Property: any interleaving of text, reasoning and tool-call fragments, split at any byte on the
wire, gives valid Anthropic grammar and loses no text, reasoning or argument byte."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from ccr.protocol.sse import SSEParser
from ccr.protocol.stream_writer import AnthropicStreamWriter
from ccr.testing_sse import assemble_message, check_anthropic_stream, parse_sse_bytes
from tests.protocol.stream_helpers import chunk, usage_chunk

LEAF = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=8)
JSON_VALUE = st.recursive(LEAF, lambda inner: st.lists(inner, max_size=3), max_leaves=6)
NOISE = [
    chunk({"role": "assistant", "content": None}),
    chunk({}),
    chunk({"content": ""}),
    {"choices": []},
    chunk({"content": None, "reasoning_content": None}),
]


@dataclass
class Scenario:
    chunks: list[dict[str, Any]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    thoughts: list[str] = field(default_factory=list)
    tools: dict[int, dict[str, Any]] = field(default_factory=dict)  # index → {"name", "input"}
    first_seen: list[int] = field(default_factory=list)


def tool_fragments(draw: st.DrawFn, index: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    target = draw(st.dictionaries(st.text(max_size=4), JSON_VALUE, max_size=3))
    pretty = draw(st.booleans())  # some servers indent their arguments
    raw = orjson.dumps(target, option=orjson.OPT_INDENT_2 if pretty else None).decode()
    cuts = sorted(draw(st.lists(st.integers(0, len(raw)), max_size=5)))
    pieces = [raw[a:b] for a, b in itertools.pairwise([0, *cuts, len(raw)])]
    name_at = draw(st.integers(0, len(pieces) - 1))  # the id and name may come late
    calls: list[dict[str, Any]] = []
    for position, piece in enumerate(pieces):
        call: dict[str, Any] = {"index": index, "function": {"arguments": piece}}
        if position == name_at:
            call["id"] = f"call_{index}"
            call["type"] = "function"
            call["function"]["name"] = f"tool{index}"
        calls.append(call)
    return calls, target


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    scenario = Scenario()
    sources: list[list[tuple[str, Any]]] = []
    for index in range(draw(st.integers(0, 3))):
        calls, target = tool_fragments(draw, index)
        scenario.tools[index] = {"name": f"tool{index}", "input": target}
        sources.append([("tool", c) for c in calls])
    texts = draw(st.lists(st.text(min_size=1, max_size=6), max_size=6))
    thoughts = draw(st.lists(st.text(min_size=1, max_size=6), max_size=4))
    sources.append([("text", t) for t in texts])
    sources.append([("thinking", t) for t in thoughts])
    sources = [s for s in sources if s]
    while sources:
        source = sources[draw(st.integers(0, len(sources) - 1))]
        kind, value = source.pop(0)
        if not source:
            sources.remove(source)
        if draw(st.integers(0, 5)) == 0:
            scenario.chunks.append(draw(st.sampled_from(NOISE)))
        if kind == "text":
            scenario.texts.append(value)
            scenario.chunks.append(chunk({"content": value}))
        elif kind == "thinking":
            scenario.thoughts.append(value)
            scenario.chunks.append(chunk({"reasoning_content": value}))
        else:
            if value["index"] not in scenario.first_seen:
                scenario.first_seen.append(value["index"])
            scenario.chunks.append(chunk({"tool_calls": [value]}))
    finish = draw(st.sampled_from(["stop", "tool_calls", "length", None]))
    scenario.chunks.append(chunk(finish=finish))
    if draw(st.booleans()):
        scenario.chunks.append(usage_chunk(100, 20, 30))
    return scenario


def wire(chunks: list[dict[str, Any]]) -> bytes:
    return b"".join(b"data: " + orjson.dumps(c) + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"


@settings(max_examples=300, deadline=None)
@given(scenario=scenarios(), cuts=st.lists(st.integers(0, 100_000), max_size=12))
def test_any_interleaving_any_split(scenario: Scenario, cuts: list[int]) -> None:
    data = wire(scenario.chunks)
    bounds = [0, *sorted(c % (len(data) + 1) for c in cuts), len(data)]
    writer = AnthropicStreamWriter("claude-test", input_tokens=5)
    parser = SSEParser()
    out = [writer.start()]
    for a, b in itertools.pairwise(bounds):
        for event in parser.feed(data[a:b]):
            if event.data != "[DONE]":
                out.append(writer.feed(orjson.loads(event.data)))
    out.extend(writer.feed(orjson.loads(e.data)) for e in parser.flush() if e.data != "[DONE]")
    out.append(writer.finish())

    events = parse_sse_bytes(b"".join(out))
    check_anthropic_stream(events)
    content = assemble_message(events)["content"]
    assert "".join(b["text"] for b in content if b["type"] == "text") == "".join(scenario.texts)
    assert "".join(b["thinking"] for b in content if b["type"] == "thinking") == "".join(scenario.thoughts)
    assert writer.output_text == "".join(scenario.texts)
    tool_blocks = [b for b in content if b["type"] == "tool_use"]
    assert [b["name"] for b in tool_blocks] == [f"tool{i}" for i in scenario.first_seen]
    for block, index in zip(tool_blocks, scenario.first_seen, strict=True):
        assert block["input"] == scenario.tools[index]["input"]
        assert block["id"] == f"call_{index}"
    stop_reason = events[-2][1]["delta"]["stop_reason"]
    assert stop_reason != "end_turn" or not tool_blocks
