"""A loopback HTTP/1.1 server whose answers are scripted byte by byte, for the http1 transport tests.

Each request is recorded with the number of the connection it came on, so tests can tell reuse
from a new connection. An answer is an async function `(request, writer) -> keep_open`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import ssl
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Seen:
    conn: int
    head: bytes
    body: bytes

    def header(self, name: str) -> str | None:
        for line in self.head.decode("latin-1").split("\r\n")[1:]:
            key, _, value = line.partition(":")
            if key.strip().lower() == name:
                return value.strip()
        return None


Answer = Callable[[Seen, asyncio.StreamWriter], Awaitable[bool]]


@dataclass
class ScriptServer:
    answers: list[Answer]
    tls: ssl.SSLContext | None = None
    requests: list[Seen] = field(default_factory=list)
    connections: int = 0
    url: str = ""
    closed_conns: list[int] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _closes: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def wait_closed(self, count: int) -> None:
        """Until `count` connections have been closed on the server side."""
        async with self._closes:
            await self._closes.wait_for(lambda: len(self.closed_conns) >= count)

    async def __aenter__(self) -> ScriptServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"{'https' if self.tls else 'http'}://127.0.0.1:{port}/v1/chat/completions"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        conn = self.connections
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                seen = Seen(conn, head, b"")
                length = int(seen.header("content-length") or 0)
                seen.body = await reader.readexactly(length)
                self.requests.append(seen)
                answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
                if not await answer(seen, writer):
                    return
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            self.closed_conns.append(conn)  # only now is the close on the wire
            async with self._closes:
                self._closes.notify_all()


def response(status: int, body: bytes, *headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def chunked(pieces: list[bytes], *headers: str) -> bytes:
    head = "\r\n".join(["HTTP/1.1 200 OK", "Transfer-Encoding: chunked", *headers]) + "\r\n\r\n"
    body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces if p) + b"0\r\n\r\n"
    return head.encode() + body


def send(data: bytes, keep: bool = True) -> Answer:
    async def answer(req: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(data)
        await writer.drain()
        return keep

    return answer


def gzipped(text: bytes) -> bytes:
    return gzip.compress(text)


def reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST instead of FIN (SO_LINGER 0), as a crashed peer or a middlebox would."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
