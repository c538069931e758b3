#!/usr/bin/env python3
"""A small closed-loop HTTP load generator, used when `wrk` is not installed (same output line).

Each of `--connections` keep-alive connections sends the body, reads the whole answer (length or
chunked), checks it like bench/check.lua does, and sends again, for `--seconds`.

Usage: python bench/loadgen.py URL BODY_FILE KIND KEY --connections 16 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import time
from urllib.parse import urlsplit

import httptools
import orjson
from services import raw_post

CHECKS = {
    "anthropic-json": (b'"type":"message"', b'"usage"', b'"text"'),
    "anthropic-sse": (b"event: message_start", b"content_block_delta", b"event: message_stop"),
    "openai-json": (b'"choices"',),
    "openai-sse": (b"chat.completion.chunk", b"[DONE]"),
}


class Tally:
    def __init__(self) -> None:
        self.good = self.bad_status = self.bad_body = self.socket_errors = 0
        self.latencies: list[float] = []


class Client(asyncio.Protocol):
    def __init__(self, request: bytes, kind: str, tally: Tally, until: float) -> None:
        self.request, self.checks, self.tally, self.until = request, CHECKS[kind], tally, until
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.body: list[bytes] = []
        self.sent = 0.0
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        self.sent = time.perf_counter()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self._fail()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        now = time.perf_counter()
        body, self.body = b"".join(self.body), []
        t = self.tally
        t.latencies.append(now - self.sent)
        if self.parser.get_status_code() != 200:
            t.bad_status += 1
        elif all(c in body for c in self.checks):
            t.good += 1
        else:
            t.bad_body += 1
        if now < self.until:
            self._send()
        elif not self.finished.done():
            self.finished.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.finished.done():
            self._fail()

    def _fail(self) -> None:
        self.tally.socket_errors += 1
        if not self.finished.done():
            self.finished.set_result(None)
        if self.transport is not None:
            self.transport.close()


async def run(url: str, body: bytes, kind: str, key: str, connections: int, seconds: float) -> dict[str, float]:
    parts = urlsplit(url)
    auth = {"anthropic-version": "2023-06-01", "authorization": f"Bearer {key}", "x-api-key": key}
    request = raw_post(url, body, auth)
    tally = Tally()
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    clients = []
    for _ in range(connections):
        client = Client(request, kind, tally, start + seconds)
        await loop.create_connection(lambda c=client: c, parts.hostname, parts.port)  # type: ignore[misc]
        clients.append(client)
    await asyncio.wait([c.finished for c in clients], timeout=seconds + 30)
    elapsed = time.perf_counter() - start
    lat = sorted(tally.latencies) or [0.0]
    return {
        "requests": len(tally.latencies),
        "seconds": elapsed,
        "good": tally.good,
        "bad_status": tally.bad_status,
        "bad_body": tally.bad_body,
        "socket_errors": tally.socket_errors,
        "p50_ms": lat[len(lat) // 2] * 1000,
        "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("url")
    ap.add_argument("body_file")
    ap.add_argument("kind", choices=sorted(CHECKS))
    ap.add_argument("key")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=10)
    a = ap.parse_args()
    with open(a.body_file, "rb") as f:
        body = f.read()
    import uvloop

    result = uvloop.run(run(a.url, body, a.kind, a.key, a.connections, a.seconds))
    print("RESULT " + orjson.dumps(result).decode(), flush=True)


if __name__ == "__main__":
    main()
