"""The production transport: one aiohttp session per process, pooled connections."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import aiohttp

from ccr.transformers.base import UpstreamRequest
from ccr.upstream.transport import Timeouts, TransportError


class AiohttpResponse:
    __slots__ = ("_pending", "_resp", "headers", "status")

    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self._resp = resp
        self._pending: asyncio.Task[bytes] | None = None
        self.status = resp.status
        self.headers: Mapping[str, str] = resp.headers

    async def read(self, limit: int | None = None) -> bytes:
        try:
            if limit is None:
                return await self._resp.read()
            return await self._resp.content.read(limit)
        except TimeoutError:
            raise TransportError("timed out reading the response", timeout=True) from None
        except aiohttp.ClientError as exc:
            raise TransportError(f"connection failed while reading: {_describe(exc)}") from None

    async def read_chunk(self) -> bytes:
        try:
            return await self._resp.content.readany()
        except TimeoutError:
            raise TransportError("stream stalled", timeout=True) from None
        except aiohttp.ClientError as exc:
            raise TransportError(f"connection lost mid-stream: {_describe(exc)}") from None

    async def read_chunk_within(self, wait_s: float) -> bytes | None:
        # One read task waited on across calls, so a ping never cancels (and restarts) the read.
        if self._pending is None:
            self._pending = asyncio.ensure_future(self.read_chunk())
        done, _ = await asyncio.wait((self._pending,), timeout=wait_s)
        if not done:
            return None
        task, self._pending = self._pending, None
        return task.result()

    def close(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        self._resp.close()


class AiohttpTransport:
    def __init__(self, proxy: str | None = None, limit_per_host: int = 64) -> None:
        self._proxy = proxy
        self._limit = limit_per_host
        self._session: aiohttp.ClientSession | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        # Created lazily inside the running loop (aiohttp binds sessions to their loop).
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=0, limit_per_host=self._limit, ttl_dns_cache=300, keepalive_timeout=30
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=True,
                skip_auto_headers=("User-Agent",),
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def send(self, request: UpstreamRequest, timeouts: Timeouts) -> AiohttpResponse:
        # sock_read bounds both the wait for the headers and every gap between body chunks; no
        # wrapper task per request (it would cost more CPU than the rest of the client call).
        timeout = aiohttp.ClientTimeout(
            total=timeouts.total, connect=timeouts.connect, sock_read=min(timeouts.first_byte, timeouts.idle)
        )
        session = self._get_session()
        try:
            resp = await session.post(
                request.url, data=request.body, headers=request.headers, timeout=timeout, proxy=self._proxy
            )
        except TimeoutError:
            raise TransportError("no response from the provider in time", timeout=True) from None
        except aiohttp.ClientError as exc:
            raise TransportError(_describe(exc)) from None
        return AiohttpResponse(resp)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientProxyConnectionError):
        return f"cannot reach the proxy (PROXY_URL): {exc}"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return f"TLS certificate problem: {exc.certificate_error}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"cannot connect to {exc.host}:{exc.port} ({exc.os_error.strerror or exc.os_error})"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the provider closed the connection"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
