"""The hot lane: `POST /v1/messages` served by the HTTP protocol itself, without an ASGI cycle.

Every Claude Code request takes this route, and at one connection the router's added latency is
its CPU on the request path. uvicorn's generic ASGI machinery cost ~45 µs of it per request on
the benchmark machine: a scope dict and a cycle object per request, an `asyncio.Event` for the
body, the task started before the body is in, two middleware coroutines, and a `send` that checks
every header against two regular expressions. Here the protocol collects the whole body, starts
one task with it, and `HotCycle.send` writes the response straight to the connection. The
application side (`MessagesLane` in server/app.py) runs the same checks and the same endpoint as the ASGI
route, which stays for every other path and for other servers.

What the lane keeps from uvicorn: keep-alive, pipelined requests in order, `Expect:
100-continue`, `Connection: close`, chunked responses for streams, write back-pressure (the
protocol's `FlowControl`), graceful shutdown (the task is in the server's task set), and the
disconnect report of `http_protocol.DisconnectHook`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, MutableMapping
from typing import TYPE_CHECKING, Any, Protocol

from uvicorn.protocols.http.httptools_impl import STATUS_LINE

from ccr.server.asgi import send_bytes

if TYPE_CHECKING:
    from uvicorn.protocols.http.flow_control import FlowControl

log = logging.getLogger("ccr.server")

_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class HotHandler(Protocol):
    """What the application offers the protocol (`RouterApp.hot_lane`)."""

    paths: frozenset[bytes]
    """Request targets served by the lane (exact, without a query string)."""

    def body_limit(self) -> int: ...

    def __call__(self, cycle: HotCycle) -> Awaitable[None]: ...


class HotConnection(Protocol):
    """The parts of the connection's protocol a cycle uses."""

    transport: Any
    flow: FlowControl
    server_state: Any
    tasks: set[asyncio.Task[None]]
    loop: asyncio.AbstractEventLoop
    heads: HeadCache

    def on_response_complete(self) -> None: ...


class _NoEvent:
    """uvicorn's `connection_lost` sets `cycle.message_event`; a hot cycle has nothing waiting on it."""

    __slots__ = ()

    def set(self) -> None:
        pass


NO_EVENT = _NoEvent()


class HotCycle:
    """One request on the lane: its headers and body in, an ASGI-shaped `send` out.

    Has the attributes uvicorn's protocol reads on `self.cycle` (`response_complete`,
    `keep_alive`, `disconnected`, `message_event`), so pipelining and shutdown work unchanged.
    """

    # Class-level defaults, no __slots__: a request sets only what differs (its own objects),
    # not seventeen attributes up front.
    message_event = NO_EVENT
    _head = b""
    body_size = 0
    too_large = body_complete = queued = False
    """too_large: the body passed `body_limit()`; it is read to its end and dropped, and the
    handler answers 413. queued: waiting behind an earlier request of the same connection (HTTP
    pipelining)."""
    disconnected = response_started = response_complete = _chunked = False

    def __init__(
        self,
        conn: HotConnection,
        handler: HotHandler,
        headers: list[tuple[bytes, bytes]],
        *,
        keep_alive: bool,
        expect_100: bool,
        disconnect_hook: Any,
    ) -> None:
        self._conn = conn
        self._handler = handler
        self.headers = headers
        self.keep_alive = keep_alive
        self.expect_100 = expect_100
        self.disconnect_hook = disconnect_hook
        self.parts: list[bytes] = []

    def take_body(self) -> bytes:
        """The request body, handed over once: the cycle keeps no reference to it."""
        parts, self.parts = self.parts, []
        return parts[0] if len(parts) == 1 else b"".join(parts)

    # -- fed by the protocol ------------------------------------------------------------

    def begin(self) -> None:
        """The request may be served now (it is not queued behind another one)."""
        self.queued = False
        if self.expect_100 and not self._conn.transport.is_closing():
            self.expect_100 = False
            self._conn.transport.write(_CONTINUE)
        if self.body_complete:
            self._start()

    def feed(self, data: bytes) -> None:
        if self.response_complete or self.too_large:
            return
        self.body_size += len(data)
        if self.body_size > self._handler.body_limit():
            self.too_large = True
            self.parts.clear()
            return
        self.parts.append(data)

    def complete(self) -> None:
        if self.response_complete:
            return
        self.body_complete = True
        if not self.queued:
            self._start()

    def _start(self) -> None:
        conn = self._conn
        # A named Task, not `loop.create_task`: an unnamed one formats "Task-N" for every request.
        task = asyncio.Task(self._run(), loop=conn.loop, name="ccr /v1/messages")
        self.disconnect_hook.task = task
        task.add_done_callback(conn.tasks.discard)
        conn.tasks.add(task)

    async def _run(self) -> None:
        try:
            await self._handler(self)
        except asyncio.CancelledError:  # a shutdown that could not wait: the client must not hang
            if not self.response_complete:
                self._conn.transport.close()
            raise
        except Exception as exc:  # the handler answers its own errors; this is the last guard
            log.error("unhandled error in the /v1/messages handler", exc_info=exc)
            if not self.response_started and not self.disconnected:
                plain = [(b"content-type", b"text/plain; charset=utf-8")]
                await send_bytes(self.send, 500, b"Internal Server Error", plain)
            else:
                self._conn.transport.close()
        else:
            if not self.response_complete and not self.disconnected:
                log.error("the /v1/messages handler returned without completing its response")
                self._conn.transport.close()

    # -- the application's side ---------------------------------------------------------

    async def send(self, message: MutableMapping[str, Any]) -> None:
        """ASGI `send` for `http.response.start` / `http.response.body`, written to the connection."""
        conn = self._conn
        flow = conn.flow
        if flow.write_paused and not self.disconnected:
            await flow.drain()
        if self.disconnected:
            return
        if not self.response_started:
            if message["type"] != "http.response.start":
                raise RuntimeError(f"expected http.response.start, got {message['type']}")
            head = self._head_bytes(message["status"], message.get("headers", ()))
            if self._chunked:
                # A stream: its head goes out now, before the stream's setup runs. Providers send
                # their head before their first event, so there is rarely an event to join it.
                conn.transport.send_now(head)
            else:
                self._head = head  # a whole body follows: head and body leave in one write
            return
        if self.response_complete or message["type"] != "http.response.body":
            raise RuntimeError(f"unexpected {message['type']} after the response")
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        transport = conn.transport
        if self._chunked:
            if body:
                transport.write(b"%x\r\n%b\r\n" % (len(body), body))
            if not more:
                transport.write(b"0\r\n\r\n")
        else:
            head, self._head = self._head, b""
            data = head + body if head else body
            if not more:
                transport.send_now(data)  # the response is whole: no reason to wait for the loop step
            elif data:
                transport.write(data)
        if not more:
            self.response_complete = True
            if not self.keep_alive:
                transport.close()
            conn.on_response_complete()

    def _head_bytes(self, status: int, headers: Any) -> bytes:
        self.response_started = True
        length = b""
        if headers and headers[-1][0] == b"content-length":  # as `send_bytes` puts it: last
            length = headers[-1][1]
            headers = headers[:-1]
        conn = self._conn
        cache = conn.heads
        defaults = conn.server_state.default_headers
        if cache.defaults is not defaults:  # a new Date (uvicorn makes a new list every second)
            cache.defaults = defaults
            cache.heads.clear()
        key = (status, self.keep_alive, not length, *headers)
        found = cache.heads.get(key)
        if found is None:
            if len(cache.heads) >= HeadCache.MAX:
                cache.heads.clear()
            found = cache.heads[key] = self._build_head(status, defaults, headers, with_length=bool(length))
        prefix, suffix, self._chunked = found
        if not length:
            return prefix + suffix
        if not length.isdigit():
            raise RuntimeError("invalid HTTP header")
        return b"%bcontent-length: %b\r\n%b" % (prefix, length, suffix)

    def _build_head(self, status: int, defaults: Any, headers: Any, *, with_length: bool) -> tuple[bytes, bytes, bool]:
        """The head before and after a Content-Length line (`with_length`), and whether the body
        goes chunked."""
        out = [STATUS_LINE[status]]
        for name, value in defaults:
            out.append(b"%b: %b\r\n" % (name, value))
        chunked = not with_length
        for name, value in headers:
            if name == b"content-length":
                chunked = False
            out.append(b"%b: %b\r\n" % (name, value))
        prefix = b"".join(out)
        tail = []
        if chunked:
            tail.append(b"transfer-encoding: chunked\r\n")
        if not self.keep_alive:
            tail.append(b"connection: close\r\n")
        tail.append(b"\r\n")
        suffix = b"".join(tail)
        # Each piece ends in the one CRLF we put there: a CR or LF inside a header name or value
        # (never from our own code; a config value at worst) shows in the counts. Two counts over
        # the head cost less than `b"\r" in value` per header, which in Python 3.11 first tries
        # the operand as an integer and formats a TypeError.
        lines = len(out) + len(tail)
        head = prefix + suffix
        if head.count(b"\n") != lines or head.count(b"\r") != lines:
            raise RuntimeError("invalid HTTP header")
        return prefix, suffix, chunked


class HeadCache:
    """Response heads already built, per server: by status, keep-alive and headers. The server's
    default headers carry the Date, which uvicorn replaces with a new list every second; the
    heads built with the old one are dropped then."""

    MAX = 256
    __slots__ = ("defaults", "heads")

    def __init__(self) -> None:
        self.defaults: object = None
        self.heads: dict[tuple[Any, ...], tuple[bytes, bytes, bool]] = {}
