"""The default upstream transport: a small HTTP/1.1 keep-alive client on asyncio + httptools.

Why not aiohttp: per request it cost more CPU than the rest of the router's work, and ~9 MB of
memory. This client does only what a provider call needs — a POST with a body, a response read
whole or piece by piece — over pooled connections (TLS through `ssl.create_default_context()`,
which honours SSL_CERT_FILE / SSL_CERT_DIR). With PROXY_URL set, the aiohttp transport is used
instead (`ccr.upstream.factory`).

Pool rules (per scheme+host+port): at most `limit_per_host` connections in use, more callers wait
(that wait counts against the connect timeout); idle connections are reused newest first and
dropped after `KEEPALIVE_S` (or the server's `Keep-Alive: timeout=`, less a second). A stale
keep-alive socket is only retried when nothing was sent on it: before reuse, a connection is
checked for a close from the server (one `select`), and a closed one is replaced. Once request
bytes went out, a failure is the caller's to handle (a POST is not safe to send twice).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import os
import select
import socket
import ssl
from collections import deque
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from ccr.transformers.base import UpstreamRequest
from ccr.upstream.clock import WaitClock
from ccr.upstream.http1_conn import Connection
from ccr.upstream.http1_response import Http1Response
from ccr.upstream.transport import Timeouts, TransportError

DEFAULT_LIMIT_PER_HOST = 128
KEEPALIVE_S = 30.0
_SWEEP_EVERY_S = 5.0
_OWN_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})


@dataclass(frozen=True, slots=True)
class Target:
    key: tuple[str, str, int]
    host: str
    port: int
    tls: bool
    head: str
    """`POST <path> HTTP/1.1` and the Host header, ready to prepend."""
    basic_auth: str | None


def parse_target(url: str) -> Target:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TransportError(f"bad provider URL {url!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise TransportError(f"bad provider URL {url!r}: expected http://host/… or https://host/…")
    tls = scheme == "https"
    port = port or (443 if tls else 80)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    if not path.isascii():
        path = quote(path, safe="/%:@!$&'()*+,;=-._~?")
    netloc = parts.netloc.rpartition("@")[2]
    auth = None
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        auth = "Basic " + base64.b64encode(pair.encode()).decode()
    head = f"POST {path} HTTP/1.1\r\nHost: {netloc}\r\n"
    return Target((scheme, parts.hostname, port), parts.hostname, port, tls, head, auth)


def encode_head(target: Target, request: UpstreamRequest) -> bytes:
    """The request line and headers; the body goes out after it in the same write."""
    fields = _head_fields(target.head, target.basic_auth, tuple(request.headers.items()))
    return b"%bContent-Length: %d\r\n\r\n" % (fields, len(request.body))


@functools.lru_cache(maxsize=256)  # a provider's requests repeat a few header sets (key, JSON, stream)
def _head_fields(head: str, basic_auth: str | None, headers: tuple[tuple[str, str], ...]) -> bytes:
    """The request line and headers without Content-Length, checked and encoded once per set
    (a refused set raises every time: exceptions are not cached)."""
    lines = [head]
    accept_encoding = has_auth = False
    for name, value in headers:
        low = name.lower()
        if low in _OWN_HEADERS:
            continue
        if "\n" in value or "\r" in value or "\n" in name or "\r" in name or ":" in name:
            # The value may be a key: name the header, never show the value.
            raise TransportError(
                f"the request header {name.strip()!r} contains a line break; check the provider's config"
            )
        accept_encoding |= low == "accept-encoding"
        has_auth |= low == "authorization"
        lines.append(f"{name}: {value}\r\n")
    if not accept_encoding:
        lines.append("Accept-Encoding: gzip, deflate\r\n")
    if basic_auth and not has_auth:
        lines.append(f"Authorization: {basic_auth}\r\n")
    return "".join(lines).encode()


class Pool:
    """Connections to one scheme+host+port. `active` counts connections owned by requests."""

    def __init__(self, owner: Http1Transport, target: Target, limit: int) -> None:
        self.owner = owner
        self.target = target
        self.limit = limit
        self.idle: list[Connection] = []
        self.active = 0
        self.waiters: deque[asyncio.Future[Connection | None]] = deque()

    async def acquire(self, loop: asyncio.AbstractEventLoop, connect_timeout: float) -> Connection:
        while True:
            conn = self._reuse(loop.time())
            if conn is not None:
                return conn
            if self.active < self.limit:
                self.active += 1
                break
            got = await self._wait_turn(loop, connect_timeout)
            if got is None:
                break  # a slot was handed over to us
            if got.alive():
                return got
            # it died on the way to us; its `forget` freed the slot: start over
        try:
            return await self._connect(loop, connect_timeout)
        except BaseException:
            self._free_slot()
            raise

    def _reuse(self, now: float) -> Connection | None:
        idle = self.idle
        while idle:
            conn = idle.pop()
            # The select costs ~1 µs and catches a server's close that our loop has not handled yet.
            if conn.usable(now) and not _peer_closed(conn):
                conn.state = "active"
                self.active += 1
                return conn
            conn.state = "gone"
            conn.abort()
        return None

    async def _wait_turn(self, loop: asyncio.AbstractEventLoop, limit_s: float) -> Connection | None:
        fut: asyncio.Future[Connection | None] = loop.create_future()
        self.waiters.append(fut)
        try:
            async with asyncio.timeout(limit_s):
                return await fut
        except (asyncio.CancelledError, TimeoutError) as exc:
            if fut.done() and not fut.cancelled():  # we were served just as we gave up: pass it on
                got = fut.result()
                if got is None:
                    self._free_slot()
                else:
                    self.release(got)
            else:
                fut.cancel()
            if isinstance(exc, TimeoutError):
                raise TransportError(
                    f"no free connection to {self.target.host}:{self.target.port} within {limit_s:g}s "
                    f"({self.limit} in use)",
                    timeout=True,
                ) from None
            raise

    async def _connect(self, loop: asyncio.AbstractEventLoop, limit_s: float) -> Connection:
        t = self.target
        conn = Connection(self, KEEPALIVE_S)
        context = self.owner.ssl_context() if t.tls else None
        try:
            async with asyncio.timeout(limit_s):
                await loop.create_connection(
                    lambda: conn, t.host, t.port, ssl=context, server_hostname=t.host if t.tls else None,
                    ssl_handshake_timeout=limit_s if t.tls else None,
                )  # fmt: skip
        except TimeoutError:
            raise TransportError(f"cannot connect to {t.host}:{t.port} within {limit_s:g}s", timeout=True) from None
        except ssl.SSLCertVerificationError as exc:
            raise TransportError(f"TLS certificate problem: {exc.verify_message or exc}") from None
        except ssl.SSLError as exc:
            raise TransportError(f"TLS handshake with {t.host}:{t.port} failed: {exc.reason or exc}") from None
        except OSError as exc:
            raise TransportError(f"cannot connect to {t.host}:{t.port} ({_os_reason(exc)})") from None
        conn.state = "active"
        return conn

    # -- Owner (called by connections) ----------------------------------------------------

    def release(self, conn: Connection) -> None:
        """The response is complete and the connection may carry another request."""
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)  # stays active: the slot moves with it
                return
        conn.state = "idle"
        conn.idle_since = self.owner.loop_time()
        self.active -= 1
        self.idle.append(conn)
        self.owner.schedule_sweep()

    def forget(self, conn: Connection) -> None:
        state, conn.state = conn.state, "gone"
        if state == "active":
            self._free_slot()
        elif state == "idle":
            try:
                self.idle.remove(conn)
            except ValueError:
                pass

    def _free_slot(self) -> None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.active -= 1

    def sweep(self, now: float) -> None:
        for conn in [c for c in self.idle if not c.usable(now)]:
            conn.abort()

    def close(self) -> None:
        for conn in list(self.idle):
            with contextlib.suppress(Exception):  # its loop may be gone already
                conn.abort()


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, socket.gaierror) or not exc.errno:
        return exc.strerror or str(exc)
    return os.strerror(exc.errno)  # asyncio's own text repeats the address; the errno says why


def _peer_closed(conn: Connection) -> bool:
    """True when the socket is readable while idle: a FIN, a TLS close_notify, or junk."""
    if conn.fd < 0:
        return False
    try:
        readable, _, _ = select.select([conn.fd], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class Http1Transport:
    def __init__(self, limit_per_host: int = DEFAULT_LIMIT_PER_HOST, ssl_context: ssl.SSLContext | None = None) -> None:
        self._limit = limit_per_host
        self._ssl = ssl_context
        self._pools: dict[tuple[str, str, int], Pool] = {}
        self._targets: dict[str, Target] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._clock: WaitClock | None = None
        self._sweeper: asyncio.TimerHandle | None = None

    def ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:  # built on first https use: loading the CA store costs time and memory
            self._ssl = ssl.create_default_context()
        return self._ssl

    def loop_time(self) -> float:
        return self._loop.time() if self._loop is not None else 0.0

    def target(self, url: str) -> Target:
        found = self._targets.get(url)
        if found is None:
            if len(self._targets) > 512:
                self._targets.clear()
            found = self._targets[url] = parse_target(url)
        return found

    async def send(self, request: UpstreamRequest, timeouts: Timeouts) -> Http1Response:
        loop = asyncio.get_running_loop()
        clock = self._clock
        if loop is not self._loop or clock is None:  # connections belong to one loop (tests run several)
            self._drop_pools()
            self._loop = loop
            clock = self._clock = WaitClock(loop)
        target = self.target(request.url)
        pool = self._pools.get(target.key)
        if pool is None:
            pool = self._pools[target.key] = Pool(self, target, self._limit)
        head = encode_head(target, request)
        deadline = None if timeouts.total is None else loop.time() + timeouts.total
        conn = await pool.acquire(loop, timeouts.connect)
        resp = conn.begin(timeouts, deadline, clock)
        assert conn.transport is not None
        conn.transport.write(head + request.body)  # one send(); copying even 56 KB costs ~3 µs
        try:
            await resp.wait_headers()
        except BaseException:
            resp.close()
            raise
        return resp

    def schedule_sweep(self) -> None:
        if self._sweeper is None and self._loop is not None:
            self._sweeper = self._loop.call_later(_SWEEP_EVERY_S, self._sweep)

    def _sweep(self) -> None:
        self._sweeper = None
        now = self.loop_time()
        for pool in self._pools.values():
            pool.sweep(now)
        if any(pool.idle for pool in self._pools.values()):
            self.schedule_sweep()

    def _drop_pools(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
        if self._clock is not None:
            self._clock.close()
            self._clock = None
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None

    async def close(self) -> None:
        self._drop_pools()
        self._loop = None
