"""The image agent's stream filter: hidden tool blocks, renumbered indices, held-back endings."""

from __future__ import annotations

from typing import Any

import orjson

from ccr.protocol.sse import SSEEvent, SSEParser
from ccr.routing.image_stream import AgentStream, RoundFilter


def ev(name: str, data: dict[str, Any]) -> SSEEvent:
    return SSEEvent(event=name, data=orjson.dumps({"type": name, **data}).decode())


def start(usage_in: int = 10) -> SSEEvent:
    return ev(
        "message_start",
        {"message": {"id": "m1", "role": "assistant", "content": [], "usage": {"input_tokens": usage_in}}},
    )


def text_block(index: int, *pieces: str) -> list[SSEEvent]:
    out = [ev("content_block_start", {"index": index, "content_block": {"type": "text", "text": ""}})]
    out += [ev("content_block_delta", {"index": index, "delta": {"type": "text_delta", "text": p}}) for p in pieces]
    return [*out, ev("content_block_stop", {"index": index})]


def tool_block(index: int, name: str, *json_parts: str) -> list[SSEEvent]:
    block = {"type": "tool_use", "id": f"toolu_{index}", "name": name, "input": {}}
    out = [ev("content_block_start", {"index": index, "content_block": block})]
    out += [
        ev("content_block_delta", {"index": index, "delta": {"type": "input_json_delta", "partial_json": p}})
        for p in json_parts
    ]
    return [*out, ev("content_block_stop", {"index": index})]


def tail(stop: str, out_tokens: int) -> list[SSEEvent]:
    return [
        ev(
            "message_delta",
            {"delta": {"stop_reason": stop, "stop_sequence": None}, "usage": {"output_tokens": out_tokens}},
        ),
        ev("message_stop", {}),
    ]


def run(flt: RoundFilter, events: list[SSEEvent]) -> list[tuple[str | None, dict[str, Any]]]:
    raw = b"".join(flt.feed(e) for e in events)
    return [(e.event, orjson.loads(e.data)) for e in SSEParser().feed(raw)]


def test_two_rounds_make_one_clean_message() -> None:
    stream = AgentStream()
    first = stream.begin_round()
    out1 = run(
        first,
        [
            start(),
            *text_block(0, "Let me ", "look."),
            *tool_block(1, "analyzeImage", '{"imageId":', '["1"],"task":"read"}'),
            *tail("tool_use", 20),
        ],
    )
    assert [name for name, _ in out1] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
    ]
    assert first.should_continue()
    assert first.agent_calls()[0]["input"] == {"imageId": ["1"], "task": "read"}
    assert first.content()[0] == {"type": "text", "text": "Let me look."}

    second = stream.begin_round()
    out2 = run(second, [start(99), ev("ping", {}), *text_block(0, "It says hello."), *tail("end_turn", 7)])
    assert [name for name, _ in out2] == [
        "ping",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
    ]
    # numbering continues after the first round's visible block
    assert {d["index"] for name, d in out2 if name != "ping"} == {1}
    assert not second.should_continue()

    ending = [(e.event, orjson.loads(e.data)) for e in SSEParser().feed(stream.finish(second))]
    assert ending[0][0] == "message_delta"
    assert ending[0][1]["delta"]["stop_reason"] == "end_turn"
    assert ending[0][1]["usage"]["output_tokens"] == 27
    assert ending[0][1]["usage"]["input_tokens"] == 99
    assert ending[1][0] == "message_stop"


def test_client_tool_call_stops_the_agent_and_keeps_tool_use_stop() -> None:
    stream = AgentStream()
    flt = stream.begin_round()
    out = run(
        flt,
        [
            start(),
            *tool_block(0, "analyzeImage", "{}"),
            *tool_block(1, "Bash", '{"command":"ls"}'),
            *tail("tool_use", 5),
        ],
    )
    starts = [d for name, d in out if name == "content_block_start"]
    assert [(d["index"], d["content_block"]["name"]) for d in starts] == [(0, "Bash")]
    assert not flt.should_continue()
    ending = orjson.loads(SSEParser().feed(stream.finish(flt))[0].data)
    assert ending["delta"]["stop_reason"] == "tool_use"


def test_only_agent_call_when_stopping_turns_into_end_turn() -> None:
    stream = AgentStream()
    flt = stream.begin_round()
    run(flt, [start(), *tool_block(0, "analyzeImage", '{"imageId":["1"]}'), *tail("tool_use", 5)])
    ending = orjson.loads(SSEParser().feed(stream.finish(flt))[0].data)
    assert ending["delta"]["stop_reason"] == "end_turn"


def test_error_event_passes_and_stops_the_agent() -> None:
    stream = AgentStream()
    flt = stream.begin_round()
    out = run(
        flt,
        [
            start(),
            *tool_block(0, "analyzeImage", "{}"),
            ev("error", {"error": {"type": "api_error", "message": "x"}}),
        ],
    )
    assert out[-1][0] == "error"
    assert flt.failed
    assert not flt.should_continue()


def test_thinking_and_signature_are_assembled_for_the_continuation() -> None:
    flt = AgentStream().begin_round()
    events = [
        start(),
        ev("content_block_start", {"index": 0, "content_block": {"type": "thinking", "thinking": ""}}),
        ev("content_block_delta", {"index": 0, "delta": {"type": "thinking_delta", "thinking": "hmm"}}),
        ev("content_block_delta", {"index": 0, "delta": {"type": "signature_delta", "signature": "sig"}}),
        ev("content_block_stop", {"index": 0}),
    ]
    run(flt, events)
    assert flt.content() == [{"type": "thinking", "thinking": "hmm", "signature": "sig"}]


def test_junk_events_are_dropped() -> None:
    flt = AgentStream().begin_round()
    assert flt.feed(SSEEvent(event="content_block_delta", data="{not json")) == b""
    assert flt.feed(SSEEvent(event="content_block_delta", data="[1]")) == b""
    assert flt.feed(ev("content_block_delta", {"index": "x"})) == b""
    assert flt.feed(ev("content_block_start", {"index": 0, "content_block": "x"})) == b""
