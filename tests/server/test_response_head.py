"""Response heads on the hot lane (server/hot_lane.py): built once per status, keep-alive and
header set, with the server's Date, the body's length and the connection's keep-alive right."""

from __future__ import annotations

from typing import Any

import pytest

from ccr.server.hot_lane import HeadCache, HotCycle

JSON = [(b"content-type", b"application/json"), (b"x-ccr-route", b"default mock,mock-model")]


class _State:
    def __init__(self) -> None:
        self.default_headers = [(b"date", b"Thu, 26 Nov 2026 10:00:00 GMT"), (b"server", b"uvicorn")]


class _Conn:
    def __init__(self) -> None:
        self.server_state = _State()
        self.heads = HeadCache()


def _head(conn: _Conn, headers: list[tuple[bytes, bytes]], *, keep_alive: bool = True, status: int = 200) -> bytes:
    cycle = HotCycle(conn, Any, [], keep_alive=keep_alive, expect_100=False, disconnect_hook=None)  # type: ignore[arg-type]
    return cycle._head_bytes(status, headers)


def _lines(head: bytes) -> list[bytes]:
    assert head.endswith(b"\r\n\r\n")
    return head[:-4].split(b"\r\n")


@pytest.mark.parametrize(
    ("headers", "keep_alive", "expected"),
    [
        pytest.param(
            [*JSON, (b"content-length", b"42")], True,
            [b"content-type: application/json", b"x-ccr-route: default mock,mock-model", b"content-length: 42"],
            id="whole-body",
        ),
        pytest.param(
            JSON, True,
            [b"content-type: application/json", b"x-ccr-route: default mock,mock-model",
             b"transfer-encoding: chunked"],
            id="stream-is-chunked",
        ),
        pytest.param(
            [*JSON, (b"content-length", b"7")], False,
            [b"content-type: application/json", b"x-ccr-route: default mock,mock-model", b"content-length: 7",
             b"connection: close"],
            id="connection-close",
        ),
        pytest.param(
            [(b"content-length", b"3"), (b"content-type", b"text/plain")], True,
            [b"content-length: 3", b"content-type: text/plain"],
            id="length-not-last",
        ),
    ],
)  # fmt: skip
def test_heads(headers: list[tuple[bytes, bytes]], keep_alive: bool, expected: list[bytes]) -> None:
    conn = _Conn()
    for _ in range(2):  # built, then from the cache: the same bytes
        lines = _lines(_head(conn, headers, keep_alive=keep_alive))
        assert lines[0] == b"HTTP/1.1 200 OK"
        assert lines[1:3] == [b"date: Thu, 26 Nov 2026 10:00:00 GMT", b"server: uvicorn"]
        assert lines[3:] == expected


def test_each_answer_gets_its_own_length_from_one_cached_head() -> None:
    conn = _Conn()
    first = _head(conn, [*JSON, (b"content-length", b"42")])
    second = _head(conn, [*JSON, (b"content-length", b"1234")])
    assert b"content-length: 42\r\n" in first and b"content-length: 1234\r\n" in second
    assert first.replace(b"42", b"1234") == second
    assert len(conn.heads.heads) == 1


def test_a_new_date_makes_new_heads() -> None:
    conn = _Conn()
    assert b"10:00:00" in _head(conn, [*JSON, (b"content-length", b"1")])
    conn.server_state.default_headers = [(b"date", b"Thu, 26 Nov 2026 10:00:01 GMT"), (b"server", b"uvicorn")]
    head = _head(conn, [*JSON, (b"content-length", b"1")])
    assert b"10:00:01" in head and b"10:00:00" not in head


def test_status_and_keep_alive_are_part_of_the_key() -> None:
    conn = _Conn()
    ok = _head(conn, [*JSON, (b"content-length", b"1")])
    failed = _head(conn, [*JSON, (b"content-length", b"1")], status=502)
    closing = _head(conn, [*JSON, (b"content-length", b"1")], keep_alive=False)
    assert ok.startswith(b"HTTP/1.1 200 ") and failed.startswith(b"HTTP/1.1 502 ")
    assert b"connection: close" in closing and b"connection" not in ok
    assert len(conn.heads.heads) == 3


@pytest.mark.parametrize(
    ("headers", "kept"),
    [
        pytest.param([(b"x-ccr-route", b"a\r\nx-injected: 1"), (b"content-length", b"1")], 0, id="crlf-in-value"),
        pytest.param([(b"x-bad\n", b"1")], 0, id="lf-in-name"),
        # the head around the length is sound and kept; the length is checked with every answer
        pytest.param([(b"content-type", b"text/plain"), (b"content-length", b"1\r\nx: 1")], 1, id="crlf-in-length"),
    ],
)
def test_a_line_break_in_a_header_is_refused_every_time(headers: list[tuple[bytes, bytes]], kept: int) -> None:
    conn = _Conn()
    for _ in range(2):
        with pytest.raises(RuntimeError, match="invalid HTTP header"):
            _head(conn, headers)
    assert len(conn.heads.heads) == kept
