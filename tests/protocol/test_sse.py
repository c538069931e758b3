"""The incremental SSE parser: line ends, comments, multi-line data, any byte split."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccr.protocol.sse import PING, SSEEvent, SSEParser, encode_event
from tests.protocol.recorded import recorded, recorded_reads


def parse_whole(data: bytes) -> list[SSEEvent]:
    parser = SSEParser()
    return parser.feed(data) + parser.flush()


def parse_pieces(pieces: list[bytes]) -> list[SSEEvent]:
    parser = SSEParser()
    events: list[SSEEvent] = []
    for piece in pieces:
        events += parser.feed(piece)
    return events + parser.flush()


E = SSEEvent

CASES = [
    pytest.param(b"data: a\n\n", [E(None, "a")], id="lf"),
    pytest.param(b"data: a\r\n\r\n", [E(None, "a")], id="crlf"),
    pytest.param(b"data: a\r\rdata: b\r\r", [E(None, "a"), E(None, "b")], id="cr-only"),
    pytest.param(b"data: a\r\n\ndata: b\n\r\n", [E(None, "a"), E(None, "b")], id="mixed-line-ends"),
    pytest.param(b"event: message_start\ndata: {}\n\n", [E("message_start", "{}")], id="event-name"),
    pytest.param(b": keep-alive\n\ndata: x\n\n", [E(None, "x")], id="comment-alone-is-no-event"),
    pytest.param(b"data: x\n: comment inside\ndata: y\n\n", [E(None, "x\ny")], id="comment-inside-event"),
    pytest.param(b"data: line1\ndata: line2\ndata:\n\n", [E(None, "line1\nline2\n")], id="multi-line-data"),
    pytest.param(b"data:nospace\n\n", [E(None, "nospace")], id="no-space-after-colon"),
    pytest.param(b"data:  two\n\n", [E(None, " two")], id="only-one-space-stripped"),
    pytest.param(b"data\n\n", [E(None, "")], id="field-without-colon"),
    pytest.param(b"data: [DONE]\n\n", [E(None, "[DONE]")], id="done-is-an-event"),
    pytest.param(b"data: tail", [E(None, "tail")], id="last-event-without-blank-line"),
    pytest.param(b"data: tail\n", [E(None, "tail")], id="last-event-without-second-newline"),
    pytest.param(b"event: ping\n\ndata: x\n\n", [E(None, "x")], id="event-without-data-not-dispatched"),
    pytest.param(b"id: 7\nretry: 10\nfoo: bar\ndata: x\n\n", [E(None, "x")], id="other-fields-ignored"),
    pytest.param(b"\xef\xbb\xbfdata: x\n\n", [E(None, "x")], id="leading-bom"),
    pytest.param(b"\n\n\ndata: x\n\n\n\n", [E(None, "x")], id="extra-blank-lines"),
    pytest.param("data: héllo ✓\n\n".encode(), [E(None, "héllo ✓")], id="utf8"),
    pytest.param(b"event:\ndata: x\n\n", [E(None, "x")], id="empty-event-name-is-default"),
    pytest.param(b"event: a\ndata: 1\n\ndata: 2\n\n", [E("a", "1"), E(None, "2")], id="event-name-resets"),
]


@pytest.mark.parametrize(("data", "expected"), CASES)
def test_parse_whole(data: bytes, expected: list[SSEEvent]) -> None:
    assert parse_whole(data) == expected


@pytest.mark.parametrize(("data", "expected"), CASES)
def test_every_single_split_point(data: bytes, expected: list[SSEEvent]) -> None:
    for cut in range(len(data) + 1):
        assert parse_pieces([data[:cut], data[cut:]]) == expected, f"cut at {cut}"


@pytest.mark.parametrize(("data", "expected"), CASES)
def test_byte_by_byte(data: bytes, expected: list[SSEEvent]) -> None:
    assert parse_pieces([data[i : i + 1] for i in range(len(data))]) == expected


def test_crlf_split_across_reads_with_empty_read_between() -> None:
    # An empty read between the CR and the LF must not turn one line end into two.
    assert parse_pieces([b"data: a\r", b"", b"\ndata: b\n\n"]) == [E(None, "a\nb")]


def test_events_come_out_as_soon_as_complete() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: a\n") == []
    assert parser.feed(b"\ndata: b") == [E(None, "a")]
    assert parser.flush() == [E(None, "b")]


@pytest.mark.parametrize("name", ["llamacpp_text.sse", "llamacpp_tool.sse"])
def test_recorded_stream_as_it_arrived(name: str) -> None:
    whole = parse_whole(recorded(name))
    assert parse_pieces(recorded_reads(name)) == whole
    assert whole[-1] == E(None, "[DONE]")
    assert all(e.data.startswith("{") for e in whole[:-1])


RECORDED = recorded("llamacpp_tool.sse") + recorded("llamacpp_text.sse")


@settings(max_examples=200, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=len(RECORDED)), max_size=40))
def test_any_byte_split_of_a_recorded_stream(cuts: list[int]) -> None:
    bounds = [0, *sorted(cuts), len(RECORDED)]
    pieces = [RECORDED[a:b] for a, b in itertools.pairwise(bounds)]
    assert parse_pieces(pieces) == parse_whole(RECORDED)


@settings(max_examples=200, deadline=None)
@given(
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=20),
    ending=st.sampled_from([b"\n", b"\r\n", b"\r"]),
)
def test_any_split_with_any_line_ending(cuts: list[int], ending: bytes) -> None:
    tail = [b"event: x", b": c", b"data: 1", b"data: 2", b"", b""]
    data = RECORDED[:400].replace(b"\n", ending) + ending.join(tail)
    bounds = [0, *sorted(c for c in cuts if c <= len(data)), len(data)]
    pieces = [data[a:b] for a, b in itertools.pairwise(bounds)]
    expected = parse_whole(RECORDED[:400] + b"event: x\n: c\ndata: 1\ndata: 2\n\n")
    assert parse_pieces(pieces) == expected


def test_encode_event_round_trips() -> None:
    wire = encode_event("content_block_stop", b'{"type":"content_block_stop","index":0}')
    assert wire == b'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n'
    assert parse_whole(wire) == [E("content_block_stop", '{"type":"content_block_stop","index":0}')]
    assert parse_whole(PING) == [E("ping", '{"type":"ping"}')]
