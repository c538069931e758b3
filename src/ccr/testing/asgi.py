"""Calling the router's ASGI app in-process, without a socket: for unit tests with `MemoryTransport`.

app = create_app(config, transport=MemoryTransport(MemoryAnswer.json(...)))
answer = await asgi_request(app, "POST", "/v1/messages", {"model": "m", ...}, {"x-api-key": "k"})
answer.status, answer.headers["x-ccr-route"], answer.json()   # or answer.body (SSE bytes)
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import orjson

from ccr.server.asgi import ASGIApp, Message


@dataclass(frozen=True, slots=True)
class AsgiAnswer:
    status: int
    headers: dict[str, str]
    body: bytes
    writes: int
    """How many body messages the app sent (a stream sends one per upstream read)."""

    def json(self) -> Any:
        return orjson.loads(self.body)


async def asgi_request(
    app: ASGIApp,
    method: str,
    path: str,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> AsgiAnswer:
    """One request through `app`; `body` is JSON-encoded unless it is bytes. The client stays
    connected until the response is complete, then reports a disconnect (as uvicorn does)."""
    raw = body if isinstance(body, bytes) else b"" if body is None else orjson.dumps(body)
    path, _, query = path.partition("?")
    hdrs = {"host": "127.0.0.1", "content-type": "application/json", **(headers or {})}
    scope: MutableMapping[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in hdrs.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 3456),
    }
    complete = asyncio.Event()
    delivered = False
    start: Message = {}
    parts: list[bytes] = []

    async def receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": raw, "more_body": False}
        await complete.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            parts.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                complete.set()

    await app(scope, receive, send)
    complete.set()
    answer_headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in start.get("headers", [])}
    return AsgiAnswer(int(start.get("status", 0)), answer_headers, b"".join(parts), len(parts))
