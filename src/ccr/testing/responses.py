"""Scripted answers for `MockUpstream`: JSON, errors, HTML, SSE streams and network faults.

Each `MockResponse` is an async serve function over the aiohttp request. Delays use asyncio
timers inside the mock: they simulate a slow upstream, the test itself never sleeps.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import socket
import struct
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from aiohttp import web

from ccr.testing.openai_shapes import openai_completion, openai_text_chunks


@dataclass(slots=True)
class RecordedRequest:
    """What the mock received, captured before it answers."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: Any
    disconnected: bool = False
    """Set when the client went away before the answer was complete."""

    @property
    def stream(self) -> bool:
        return isinstance(self.json, dict) and bool(self.json.get("stream"))


@dataclass(slots=True)
class ServeContext:
    request: web.Request
    recorded: RecordedRequest
    stopping: asyncio.Event
    """Set when the mock shuts down: stalled answers end then."""


ServeFn = Callable[[ServeContext], Awaitable[web.StreamResponse]]
Split = Literal["event", "random"] | int


def abort_connection(request: web.Request) -> None:
    """Close the client's socket with a TCP RST (SO_LINGER 0), as a crashed upstream does."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    transport.abort()


class Aborted(Exception):
    """Raised by a scripted fault after it reset the connection: there is nothing to answer."""


async def _after_abort(request: web.Request) -> web.StreamResponse:
    abort_connection(request)
    raise Aborted


def _sse_unit(event: dict[str, Any] | str) -> bytes:
    if isinstance(event, str):
        return event.encode()
    return b"data: " + orjson.dumps(event) + b"\n\n"


def _is_tail(event: dict[str, Any] | str) -> bool:
    if isinstance(event, str):
        return False
    choices = event.get("choices") or []
    return any(c.get("finish_reason") for c in choices) or (not choices and "usage" in event)


def plan_writes(
    events: list[dict[str, Any] | str],
    *,
    split: Split = "event",
    seed: int = 0,
    reset_after_events: int | None = None,
    done: bool = True,
    coalesce_tail: bool = False,
) -> list[bytes]:
    """The exact byte writes an `sse` answer makes (public so tests can check reassembly)."""
    units = [_sse_unit(e) for e in events]
    if reset_after_events is not None:
        units = units[:reset_after_events]
    elif done:
        units.append(b"data: [DONE]\n\n")
    if coalesce_tail and reset_after_events is None:
        first_tail = next((i for i, e in enumerate(events) if _is_tail(e)), len(events))
        units = [*units[:first_tail], b"".join(units[first_tail:])]
    if split == "event":
        return [u for u in units if u]
    blob = b"".join(units)
    if split == "random":
        if len(blob) < 2:
            return [blob] if blob else []
        rng = random.Random(seed)
        cuts = sorted(rng.sample(range(1, len(blob)), min(len(blob) - 1, max(1, len(blob) // 7))))
        bounds = [0, *cuts, len(blob)]
        return [blob[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    if split < 1:
        raise ValueError("split must be 'event', 'random' or a positive byte count")
    return [blob[i : i + split] for i in range(0, len(blob), split)]


@dataclass(frozen=True, slots=True)
class MockResponse:
    serve: ServeFn = field(repr=False)
    label: str = "custom"

    @classmethod
    def json(cls, body: Any, status: int = 200, headers: dict[str, str] | None = None) -> MockResponse:
        data = orjson.dumps(body)

        async def serve(ctx: ServeContext) -> web.StreamResponse:
            return web.Response(body=data, status=status, headers=headers, content_type="application/json")

        return cls(serve, f"json({status})")

    @classmethod
    def error(
        cls, status: int, message: str, type_: str = "api_error", headers: dict[str, str] | None = None
    ) -> MockResponse:
        """An OpenAI-shaped error body with the given HTTP status."""
        body = {"error": {"message": message, "type": type_, "param": None, "code": None}}
        return cls(cls.json(body, status, headers).serve, f"error({status})")

    @classmethod
    def html(cls, status: int, text: str) -> MockResponse:
        async def serve(ctx: ServeContext) -> web.StreamResponse:
            return web.Response(text=text, status=status, content_type="text/html")

        return cls(serve, f"html({status})")

    @classmethod
    def raw(cls, body: bytes, status: int = 200, content_type: str = "application/json") -> MockResponse:
        """Exact bytes, e.g. truncated or invalid JSON."""

        async def serve(ctx: ServeContext) -> web.StreamResponse:
            return web.Response(body=body, status=status, headers={"Content-Type": content_type})

        return cls(serve, f"raw({status})")

    @classmethod
    def sse(
        cls,
        events: Iterable[dict[str, Any] | str],
        *,
        split: Split = "event",
        seed: int = 0,
        first_byte_delay: float = 0.0,
        gap: float = 0.0,
        reset_after_events: int | None = None,
        done: bool = True,
        coalesce_tail: bool = False,
        status: int = 200,
    ) -> MockResponse:
        """A `text/event-stream` answer; dict events are written as `data: <json>\\n\\n`."""
        writes = plan_writes(
            list(events), split=split, seed=seed, reset_after_events=reset_after_events,
            done=done, coalesce_tail=coalesce_tail,
        )  # fmt: skip

        async def serve(ctx: ServeContext) -> web.StreamResponse:
            if first_byte_delay:
                await asyncio.sleep(first_byte_delay)
            resp = web.StreamResponse(status=status, headers={"Content-Type": "text/event-stream"})
            await resp.prepare(ctx.request)
            for i, piece in enumerate(writes):
                if gap and i:
                    await asyncio.sleep(gap)
                await resp.write(piece)
            if reset_after_events is not None:
                return await _after_abort(ctx.request)
            await resp.write_eof()
            return resp

        return cls(serve, f"sse({len(writes)} writes)")

    @classmethod
    def reset(cls) -> MockResponse:
        """Close the connection (RST) before sending anything."""

        async def serve(ctx: ServeContext) -> web.StreamResponse:
            return await _after_abort(ctx.request)

        return cls(serve, "reset")

    @classmethod
    def reset_after_headers(cls, content_type: str = "text/event-stream") -> MockResponse:
        async def serve(ctx: ServeContext) -> web.StreamResponse:
            resp = web.StreamResponse(headers={"Content-Type": content_type})
            await resp.prepare(ctx.request)
            return await _after_abort(ctx.request)

        return cls(serve, "reset_after_headers")

    @classmethod
    def stall(cls, content_type: str = "text/event-stream") -> MockResponse:
        """Send 200 and headers, then nothing until the client leaves or the mock stops."""

        async def serve(ctx: ServeContext) -> web.StreamResponse:
            resp = web.StreamResponse(headers={"Content-Type": content_type})
            await resp.prepare(ctx.request)
            await ctx.stopping.wait()
            return await _after_abort(ctx.request)

        return cls(serve, "stall")

    @classmethod
    def text_or_stream(cls, text: str, **sse_options: Any) -> MockResponse:
        """`text` as a JSON completion, or as an SSE stream when the request asks `stream`."""
        as_json = cls.json(openai_completion(text))
        as_sse = cls.sse(openai_text_chunks(text), **sse_options)

        async def serve(ctx: ServeContext) -> web.StreamResponse:
            chosen = as_sse if ctx.recorded.stream else as_json
            return await chosen.serve(ctx)

        return cls(serve, f"text_or_stream({text[:20]!r})")


Responder = MockResponse | Callable[[RecordedRequest], MockResponse]
"""A scripted answer, or a function choosing one from the request (for multi-turn scripts)."""
