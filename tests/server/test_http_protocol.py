"""The write-coalescing uvicorn protocol: one send per loop step, nothing lost or reordered."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import uvicorn

from ccr.server.asgi import header_dict
from ccr.server.hot_lane import HeadCache, HotCycle
from ccr.server.http_protocol import CoalescingHttpToolsProtocol, CoalescingTransport


class FakeTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = self.aborted = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 1)}.get(name, default)


def wrap() -> tuple[CoalescingTransport, FakeTransport]:
    fake = FakeTransport()
    return CoalescingTransport(fake, asyncio.get_running_loop()), fake  # type: ignore[arg-type]


async def test_writes_of_one_step_go_out_as_one() -> None:
    t, fake = wrap()
    t.write(b"HTTP/1.1 200 OK\r\n\r\n")
    t.write(b"")
    t.write(memoryview(b"body"))
    assert fake.writes == [] and t.get_write_buffer_size() == 23
    await asyncio.sleep(0)
    assert fake.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
    t.write(b"next")
    await asyncio.sleep(0)
    assert fake.writes[1:] == [b"next"]


async def test_close_flushes_first_and_abort_drops() -> None:
    t, fake = wrap()
    t.write(b"last words")
    t.close()
    assert fake.writes == [b"last words"] and fake.closed
    t2, fake2 = wrap()
    t2.write(b"never")
    t2.abort()
    await asyncio.sleep(0)
    assert fake2.writes == [] and fake2.aborted


async def test_nothing_is_written_to_a_closing_transport() -> None:
    t, fake = wrap()
    t.write(b"late")
    fake.closed = True
    await asyncio.sleep(0)
    assert fake.writes == []
    assert t.get_extra_info("peername") == ("127.0.0.1", 1)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    if scope["path"] == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        for i in range(50):
            await send({"type": "http.response.body", "body": b"%d;" % i, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    body = b"x" * int(scope["query_string"] or 5)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
def server() -> Iterator[int]:
    config = uvicorn.Config(app, http=CoalescingHttpToolsProtocol, ws="none", lifespan="off", log_level="warning")
    srv = uvicorn.Server(config)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)  # connections wait in the backlog until the server runs: no polling
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1]
    finally:
        srv.should_exit = True
        thread.join(10)
        sock.close()


def exchange(port: int, requests: bytes) -> bytes:
    """Send the requests (the last one says `Connection: close`) and read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(requests)
        parts = []
        while chunk := conn.recv(1 << 16):
            parts.append(chunk)
        return b"".join(parts)


def test_keep_alive_requests_and_a_large_body_arrive_whole(server: int) -> None:
    req = b"POST /?%d HTTP/1.1\r\nHost: x\r\n%sContent-Length: 2\r\n\r\nhi"
    data = exchange(server, req % (5, b"") + req % (3_000_000, b"Connection: close\r\n"))
    first, _, rest = data.partition(b"\r\n\r\n")
    assert b"content-length: 5" in first and rest.startswith(b"xxxxxHTTP/1.1 200")
    assert rest.endswith(b"x" * 3_000_000) and len(rest) - rest.index(b"\r\n\r\n") - 4 == 3_000_000


def test_streamed_chunks_in_order_and_connection_close(server: int) -> None:
    req = b"GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    data = exchange(server, req)
    body = data.partition(b"\r\n\r\n")[2]
    pieces = []
    while body:
        size, _, body = body.partition(b"\r\n")
        n = int(size, 16)
        pieces.append(body[:n])
        body = body[n + 2 :]
    assert b"".join(pieces) == b"".join(b"%d;" % i for i in range(50))


async def test_a_complete_response_is_sent_before_the_app_returns() -> None:
    from uvicorn.config import Config
    from uvicorn.server import ServerState

    seen_after_last_send: list[list[bytes]] = []
    fake = FakeTransport()
    done = asyncio.Event()

    async def small_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})
        seen_after_last_send.append(list(fake.writes))  # before any later loop step
        done.set()

    config = Config(small_app, http=CoalescingHttpToolsProtocol, lifespan="off", log_level="warning")
    config.load()
    proto = CoalescingHttpToolsProtocol(config=config, server_state=ServerState(), app_state={})
    proto.connection_made(fake)  # type: ignore[arg-type]
    proto.data_received(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    await done.wait()
    (writes,) = seen_after_last_send
    assert len(writes) == 1 and writes[0].startswith(b"HTTP/1.1 200 OK\r\n") and writes[0].endswith(b"\r\n\r\nok")
    proto.connection_lost(None)


async def test_a_streams_head_goes_out_at_once_and_its_events_coalesce() -> None:
    """The hot lane writes a stream's head before the stream's setup runs (providers send their
    head before any event: nothing would join it), then the events of one loop step as one."""
    transport, fake = wrap()
    conn = SimpleNamespace(
        transport=transport,
        flow=SimpleNamespace(write_paused=False),
        heads=HeadCache(),
        server_state=SimpleNamespace(default_headers=[(b"server", b"ccr")]),
        on_response_complete=lambda: None,
    )
    cycle = HotCycle(conn, None, [], keep_alive=True, expect_100=False, disconnect_hook=None)  # type: ignore[arg-type]
    await cycle.send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]}
    )
    assert len(fake.writes) == 1 and fake.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert fake.writes[0].endswith(b"transfer-encoding: chunked\r\n\r\n")
    for event in (b"event: a\n\n", b"event: b\n\n"):
        await cycle.send({"type": "http.response.body", "body": event, "more_body": True})
    assert len(fake.writes) == 1
    await asyncio.sleep(0)
    assert fake.writes[1:] == [b"a\r\nevent: a\n\n\r\na\r\nevent: b\n\n\r\n"]


async def test_disconnect_hook_fires_once_and_only_before_the_response_is_complete() -> None:
    from uvicorn.config import Config
    from uvicorn.server import ServerState

    from ccr.server.http_protocol import DISCONNECT_EXTENSION

    calls: list[str] = []
    release = asyncio.Event()

    async def hooked_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        hook = scope["extensions"][DISCONNECT_EXTENSION]
        hook.callback = lambda: calls.append(scope["path"])
        if scope["path"] == "/done":
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
        await release.wait()

    config = Config(hooked_app, http=CoalescingHttpToolsProtocol, lifespan="off", log_level="warning")
    config.load()
    for path, expected in (("/done", []), ("/pending", ["/pending"])):
        proto = CoalescingHttpToolsProtocol(config=config, server_state=ServerState(), app_state={})
        proto.connection_made(FakeTransport())  # type: ignore[arg-type]
        proto.data_received(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        await asyncio.sleep(0)  # the app starts and registers its callback
        proto.connection_lost(None)
        proto.connection_lost(None)  # a second report must not call it again
        assert calls == expected
    release.set()


def test_idle_keep_alive_connections_are_closed_by_the_sweeper(monkeypatch: pytest.MonkeyPatch) -> None:
    from ccr.server.http_protocol import IdleSweeper

    monkeypatch.setattr(IdleSweeper, "TICK_S", 0.05)
    config = uvicorn.Config(
        app, http=CoalescingHttpToolsProtocol, ws="none", lifespan="off", log_level="warning", timeout_keep_alive=0.2
    )
    srv = uvicorn.Server(config)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        with socket.create_connection(sock.getsockname(), timeout=10) as conn:
            conn.sendall(b"POST /?3 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            data = b""
            while not data.endswith(b"xxx"):
                data += conn.recv(4096)
            conn.settimeout(10)
            assert conn.recv(4096) == b""  # closed by the server once idle, not by our timeout
    finally:
        srv.should_exit = True
        thread.join(10)
        sock.close()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param([], {}, id="none"),
        pytest.param(
            [(b"host", b"127.0.0.1"), (b"x-api-key", b"sk-ant-test")],
            {"host": "127.0.0.1", "x-api-key": "sk-ant-test"},
            id="plain",
        ),
        pytest.param([(b"x-a", b"1"), (b"x-a", b"2")], {"x-a": "2"}, id="repeated-last-wins"),
        pytest.param([(b"x-empty", b"")], {"x-empty": ""}, id="empty-value"),
        pytest.param([(b"x-latin", b"caf\xe9")], {"x-latin": "caf\u00e9"}, id="latin-1"),
        pytest.param([(b"x-odd", b"a\nb"), (b"host", b"h")], {"x-odd": "a\nb", "host": "h"}, id="line-feed-fallback"),
    ],
)
def test_header_dict(raw: list[tuple[bytes, bytes]], expected: dict[str, str]) -> None:
    assert header_dict(raw) == expected
