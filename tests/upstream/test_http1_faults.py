"""The http1 transport when things go wrong: resets, stalls, cancellation, pool limits, TLS."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from ccr.testing.tls import self_signed_cert
from ccr.upstream import http1_response
from ccr.upstream.http1 import Http1Transport
from ccr.upstream.transport import Timeouts, TransportError
from tests.upstream.http_script import Answer, ScriptServer, Seen, chunked, reset, response, send
from tests.upstream.test_http1 import T, call, req

FAST = Timeouts(connect=5, first_byte=0.2, idle=0.2, total=None)
Body = Callable[[ScriptServer, Http1Transport], Awaitable[None]]


def run(answers: list[Answer], body: Body, tls: ssl.SSLContext | None = None, **kw: Any) -> None:
    async def main() -> None:
        async with ScriptServer(answers, tls=tls) as srv:
            t = Http1Transport(**kw)
            try:
                await body(srv, t)
            finally:
                await t.close()

    asyncio.run(main())


def hold(then: bytes = b"", rest: bytes = b"") -> tuple[Answer, asyncio.Event]:
    """An answer that writes `then`, waits until the event is set (never, unless the test does),
    then writes `rest`."""
    release = asyncio.Event()

    async def answer(req: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(then)
        await writer.drain()
        await release.wait()
        writer.write(rest)
        await writer.drain()
        return True

    return answer, release


async def until(cond: Callable[[], bool]) -> None:
    for _ in range(10_000):
        if cond():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never became true")


def test_reset_mid_body_is_a_connection_error() -> None:
    async def partial(req: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 10)
        await writer.drain()
        reset(writer)
        return False

    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        resp = await t.send(req(srv.url), T)
        with pytest.raises(TransportError, match="connection failed while reading") as info:
            await resp.read()
        assert not info.value.timeout

    run([partial], body)


def test_reset_mid_stream_delivers_what_came_then_fails() -> None:
    async def partial(req: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(chunked([b"data: 1\n\n"])[:-5])  # without the final 0-chunk
        await writer.drain()
        reset(writer)
        return False

    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        resp = await t.send(req(srv.url), T)
        assert await resp.read_chunk() == b"data: 1\n\n"
        with pytest.raises(TransportError, match="connection lost mid-stream"):
            await resp.read_chunk()

    run([partial], body)


def test_closed_before_answering() -> None:
    async def hang_up(req: Seen, writer: asyncio.StreamWriter) -> bool:
        return False

    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        with pytest.raises(TransportError, match="the provider closed the connection"):
            await t.send(req(srv.url), T)

    run([hang_up], body)


def test_malformed_answer() -> None:
    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        with pytest.raises(TransportError, match="malformed HTTP"):
            await t.send(req(srv.url), T)

    run([send(b"SMTP ready\r\n\r\n")], body)


def test_slow_first_byte_times_out_and_drops_the_connection() -> None:
    answer, _ = hold()

    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        with pytest.raises(TransportError, match="no response from the provider in time") as info:
            await t.send(req(srv.url), FAST)
        assert info.value.timeout
        pool = next(iter(t._pools.values()))
        assert pool.active == 0 and not pool.idle  # aborted, not kept

    run([answer], body)


def test_stalled_stream_times_out_after_the_idle_gap() -> None:
    answer, _ = hold(chunked([b"data: 1\n\n"])[:-5])

    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        # only the stalled part has a short limit: the send that must succeed has room on a loaded machine
        resp = await t.send(req(srv.url), Timeouts(connect=5, first_byte=5, idle=0.2, total=None))
        assert await resp.read_chunk() == b"data: 1\n\n"
        with pytest.raises(TransportError, match="stream stalled") as info:
            await resp.read_chunk()
        assert info.value.timeout

    run([answer], body)


def test_total_deadline_bounds_a_whole_read() -> None:
    answer, _ = hold(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab")

    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        resp = await t.send(req(srv.url), Timeouts(connect=5, first_byte=30, idle=30, total=0.2))
        with pytest.raises(TransportError, match="timed out reading the response"):
            await resp.read()

    run([answer], body)


@pytest.mark.parametrize("how", [pytest.param("cancel", id="cancelled-read"), pytest.param("close", id="closed")])
def test_unfinished_response_never_returns_to_the_pool(how: str) -> None:
    answer, _ = hold(chunked([b"data: 1\n\n"])[:-5])

    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        resp = await t.send(req(srv.url), T)
        assert await resp.read_chunk() == b"data: 1\n\n"
        if how == "cancel":
            task = asyncio.ensure_future(resp.read_chunk())
            await until(lambda: resp._waiter is not None)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        else:
            resp.close()
        pool = next(iter(t._pools.values()))
        assert pool.active == 0 and not pool.idle  # aborted, not kept
        assert await call(t, srv.url) == (200, b"fresh")
        assert srv.connections == 2

    run([answer, send(response(200, b"fresh"))], body)


def test_pool_limit_makes_callers_wait_then_reuses() -> None:
    stream = chunked([b"data: 1\n\n"])
    answer, release = hold(stream[:-5], rest=stream[-5:])

    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        first = await t.send(req(srv.url), T)
        second = asyncio.ensure_future(call(t, srv.url))
        await until(lambda: len(next(iter(t._pools.values())).waiters) == 1)
        with pytest.raises(TransportError, match=r"no free connection .* \(1 in use\)") as info:
            await t.send(req(srv.url), Timeouts(connect=0.1, first_byte=5, idle=5, total=None))
        assert info.value.timeout
        release.set()
        assert await first.read_chunk() == b"data: 1\n\n"
        assert await first.read_chunk() == b""
        assert await second == (200, b"second")
        assert [r.conn for r in srv.requests] == [1, 1]

    run([answer, send(response(200, b"second"))], body, limit_per_host=1)


def test_aborted_connection_hands_its_slot_to_a_waiting_caller() -> None:
    answer, _ = hold(chunked([b"data: 1\n\n"])[:-5])

    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        first = await t.send(req(srv.url), T)
        second = asyncio.ensure_future(call(t, srv.url))
        await until(lambda: len(next(iter(t._pools.values())).waiters) == 1)
        first.close()
        assert await second == (200, b"second")
        assert [r.conn for r in srv.requests] == [1, 2]
        assert next(iter(t._pools.values())).active == 0

    run([answer, send(response(200, b"second"))], body, limit_per_host=1)


def test_refused_connection_names_the_address() -> None:
    async def main() -> None:
        srv = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = srv.sockets[0].getsockname()[1]
        srv.close()
        await srv.wait_closed()
        t = Http1Transport()
        with pytest.raises(TransportError, match=rf"cannot connect to 127.0.0.1:{port} \(.*refused"):
            await t.send(req(f"http://127.0.0.1:{port}/v1"), T)
        await t.close()

    asyncio.run(main())


def test_large_body_pauses_reading_until_taken() -> None:
    big = b"y" * (3 * http1_response.HIGH_WATER)

    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        resp = await t.send(req(srv.url), T)
        conn = resp._conn
        assert conn is not None
        await until(lambda: conn.paused)
        assert len(await resp.read()) == len(big)
        assert next(iter(t._pools.values())).idle == [conn]

    run([send(response(200, big))], body)


def test_tls_with_a_trusted_certificate_and_keep_alive(tmp_path: Path) -> None:
    cert, key = self_signed_cert(tmp_path)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)

    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        assert srv.url.startswith("https://")
        assert await call(t, srv.url) == (200, b"secure")
        assert await call(t, srv.url) == (200, b"secure")
        assert srv.connections == 1

    run([send(response(200, b"secure"))], body, tls=server, ssl_context=ssl.create_default_context(cafile=cert))


def test_tls_with_an_untrusted_certificate_is_refused(tmp_path: Path) -> None:
    cert, key = self_signed_cert(tmp_path)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)

    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        with pytest.raises(TransportError, match="TLS certificate problem"):
            await t.send(req(srv.url), T)

    run([send(response(200, b"never"))], body, tls=server)


def test_waiting_for_a_quiet_provider_neither_loses_data_nor_resets_the_idle_limit() -> None:
    stream = chunked([b"data: 1\n\n", b"data: 2\n\n"])
    first_end = stream.index(b"data: 2") - len(b"%x\r\n" % len(b"data: 2\n\n"))
    answer, release = hold(stream[:first_end], rest=stream[first_end:])

    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        resp = await t.send(req(srv.url), Timeouts(connect=5, first_byte=5, idle=0.5, total=None))
        assert await resp.read_chunk_within(0.05) == b"data: 1\n\n"
        assert await resp.read_chunk_within(0.05) is None  # quiet: the caller may ping
        release.set()
        assert await resp.read_chunk_within(5) == b"data: 2\n\n"
        assert await resp.read_chunk_within(5) == b""
        assert next(iter(t._pools.values())).idle  # complete and reused, not aborted

    run([answer], body)


def test_quiet_waits_still_end_at_the_idle_limit() -> None:
    answer, _ = hold(chunked([b"data: 1\n\n"])[:-5])

    async def body(srv: ScriptServer, t: Http1Transport) -> None:
        resp = await t.send(req(srv.url), Timeouts(connect=5, first_byte=5, idle=0.3, total=None))
        assert await resp.read_chunk_within(0.05) == b"data: 1\n\n"
        quiet = 0
        with pytest.raises(TransportError, match="stream stalled"):
            for _ in range(40):  # were the limit restarted by each wait, this would never fail
                assert await resp.read_chunk_within(0.05) is None
                quiet += 1
        assert 1 <= quiet <= 10  # the caller got its chances to ping

    run([answer], body)
