"""One HTTP/1.1 client connection (an asyncio protocol fed to httptools) and the response it carries.

The connection parses with httptools' C parser straight from `data_received`; the response holds
the body pieces until its reader takes them. A reader takes everything buffered at once, so a
burst of stream events costs one wake-up, not one per event.

Ownership: while a response is in flight its connection belongs to it. When the message is
complete the connection goes back to its pool at once (the body bytes stay with the response).
Anything else — a timeout, a cancelled read, `close()` before the end — aborts the connection:
a half-read connection is never reused.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol, cast

import httptools

from ccr.upstream.http1_response import Http1Response

if TYPE_CHECKING:
    from ccr.upstream.clock import WaitClock
    from ccr.upstream.transport import Timeouts


class Owner(Protocol):
    """The pool a connection reports to."""

    def release(self, conn: Connection) -> None: ...

    def forget(self, conn: Connection) -> None: ...


class Connection(asyncio.Protocol):
    def __init__(self, owner: Owner, keepalive_s: float) -> None:
        self.owner = owner
        self.transport: asyncio.Transport | None = None
        self.fd = -1
        """The socket's file descriptor (for the pool's stale-connection check), -1 if unknown."""
        self.response: Http1Response | None = None
        self.closed = False
        self.paused = False
        self.keepalive_s = keepalive_s
        """How long this connection may sit idle before we stop trusting it."""
        self.idle_since = 0.0
        self.state = "new"
        """new → active ⇄ idle → gone; the pool's bookkeeping (see `Pool`)."""
        self._parser = httptools.HttpResponseParser(self)
        self._complete = False
        self._keep_alive = False
        self._headers: dict[str, str] = {}

    # -- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)
        sock = transport.get_extra_info("socket")
        self.fd = sock.fileno() if sock is not None else -1

    def data_received(self, data: bytes) -> None:
        resp = self.response
        if resp is None:  # bytes on an idle connection: nothing we asked for, do not trust it
            self.abort()
            return
        try:
            self._parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
            resp.fail(f"malformed HTTP from the provider ({exc})")  # ignored if it had completed
            self.response = None
            self.abort()
            return
        if self._complete:
            self._complete = False
            self._resume()
            if self._keep_alive and not self.closed and self.keepalive_s > 0:
                self.owner.release(self)
            else:
                self.abort()

    def eof_received(self) -> bool | None:
        resp = self.response
        if resp is not None:
            if resp.until_close and resp.status:
                resp.finish()  # a body without length ends when the connection does
            else:
                resp.fail("the provider closed the connection" + (" mid-body" if resp.status else ""))
            self.response = None
        self._gone()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        resp = self.response
        if resp is not None:
            reason = f"{type(exc).__name__}: {exc}" if exc else "the provider closed the connection"
            resp.fail(reason)
            self.response = None
        self._gone()

    def pause_writing(self) -> None:  # the request body waits in the transport's buffer
        pass

    def resume_writing(self) -> None:
        pass

    # -- httptools callbacks ------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self.response is None or self._complete:
            raise _Unexpected("data after the end of the response")
        self._headers = {}

    def on_header(self, name: bytes, value: bytes) -> None:
        resp = self.response
        if resp is None:
            raise _Unexpected("header outside a response")
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        headers = self._headers
        headers[key] = f"{headers[key]}, {text}" if key in headers else text

    def on_headers_complete(self) -> None:
        resp = self.response
        if resp is None:
            raise _Unexpected("headers outside a response")
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # interim answer (103 Early Hints…): the real one follows
            return
        resp.status = status
        resp.headers = self._headers
        self._keep_alive = self._parser.should_keep_alive()  # llhttp forgets it once the message ends
        resp.headers_done()
        ka = resp.headers.get("keep-alive")
        if ka:
            self.keepalive_s = min(self.keepalive_s, _keepalive_timeout(ka))

    def on_body(self, body: bytes) -> None:
        resp = self.response
        if resp is None:
            raise _Unexpected("body outside a response")
        if resp.feed(body) and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()

    def on_message_complete(self) -> None:
        resp = self.response
        if resp is None:
            raise _Unexpected("message end outside a response")
        if not resp.status:  # the end of an interim 1xx message
            return
        resp.finish()
        self.response = None
        self._complete = True

    # -- ours ---------------------------------------------------------------------------

    def begin(self, timeouts: Timeouts, deadline: float | None, clock: WaitClock) -> Http1Response:
        resp = Http1Response(self, timeouts, deadline, clock)
        self.response = resp
        return resp

    def alive(self) -> bool:
        t = self.transport
        return not self.closed and t is not None and not t.is_closing()

    def usable(self, now: float) -> bool:
        """Alive and not idle for longer than we trust it."""
        return self.alive() and now - self.idle_since < self.keepalive_s

    def abort(self) -> None:
        """Close without reuse (RST): the only safe end for a connection in an unknown state."""
        if not self.closed:
            self.closed = True
            if self.transport is not None:
                self.transport.abort()
        self.owner.forget(self)

    def resume_for(self, resp: Http1Response) -> None:
        if self.response is resp:
            self._resume()

    def _resume(self) -> None:
        if self.paused and self.transport is not None and not self.closed:
            self.paused = False
            self.transport.resume_reading()

    def _gone(self) -> None:
        self.closed = True
        self.owner.forget(self)


class _Unexpected(Exception):
    """Raised inside a parser callback to stop parsing bytes we did not ask for."""


def _keepalive_timeout(value: str) -> float:
    """Seconds we may keep an idle connection, from `Keep-Alive: timeout=N` (one second of margin)."""
    for part in value.split(","):
        name, _, num = part.strip().partition("=")
        if name.strip().lower() == "timeout":
            try:
                return max(0.0, float(num) - 1.0)
            except ValueError:
                return 0.0
    return float("inf")
