"""uvicorn's httptools protocol, with the writes of one event-loop step sent as one.

uvicorn writes a response's status line and headers as soon as the app sends
`http.response.start`, then the body in a second write: two send() calls, each waking the client.
On loopback that second syscall was ~5 % of the router's CPU per small request. Here a
connection's writes are held until the end of the current loop step and go out together, so
headers + body (or a burst of stream events) cost one send(). A complete response goes out at
once; the writes of a response still streaming wait at most one loop step, never a timer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ccr.server.hot_lane import HeadCache, HotCycle, HotHandler

DISCONNECT_EXTENSION = "ccr.disconnect"


class DisconnectHook:
    """In `scope["extensions"]["ccr.disconnect"]`: set `callback` and the server calls it (once)
    if the client's connection drops before the response is complete — what a watcher task
    blocked on `receive()` would learn, without a task per request (server/disconnect.py).
    `task` is the task serving the request when the server knows it (the hot lane does): looking
    it up with `asyncio.current_task()` costs a system call (`getpid`) per request."""

    __slots__ = ("callback", "task")

    def __init__(self) -> None:
        self.callback: Callable[[], None] | None = None
        self.task: asyncio.Task[None] | None = None


class CoalescingTransport:
    """Wraps a connection's transport: `write` buffers until the loop's next step, the rest passes through."""

    __slots__ = ("_buf", "_loop", "_scheduled", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._buf: list[bytes] = []
        self._scheduled = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        self._buf.append(bytes(data))
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self.flush)

    def send_now(self, data: bytes) -> None:
        """`data` after whatever is buffered, written at once (the end of a response)."""
        if self._buf:
            if data:
                self._buf.append(bytes(data))
            self.flush()
        elif data and not self._transport.is_closing():
            self._transport.write(data)

    def writelines(self, lines: Any) -> None:
        for data in lines:
            self.write(data)

    def flush(self) -> None:
        self._scheduled = False
        buf = self._buf
        if not buf:
            return
        data = buf[0] if len(buf) == 1 else b"".join(buf)
        buf.clear()
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self.flush()  # what the app sent before closing still goes out
        self._transport.close()

    def abort(self) -> None:
        self._buf.clear()
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._buf))

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def __getattr__(self, name: str) -> Any:  # anything else uvicorn might use (set_protocol, …)
        return getattr(self._transport, name)


class IdleSweeper:
    """Closes keep-alive connections idle past `timeout_keep_alive`, checked once a second for all
    of them — uvicorn arms (and cancels) a timer per response, ~10 µs of loop work each time."""

    TICK_S = 1.0

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        self.loop, self.timeout = loop, timeout
        self.idle: dict[CoalescingHttpToolsProtocol, float] = {}
        self._handle: asyncio.TimerHandle | None = None

    def idle_from_now(self, proto: CoalescingHttpToolsProtocol) -> None:
        self.idle[proto] = self.loop.time()
        if self._handle is None:
            self._handle = self.loop.call_later(self.TICK_S, self._tick)

    def busy(self, proto: CoalescingHttpToolsProtocol) -> None:
        self.idle.pop(proto, None)

    def _tick(self) -> None:
        limit = self.loop.time() - self.timeout
        for proto in [p for p, since in self.idle.items() if since <= limit]:
            del self.idle[proto]
            proto.timeout_keep_alive_handler()
        self._handle = self.loop.call_later(self.TICK_S, self._tick) if self.idle else None


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """Give to `uvicorn.Config(http=…)`. Serves the application's hot lane (server/hot_lane.py)
    itself when the application has one (`app.hot_lane`), everything else through ASGI."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._coalescing = CoalescingTransport(transport, self.loop)
        wrapped: Any = self._coalescing
        sweeper = getattr(self.server_state, "ccr_idle_sweeper", None)
        if sweeper is None or sweeper.loop is not self.loop:
            sweeper = IdleSweeper(self.loop, self.timeout_keep_alive)
            self.server_state.ccr_idle_sweeper = sweeper  # type: ignore[attr-defined]
        self._sweeper: IdleSweeper = sweeper
        heads = getattr(self.server_state, "ccr_heads", None)
        if heads is None:
            heads = self.server_state.ccr_heads = HeadCache()  # type: ignore[attr-defined]
        self.heads: HeadCache = heads
        self._hot: HotHandler | None = getattr(self.config.app, "hot_lane", None)
        super().connection_made(wrapped)

    def data_received(self, data: bytes) -> None:
        self._sweeper.busy(self)
        super().data_received(data)

    def on_message_begin(self) -> None:
        # uvicorn builds the ASGI scope here; the hot lane needs none, so it is built once the
        # headers say which lane the request takes.
        self.url = b""
        self.expect_100_continue = False
        self.headers = []

    def on_headers_complete(self) -> None:
        hot = self._hot
        if hot is not None and self.parser.get_method() == b"POST" and not self.parser.should_upgrade():
            target = self.url
            query = target.find(b"?")  # Claude Code sends /v1/messages?beta=true
            if (target if query < 0 else target[:query]) in hot.paths:
                self._begin_hot(hot)
                return
        url, headers, expect_100 = self.url, self.headers, self.expect_100_continue
        super().on_message_begin()
        self.url, self.headers, self.expect_100_continue = url, headers, expect_100
        self.scope["headers"] = headers
        self.scope["extensions"] = {DISCONNECT_EXTENSION: DisconnectHook()}  # type: ignore[dict-item]
        super().on_headers_complete()

    def _begin_hot(self, hot: HotHandler) -> None:
        parser = self.parser
        cycle = HotCycle(
            self,
            hot,
            self.headers,
            keep_alive=parser.get_http_version() != "1.0" and parser.should_keep_alive(),
            expect_100=self.expect_100_continue,
            disconnect_hook=DisconnectHook(),
        )
        existing: Any = self.cycle
        self.cycle = cycle  # type: ignore[assignment]
        if existing is None or existing.response_complete:
            cycle.begin()
        else:  # pipelined behind a response still being written
            cycle.queued = True
            self.flow.pause_reading()
            self.pipeline.appendleft((cycle, self.app))  # type: ignore[arg-type]

    def on_body(self, body: bytes) -> None:
        cycle: Any = self.cycle
        if type(cycle) is HotCycle:
            cycle.feed(body)
        else:
            super().on_body(body)

    def on_message_complete(self) -> None:
        cycle: Any = self.cycle
        if type(cycle) is HotCycle:
            cycle.complete()
        else:
            super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._sweeper.busy(self)
        cycle: Any = self.cycle
        if cycle is not None and not cycle.response_complete:
            if type(cycle) is HotCycle:
                hook = cycle.disconnect_hook
            else:
                hook = cycle.scope.get("extensions", {}).get(DISCONNECT_EXTENSION)
            if isinstance(hook, DisconnectHook) and hook.callback is not None:
                callback, hook.callback = hook.callback, None
                callback()
        super().connection_lost(exc)
        # The protocol and its last request point at each other (cycle._conn): left so, every
        # closed connection would wait for the cyclic collector, which the server runs rarely
        # (serve.py GC_THRESHOLD). A handler still running keeps its own reference.
        self.cycle = None  # type: ignore[assignment]
        self.pipeline.clear()

    def on_response_complete(self) -> None:
        # The response is whole: send it now, not at the next loop step — the app still has
        # book-keeping to do after its last `send`, and the client should not wait for it.
        self._coalescing.flush()
        # uvicorn's own version of what follows, with the shared idle sweeper for its timer.
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self.flow.resume_reading()
        if self.pipeline:
            cycle, app = self.pipeline.pop()
            queued: Any = cycle
            if type(queued) is HotCycle:
                queued.begin()
            else:
                self._start_asgi_task(cycle, app)
        else:
            self._sweeper.idle_from_now(self)
