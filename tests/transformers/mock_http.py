"""A tiny scriptable HTTP server for the non-OpenAI upstreams these tests need (Gemini, Google's
token endpoint, Anthropic, Code Assist): routes map a path to an async handler; every request is
recorded first. Runs in the test's loop (`async with`) or on its own thread (`with`)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import orjson
from aiohttp import web

Handler = Callable[[web.Request, "Recorded"], Awaitable[web.StreamResponse]]


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


class MockHttp:
    def __init__(self, routes: dict[str, Handler]) -> None:
        self.routes = routes
        self.requests: list[Recorded] = []
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None

    def seen(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        rec = Recorded(request.method, request.path, dict(request.query), dict(request.headers), await request.read())
        self.requests.append(rec)
        for prefix, handler in self.routes.items():
            if request.path == prefix or (prefix.endswith("*") and request.path.startswith(prefix[:-1])):
                return await handler(request, rec)
        return web.json_response({"error": {"message": f"no route for {request.path}"}}, status=404)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def __aenter__(self) -> MockHttp:
        await self._start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def __enter__(self) -> MockHttp:
        def main() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._stop = asyncio.Event()

            async def serve() -> None:
                await self._start()
                self._ready.set()
                assert self._stop is not None
                await self._stop.wait()
                await self.__aexit__()

            loop.run_until_complete(serve())
            loop.close()

        self._thread = threading.Thread(target=main, name="mock-http", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)


def json_reply(data: Any, status: int = 200) -> Handler:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")

    return handler


def replies(*answers: tuple[int, Any]) -> Handler:
    """Answer with each (status, JSON) in turn; the last one repeats."""
    queue = list(answers)

    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        status, data = queue.pop(0) if len(queue) > 1 else queue[0]
        return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")

    return handler


def sse_reply(events: list[bytes], content_type: str = "text/event-stream") -> Handler:
    """Write the given raw SSE chunks one by one (each flushed as its own write)."""

    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"content-type": content_type})
        await resp.prepare(request)
        for chunk in events:
            await resp.write(chunk)
        await resp.write_eof()
        return resp

    return handler
