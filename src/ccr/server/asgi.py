"""Small raw-ASGI helpers for the hot path (no Request/Response objects per call)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from itertools import chain
from typing import Any

import orjson

from ccr.errors import CcrError, PayloadTooLargeError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

JSON_HEADERS = [(b"content-type", b"application/json")]
SSE_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
]


class ClientDisconnected(Exception):
    pass


async def read_body(receive: Receive, limit: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise body_too_large(limit)
            parts.append(chunk)
        if not message.get("more_body", False):
            break
    return parts[0] if len(parts) == 1 else b"".join(parts)


def body_too_large(limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"request body is over {limit} bytes (MAX_BODY_BYTES); shorten the conversation or raise the limit"
    )


def header_dict(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Request headers as text. Decoded in one piece: one `decode` per request instead of two per
    header. The HTTP parser lets no line feed through in a name or value; should one ever be
    there, the pieces do not add up and each header is decoded on its own."""
    pieces = b"\n".join(chain.from_iterable(headers)).decode("latin-1").split("\n")
    if len(pieces) != 2 * len(headers):
        return {k.decode("latin-1"): v.decode("latin-1") for k, v in headers}
    it = iter(pieces)
    return dict(zip(it, it, strict=True))


async def send_bytes(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    hdrs = list(JSON_HEADERS if headers is None else headers)
    hdrs.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": body})


async def send_json(send: Send, status: int, data: Any, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    await send_bytes(send, status, orjson.dumps(data), JSON_HEADERS + (extra or []))


async def send_error(send: Send, error: CcrError, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    headers = JSON_HEADERS + (extra or [])
    await send_bytes(send, error.status, error.to_bytes(), headers)
