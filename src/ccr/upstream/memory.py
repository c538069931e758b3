"""An in-memory `Transport` for socket-free tests: scripted answers, every request recorded.

    transport = MemoryTransport(MemoryAnswer.json({...}))
    app = create_app(config, transport=transport)      # the router, without any socket upstream
    ...
    transport.requests[0].url, .headers, .json()        # what the router would have sent

Answers are served in order, then `default`; a callable chooses from the request. A streamed
answer is given as the exact byte pieces the provider would write, so tests can split SSE
anywhere. `MemoryAnswer.fail(...)` raises a `TransportError` as a refused or reset connection
does; `fail_after` ends a body half way with one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from ccr.transformers.base import UpstreamRequest
from ccr.upstream.transport import Timeouts, TransportError


@dataclass(frozen=True, slots=True)
class MemoryAnswer:
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=lambda: {"content-type": "application/json"})
    pieces: tuple[bytes, ...] = ()
    """The body, one `read_chunk()` per piece."""
    error: str | None = None
    """Raised by `send` as a TransportError (the connection failed; no status exists)."""
    fail_after: int | None = None
    """After this many pieces, `read_chunk()` raises a TransportError (reset mid-body)."""

    @classmethod
    def json(cls, data: Any, status: int = 200) -> MemoryAnswer:
        return cls(status, {"content-type": "application/json"}, (orjson.dumps(data),))

    @classmethod
    def sse(cls, pieces: Iterable[bytes | str], *, fail_after: int | None = None) -> MemoryAnswer:
        data = tuple(p.encode() if isinstance(p, str) else p for p in pieces)
        return cls(200, {"content-type": "text/event-stream"}, data, fail_after=fail_after)

    @classmethod
    def fail(cls, message: str = "connection refused") -> MemoryAnswer:
        return cls(error=message)


Answer = MemoryAnswer | Callable[["MemoryRequest"], MemoryAnswer]


@dataclass(frozen=True, slots=True)
class MemoryRequest:
    url: str
    headers: dict[str, str]
    body: bytes
    timeouts: Timeouts

    def json(self) -> Any:
        return orjson.loads(self.body)


class MemoryResponse:
    __slots__ = ("_answer", "_next", "closed", "headers", "status")

    def __init__(self, answer: MemoryAnswer) -> None:
        self._answer = answer
        self._next = 0
        self.status = answer.status
        self.headers: Mapping[str, str] = answer.headers
        self.closed = False

    async def read(self, limit: int | None = None) -> bytes:
        body = b""
        while piece := await self.read_chunk():
            body += piece
        return body if limit is None else body[:limit]

    async def read_chunk(self) -> bytes:
        answer = self._answer
        if answer.fail_after is not None and self._next >= answer.fail_after:
            raise TransportError("connection lost mid-stream: reset by the (in-memory) provider")
        if self.closed or self._next >= len(answer.pieces):
            return b""
        self._next += 1
        return answer.pieces[self._next - 1]

    async def read_chunk_within(self, wait_s: float) -> bytes | None:
        return await self.read_chunk()  # scripted pieces are always there at once

    def close(self) -> None:
        self.closed = True


class MemoryTransport:
    def __init__(self, *answers: Answer, default: Answer | None = None) -> None:
        self.requests: list[MemoryRequest] = []
        self.responses: list[MemoryResponse] = []
        self.default: Answer = default or MemoryAnswer.fail("no answer scripted for this request")
        self._queue: deque[Answer] = deque(answers)

    def add(self, *answers: Answer) -> None:
        self._queue.extend(answers)

    async def send(self, request: UpstreamRequest, timeouts: Timeouts) -> MemoryResponse:
        recorded = MemoryRequest(request.url, dict(request.headers), request.body, timeouts)
        self.requests.append(recorded)
        answer = self._queue.popleft() if self._queue else self.default
        chosen = answer if isinstance(answer, MemoryAnswer) else answer(recorded)
        if chosen.error is not None:
            raise TransportError(chosen.error)
        response = MemoryResponse(chosen)
        self.responses.append(response)
        return response

    async def close(self) -> None:
        return None
