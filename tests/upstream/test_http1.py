"""The http1 transport over real loopback sockets: bodies, encodings, keep-alive and stale connections.

Every scenario runs on both event loops the router may use (asyncio's and uvloop's).
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import pytest
import uvloop

from ccr.transformers.base import UpstreamRequest
from ccr.upstream.http1 import Http1Transport, encode_head, parse_target
from ccr.upstream.transport import Timeouts, TransportError
from tests.upstream.http_script import Answer, ScriptServer, Seen, chunked, gzipped, response, send

T = Timeouts(connect=5, first_byte=5, idle=5, total=None)


@pytest.fixture(params=["asyncio", "uvloop"])
def run(request: pytest.FixtureRequest) -> Callable[[Coroutine[Any, Any, None]], None]:
    def runner(coro: Coroutine[Any, Any, None]) -> None:
        if request.param == "uvloop":
            uvloop.run(coro)
        else:
            asyncio.run(coro)

    return runner


Run = Callable[[Coroutine[Any, Any, None]], None]


def req(url: str, body: bytes = b'{"x":1}', **headers: str) -> UpstreamRequest:
    base = {"Authorization": "Bearer sk-test", "Content-Type": "application/json"}
    return UpstreamRequest(url, {**base, **headers}, body)


async def call(t: Http1Transport, url: str, timeouts: Timeouts = T, stream: bool = False) -> tuple[int, bytes]:
    resp = await t.send(req(url), timeouts)
    try:
        if not stream:
            return resp.status, await resp.read()
        parts = []
        while chunk := await resp.read_chunk():
            parts.append(chunk)
        return resp.status, b"".join(parts)
    finally:
        resp.close()


Body = Callable[[ScriptServer, Http1Transport], Awaitable[None]]


def scenario(answers: list[Answer], body: Body) -> Coroutine[Any, Any, None]:
    async def main() -> None:
        async with ScriptServer(answers) as srv:
            t = Http1Transport()
            try:
                await body(srv, t)
            finally:
                await t.close()

    return main()


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        pytest.param(response(200, b'{"ok":true}'), b'{"ok":true}', id="content-length"),
        pytest.param(chunked([b'{"a":', b"1}"]), b'{"a":1}', id="chunked"),
        pytest.param(response(200, gzipped(b"hello " * 50), "Content-Encoding: gzip"), b"hello " * 50, id="gzip"),
        pytest.param(response(200, zlib.compress(b"zz" * 40), "Content-Encoding: deflate"), b"zz" * 40, id="deflate"),
        pytest.param(
            response(200, zlib.compress(b"raw", wbits=-15), "Content-Encoding: deflate"), b"raw", id="raw-deflate"
        ),
        pytest.param(response(204, b""), b"", id="no-content"),
        pytest.param(b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + response(200, b"after"), b"after", id="1xx"),
    ],
)
def test_bodies_are_read_whole(run: Run, wire: bytes, expected: bytes) -> None:
    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        status, data = await call(t, srv.url)
        assert data == expected and status in (200, 204)
        # and the connection is reused for the next call
        assert (await call(t, srv.url))[1] == expected
        assert srv.connections == 1

    run(scenario([send(wire)], body))


def test_body_until_close_is_read_and_not_reused(run: Run) -> None:
    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        assert await call(t, srv.url) == (200, b"to the end")
        assert await call(t, srv.url) == (200, b"to the end")
        assert srv.connections == 2

    run(scenario([send(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the end", keep=False)], body))


def test_gzip_stream_is_decoded_piece_by_piece(run: Run) -> None:
    comp = zlib.compressobj(wbits=31)
    pieces = [comp.compress(b"data: %d\n\n" % i) + comp.flush(zlib.Z_SYNC_FLUSH) for i in range(5)] + [comp.flush()]

    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        status, data = await call(t, srv.url, stream=True)
        assert status == 200
        assert data == b"".join(b"data: %d\n\n" % i for i in range(5))

    run(scenario([send(chunked(pieces, "Content-Encoding: gzip"))], body))


def test_request_bytes_on_the_wire(run: Run) -> None:
    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        await call(t, srv.url)
        (seen,) = srv.requests
        assert seen.head.startswith(b"POST /v1/chat/completions HTTP/1.1\r\n")
        assert seen.header("host") == srv.url.split("/")[2]
        assert seen.header("authorization") == "Bearer sk-test"
        assert seen.header("content-length") == "7" and seen.body == b'{"x":1}'
        assert seen.header("accept-encoding") == "gzip, deflate"
        assert seen.header("user-agent") is None

    run(scenario([send(response(200, b"{}"))], body))


@pytest.mark.parametrize(
    ("url", "head"),
    [
        pytest.param("http://h/v1?a=b", "POST /v1?a=b HTTP/1.1\r\nHost: h\r\n", id="query"),
        pytest.param("https://h:8443", "POST / HTTP/1.1\r\nHost: h:8443\r\n", id="no-path"),
        pytest.param("http://[::1]:9/x", "POST /x HTTP/1.1\r\nHost: [::1]:9\r\n", id="ipv6"),
        pytest.param("http://u:p%40@h/x", "POST /x HTTP/1.1\r\nHost: h\r\n", id="userinfo"),
        pytest.param("http://h/é", "POST /%C3%A9 HTTP/1.1\r\nHost: h\r\n", id="non-ascii-path"),
    ],
)
def test_targets(url: str, head: str) -> None:
    assert parse_target(url).head == head


def test_userinfo_becomes_basic_auth_unless_a_key_is_set() -> None:
    target = parse_target("http://u:p%40@h/x")
    wire = encode_head(target, UpstreamRequest("", {}, b""))
    assert b"Authorization: Basic dTpwQA==\r\n" in wire
    wire = encode_head(target, UpstreamRequest("", {"authorization": "Bearer k"}, b""))
    assert b"Basic" not in wire


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("ftp://h/x", id="scheme"),
        pytest.param("http:///x", id="no-host"),
        pytest.param("http://h:99999/x", id="port"),
    ],
)
def test_bad_urls_are_transport_errors(url: str) -> None:
    with pytest.raises(TransportError, match="bad provider URL"):
        parse_target(url)


def test_header_with_line_break_is_refused_without_showing_the_value() -> None:
    request = UpstreamRequest("http://h/x", {"x-key": "sk-secret\r\nEvil: 1"}, b"")
    for _ in range(2):  # refused every time: a refused header set is not kept
        with pytest.raises(TransportError) as info:
            encode_head(parse_target(request.url), request)
        assert "x-key" in str(info.value) and "sk-secret" not in str(info.value)


def test_a_kept_header_set_gets_each_body_its_length_and_each_target_its_own_line() -> None:
    headers = {"content-type": "application/json", "authorization": "Bearer sk-ant-test"}
    one, other = parse_target("http://h/v1/chat/completions"), parse_target("http://g:8080/v1/messages")
    first = encode_head(one, UpstreamRequest("", dict(headers), b"x" * 5))
    again = encode_head(one, UpstreamRequest("", dict(headers), b"x" * 1234))
    assert first.startswith(b"POST /v1/chat/completions HTTP/1.1\r\nHost: h\r\n")
    assert first.endswith(b"Content-Length: 5\r\n\r\n") and again.endswith(b"Content-Length: 1234\r\n\r\n")
    assert first.replace(b"5\r\n", b"1234\r\n") == again
    elsewhere = encode_head(other, UpstreamRequest("", dict(headers), b"x" * 5))
    assert elsewhere.startswith(b"POST /v1/messages HTTP/1.1\r\nHost: g:8080\r\n")
    assert b"Bearer sk-ant-test" in elsewhere
    streamed = encode_head(one, UpstreamRequest("", {**headers, "accept": "text/event-stream"}, b""))
    assert b"accept: text/event-stream\r\n" in streamed and b"accept:" not in first


def test_idle_connection_closed_by_the_server_is_replaced(run: Run) -> None:
    async def close_after(req: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(response(200, b"one"))
        await writer.drain()
        return False  # the server ends the keep-alive connection once idle

    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        assert await call(t, srv.url) == (200, b"one")
        await srv.wait_closed(1)
        assert await call(t, srv.url) == (200, b"two")
        assert srv.connections == 2 and len(srv.requests) == 2

    run(scenario([close_after, send(response(200, b"two"))], body))


def test_stale_socket_found_before_sending(run: Run) -> None:
    """The server's FIN is in the kernel but our loop has not read it: the pre-send check catches it."""
    close_now = asyncio.Event()

    async def close_later(req: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(response(200, b"one"))
        await writer.drain()
        await close_now.wait()
        return False

    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        assert await call(t, srv.url) == (200, b"one")
        (conn,) = next(iter(t._pools.values())).idle
        assert conn.transport is not None
        conn.transport.pause_reading()  # our loop will not notice the close by itself
        close_now.set()
        await srv.wait_closed(1)
        assert not conn.closed
        assert await call(t, srv.url) == (200, b"two")
        assert [r.conn for r in srv.requests] == [1, 2] and conn.closed

    run(scenario([close_later, send(response(200, b"two"))], body))


def test_keep_alive_timeout_from_the_server_is_honoured(run: Run) -> None:
    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        await call(t, srv.url)
        (conn,) = next(iter(t._pools.values())).idle
        assert conn.keepalive_s == 4.0
        conn.idle_since -= 4.5  # past the server's limit: not reused
        await call(t, srv.url)
        assert srv.connections == 2

    run(scenario([send(response(200, b"{}", "Keep-Alive: timeout=5, max=100"))], body))


def test_unsupported_encoding_is_a_clear_error(run: Run) -> None:
    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        resp = await t.send(req(srv.url), T)
        with pytest.raises(TransportError, match="Content-Encoding 'br'"):
            await resp.read()
        resp.close()

    run(scenario([send(response(200, b"xx", "Content-Encoding: br"))], body))


def test_error_status_body_is_read_with_a_limit(run: Run) -> None:
    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        resp = await t.send(req(srv.url), T)
        assert resp.status == 429 and resp.headers["retry-after"] == "3"
        assert await resp.read(10) == b"x" * 10
        resp.close()

    run(scenario([send(response(429, b"x" * 5000, "Retry-After: 3"))], body))
