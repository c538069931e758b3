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

DISCONNECT_EXTENSION = "ccr.disconnect"


class DisconnectHook:
    """In `scope["extensions"]["ccr.disconnect"]`: set `callback` and the server calls it (once)
    if the client's connection drops before the response is complete — what a watcher task
    blocked on `receive()` would learn, without a task per request (server/disconnect.py)."""

    __slots__ = ("callback",)

    def __init__(self) -> None:
        self.callback: Callable[[], None] | None = None


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


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """Give to `uvicorn.Config(http=…)`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._coalescing = CoalescingTransport(transport, self.loop)
        wrapped: Any = self._coalescing
        super().connection_made(wrapped)

    def on_headers_complete(self) -> None:
        self.scope["extensions"] = {DISCONNECT_EXTENSION: DisconnectHook()}  # type: ignore[dict-item]
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            hook = cycle.scope.get("extensions", {}).get(DISCONNECT_EXTENSION)
            if isinstance(hook, DisconnectHook) and hook.callback is not None:
                callback, hook.callback = hook.callback, None
                callback()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        # The response is whole: send it now, not at the next loop step — the app still has
        # book-keeping to do after its last `send`, and the client should not wait for it.
        self._coalescing.flush()
        super().on_response_complete()
