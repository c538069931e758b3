"""The response side of an http1 connection: the body buffer its reader takes from, timeouts,
and gzip/deflate decoding. See `http1_conn` for who owns the connection when."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from ccr.upstream.transport import TransportError

if TYPE_CHECKING:
    from ccr.upstream.clock import WaitClock
    from ccr.upstream.http1_conn import Connection
    from ccr.upstream.transport import Timeouts

HIGH_WATER = 1 << 20
"""Body bytes buffered before the socket stops being read (the reader is slower than the provider)."""


class Http1Response:
    """The `UpstreamResponse` of the http1 transport."""

    # Class-level defaults, no __slots__: a request sets only what it changes.
    status = 0
    headers: Mapping[str, str] = MappingProxyType({})
    until_close = False
    _size = 0
    _done = False
    _error: str | None = None
    _waiter: asyncio.Future[bool] | None = None
    _decoder: _Decoder | None = None
    _encoding = ""

    def __init__(self, conn: Connection, timeouts: Timeouts, deadline: float | None, clock: WaitClock) -> None:
        self._conn: Connection | None = conn
        self._timeouts = timeouts
        self._deadline = deadline
        self._clock = clock
        self._loop = loop = clock.loop
        self._parts: list[bytes] = []
        self._last_data = loop.time()
        """When the provider last sent something: the idle limit counts from here."""

    # -- fed by the connection ------------------------------------------------------------

    def headers_done(self) -> None:
        h = self.headers
        self.until_close = "content-length" not in h and "chunked" not in h.get("transfer-encoding", "")
        encoding = h.get("content-encoding", "").strip().lower()
        self._encoding = "" if encoding == "identity" else encoding
        self._last_data = self._loop.time()
        self._wake()

    def feed(self, data: bytes) -> bool:
        """Buffer a body piece; True when the buffer is full and the socket should pause."""
        self._parts.append(data)
        self._size += len(data)
        self._last_data = self._loop.time()
        self._wake()
        return self._size > HIGH_WATER

    def finish(self) -> None:
        self._done = True
        self._conn = None
        self._wake()

    def fail(self, reason: str) -> None:
        if not self._done:
            self._error = reason
            self._conn = None
            self._wake()

    def _wake(self) -> None:
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(True)

    # -- used by the caller -------------------------------------------------------------

    async def wait_headers(self) -> None:
        while not self.status:
            if self._error is not None:
                raise TransportError(self._error)
            if not await self._wait(self._timeouts.first_byte):
                self.close()
                raise TransportError("no response from the provider in time", timeout=True)

    async def read(self, limit: int | None = None) -> bytes:
        parts: list[bytes] = []
        size = 0
        while limit is None or size < limit:
            chunk = await self._next("timed out reading the response", "connection failed while reading")
            assert chunk is not None
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
        data = b"".join(parts)
        return data if limit is None else data[:limit]

    async def read_chunk(self) -> bytes:
        data = await self._next("stream stalled", "connection lost mid-stream")
        assert data is not None
        return data

    async def read_chunk_within(self, wait_s: float) -> bytes | None:
        """`read_chunk`, or None when nothing came within `wait_s` — for keep-alive pings. Nothing
        is cancelled or lost, and the idle limit keeps counting from the provider's last bytes."""
        return await self._next("stream stalled", "connection lost mid-stream", wait_s)

    def close(self) -> None:
        conn = self._conn
        if conn is not None:  # the message is not complete: the connection cannot be reused
            self._conn = None
            conn.response = None
            conn.abort()
        if not self._done and self._error is None:
            self._error = "the response was closed"

    async def _next(self, timeout_text: str, error_text: str, wait_s: float | None = None) -> bytes | None:
        if self._encoding and self._decoder is None:
            self._decoder = _Decoder(self._encoding, error_text)
        while True:
            if self._parts:
                parts = self._parts
                data = parts[0] if len(parts) == 1 else b"".join(parts)
                parts.clear()
                self._size = 0
                if self._conn is not None and self._conn.paused:
                    self._conn.resume_for(self)
                if self._decoder is None:
                    return data
                data = self._decoder.feed(data, error_text)
                if data:
                    return data
                continue
            if self._done:
                return self._decoder.flush(error_text) if self._decoder is not None else b""
            if self._error is not None:
                raise TransportError(f"{error_text}: {self._error}")
            idle_left = self._timeouts.idle - (self._loop.time() - self._last_data)
            if idle_left > 0 and await self._wait(idle_left if wait_s is None else min(idle_left, wait_s)):
                continue
            if wait_s is not None and self._quiet_but_alive():
                return None
            self.close()
            raise TransportError(timeout_text, timeout=True)

    def _quiet_but_alive(self) -> bool:
        now = self._loop.time()
        return now - self._last_data < self._timeouts.idle and (self._deadline is None or now < self._deadline)

    async def _wait(self, limit_s: float) -> bool:
        """Wait for the connection to report; False on timeout. Cancellation aborts the connection."""
        loop = self._loop
        at = loop.time() + limit_s
        if self._deadline is not None:
            at = min(at, self._deadline)
        if limit_s <= 0 or at <= loop.time():
            return False
        waiter: asyncio.Future[bool] = loop.create_future()
        self._waiter = waiter
        self._clock.add(waiter, at)
        try:
            return await waiter
        except asyncio.CancelledError:
            self.close()
            raise
        finally:
            self._waiter = None
            self._clock.discard(waiter)


class _Decoder:
    """gzip / deflate bodies, decoded as they arrive (we advertise only these two)."""

    __slots__ = ("_encoding", "_obj", "_started")

    def __init__(self, encoding: str, error_text: str) -> None:
        if encoding in ("gzip", "x-gzip"):
            wbits = 16 + zlib.MAX_WBITS
        elif encoding == "deflate":
            wbits = zlib.MAX_WBITS
        else:
            raise TransportError(
                f"{error_text}: the provider answered with Content-Encoding {encoding!r}, which ccr cannot decode"
            )
        self._encoding = encoding
        self._obj = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, data: bytes, error_text: str) -> bytes:
        if not self._started:
            self._started = True
            # Some servers send raw deflate (no zlib header) under `deflate`.
            if self._encoding == "deflate" and data and (data[0] & 0x0F) != 8:
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            return self._obj.decompress(data)
        except zlib.error as exc:
            raise TransportError(f"{error_text}: bad {self._encoding} data from the provider ({exc})") from None

    def flush(self, error_text: str) -> bytes:
        try:
            return self._obj.flush()
        except zlib.error as exc:
            raise TransportError(f"{error_text}: bad {self._encoding} data from the provider ({exc})") from None
