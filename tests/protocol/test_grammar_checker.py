"""The Anthropic stream grammar checker (ccr.testing_sse) accepts real streams and names each
rule a broken stream violates."""

from __future__ import annotations

from typing import Any

import pytest

from ccr.testing_sse import Event, assemble_message, check_anthropic_stream, parse_sse_bytes


def ev(kind: str, **data: Any) -> Event:
    return (kind, {"type": kind, **data})


START = ev(
    "message_start",
    message={
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 1},
    },
)
PING = ev("ping")
TEXT_START = ev("content_block_start", index=0, content_block={"type": "text", "text": ""})


def text_delta(index: int, value: str) -> Event:
    return ev("content_block_delta", index=index, delta={"type": "text_delta", "text": value})


def stop(index: int) -> Event:
    return ev("content_block_stop", index=index)


def end(reason: str = "end_turn", **delta: Any) -> list[Event]:
    return [
        ev(
            "message_delta",
            delta={"stop_reason": reason, "stop_sequence": None, **delta},
            usage={"output_tokens": 5},
        ),
        ev("message_stop"),
    ]


THINKING = [
    ev("content_block_start", index=0, content_block={"type": "thinking", "thinking": ""}),
    ev("content_block_delta", index=0, delta={"type": "thinking_delta", "thinking": "Let me think"}),
    ev("content_block_delta", index=0, delta={"type": "signature_delta", "signature": "EqQBCgIYAhIM"}),
    stop(0),
]
TOOL = [
    ev(
        "content_block_start",
        index=1,
        content_block={
            "type": "tool_use",
            "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
            "name": "get_weather",
            "input": {},
        },
    ),
    ev("content_block_delta", index=1, delta={"type": "input_json_delta", "partial_json": ""}),
    ev(
        "content_block_delta",
        index=1,
        delta={"type": "input_json_delta", "partial_json": '{"location": "San Fra'},
    ),
    ev("content_block_delta", index=1, delta={"type": "input_json_delta", "partial_json": 'ncisco, CA"}'}),
    stop(1),
]

VALID = [
    pytest.param([START, PING, TEXT_START, text_delta(0, "Hi"), stop(0), *end()], id="text-with-ping"),
    pytest.param([START, *THINKING, *TOOL, *end("tool_use")], id="thinking-then-tool"),
    pytest.param([START, *end()], id="no-content"),
    pytest.param(
        [START, TEXT_START, ev("error", error={"type": "overloaded_error", "message": "Overloaded"})],
        id="error-mid-stream",
    ),
    pytest.param([START, *end("stop_sequence", stop_sequence="###")], id="stop-sequence"),
]


@pytest.mark.parametrize("events", VALID)
def test_valid_streams_pass(events: list[Event]) -> None:
    check_anthropic_stream(events)


INVALID = [
    pytest.param([TEXT_START, stop(0), *end()], "message_start must come first", id="no-message-start"),
    pytest.param([START, START, *end()], "message_start must come first", id="two-message-starts"),
    pytest.param([START, TEXT_START, text_delta(0, "x"), *end()], "block 0 is still open", id="block-left-open"),
    pytest.param(
        [START, TEXT_START, ev("content_block_start", index=1, content_block={"type": "text", "text": ""})],
        "block 0 is still open",
        id="two-blocks-open",
    ),
    pytest.param(
        [START, ev("content_block_start", index=1, content_block={"type": "text", "text": ""})],
        "index must be 0",
        id="index-gap",
    ),
    pytest.param(
        [START, TEXT_START, text_delta(3, "x")], "index must be 0", id="delta-on-wrong-index"
    ),  # CCR's text-after-tool bug
    pytest.param([START, text_delta(0, "x")], "delta without an open block", id="delta-outside-block"),
    pytest.param(
        [
            START,
            TEXT_START,
            ev("content_block_delta", index=0, delta={"type": "input_json_delta", "partial_json": ""}),
        ],
        "is not allowed in a text block",
        id="wrong-delta-type",
    ),
    pytest.param([START, *THINKING[:2], stop(0)], "needs a signature_delta", id="thinking-unsigned"),
    pytest.param(
        [START, THINKING[0], THINKING[2], THINKING[1], stop(0)],
        "signature_delta must be the thinking block's last delta",
        id="thinking-after-signature",
    ),
    pytest.param(
        [START, *TOOL[:1], *TOOL[2:3], stop(1)],
        "index must be 0",
        id="tool-block-wrong-first-index",
    ),
    pytest.param(
        [
            START,
            ev(
                "content_block_start",
                index=0,
                content_block={"type": "tool_use", "id": "t", "name": "A", "input": {}},
            ),
            ev("content_block_delta", index=0, delta={"type": "input_json_delta", "partial_json": '{"a":'}),
            stop(0),
        ],
        "tool input is not a JSON object",
        id="tool-json-incomplete",
    ),
    pytest.param(
        [
            START,
            ev(
                "content_block_start",
                index=0,
                content_block={"type": "tool_use", "id": "a.b", "name": "A", "input": {}},
            ),
        ],
        "bad tool id",
        id="tool-id-pattern",
    ),
    pytest.param([START, *end("finished")], "bad stop_reason", id="unknown-stop-reason"),
    pytest.param([START, *end("stop_sequence")], "stop_sequence must name the sequence", id="stop-sequence-unnamed"),
    pytest.param([START, end()[1]], "message_stop must follow message_delta", id="stop-without-delta"),
    pytest.param([START, *end(), PING], "nothing may follow", id="event-after-stop"),
    pytest.param([START, TEXT_START, stop(0)], "without message_stop", id="truncated"),
    pytest.param([("message_start", {**START[1], "type": "ping"})], "data.type is 'ping'", id="name-type-mismatch"),
    pytest.param([START, ev("mystery")], "unknown event type", id="unknown-event"),
    pytest.param(
        [START, ev("message_delta", delta={"stop_reason": "end_turn"}, usage={}), ev("message_stop")],
        "output_tokens",
        id="usage-without-output-tokens",
    ),
]


@pytest.mark.parametrize(("events", "message"), INVALID)
def test_invalid_streams_fail_with_the_rule(events: list[Event], message: str) -> None:
    with pytest.raises(AssertionError, match=r"event #|stream ended") as caught:
        check_anthropic_stream(events)
    assert message in str(caught.value)


def test_parse_and_assemble_a_documented_stream() -> None:
    raw = (
        b"event: message_start\n"
        b'data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant",'
        b'"model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}}\n\n'
        b'event: ping\ndata: {"type":"ping"}\n\n'
        b"event: content_block_start\n"
        b'data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n'
        b"event: content_block_delta\n"
        b'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n'
        b'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n'
        b"event: message_delta\n"
        b'data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},'
        b'"usage":{"output_tokens":2}}\n\n'
        b'event: message_stop\ndata: {"type":"message_stop"}'  # no final blank line
    )
    events = parse_sse_bytes(raw)
    check_anthropic_stream(events)
    message = assemble_message(events)
    assert message["content"] == [{"type": "text", "text": "Hi"}]
    assert message["stop_reason"] == "end_turn"
    assert message["usage"] == {"input_tokens": 3, "output_tokens": 2}


def test_parse_sse_bytes_rejects_non_object_data() -> None:
    with pytest.raises(AssertionError, match="not a JSON object"):
        parse_sse_bytes(b"event: x\ndata: [1]\n\n")
