"""`MockUpstream`: a scriptable OpenAI-compatible server on 127.0.0.1 for tests.

Use it inside the test's event loop (`async with MockUpstream() as up:`) or, for sync tests and
subprocesses, on its own loop in a daemon thread (`with MockUpstream() as up:` or
`start_in_thread()` / `stop()`). Every request is recorded before it is answered; answers come
from the queue filled by `enqueue`, then from `default`.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from types import TracebackType
from typing import Any

import orjson
from aiohttp import web

from ccr.testing.responses import Aborted, MockResponse, RecordedRequest, Responder, ServeContext

DEFAULT_TEXT = "Hello from the mock upstream."


class MockUpstream:
    def __init__(self, default: Responder | None = None) -> None:
        self.default: Responder = default or MockResponse.text_or_stream(DEFAULT_TEXT)
        self.requests: list[RecordedRequest] = []
        self.url = ""
        self._queue: deque[Responder] = deque()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._runner: web.AppRunner | None = None
        self._stopping: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def chat_url(self) -> str:
        return self.url + "/v1/chat/completions"

    @property
    def base_v1(self) -> str:
        return self.url + "/v1"

    def enqueue(self, *responses: Responder) -> None:
        """Answers served in order to the next requests; `default` after they run out."""
        with self._lock:
            self._queue.extend(responses)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    # -- lifecycle in the running loop -------------------------------------------------

    async def __aenter__(self) -> MockUpstream:
        await self._start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stop()

    async def _start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # handler_cancellation: a client that leaves cancels the handler, so we can record it.
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def _stop(self) -> None:
        if self._stopping is not None:
            self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- lifecycle on a thread ---------------------------------------------------------

    def start_in_thread(self) -> MockUpstream:
        ready = threading.Event()
        failure: list[BaseException] = []

        def main() -> None:
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(self._start())
            except BaseException as exc:  # report to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._stop())
            loop.close()

        self._thread = threading.Thread(target=main, name="mock-upstream", daemon=True)
        self._thread.start()
        ready.wait(30)
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        self._thread = None

    def __enter__(self) -> MockUpstream:
        return self.start_in_thread()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- waiting without sleeping ------------------------------------------------------

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> list[RecordedRequest]:
        """Block (sync tests) until `count` requests arrived; raises TimeoutError otherwise."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.requests) >= count, timeout):
                raise TimeoutError(f"mock upstream saw {len(self.requests)} requests, expected {count}")
            return list(self.requests)

    # The wait runs on a worker thread (the mock may live in another loop), which cannot be
    # cancelled from outside: so it takes its own bound instead of relying on asyncio.timeout.
    async def wait_for_disconnect(self, index: int = -1, timeout: float = 10.0) -> RecordedRequest:  # noqa: ASYNC109
        """Wait (in any loop) until the client of request `index` went away."""
        return await asyncio.to_thread(self._wait_disconnect, index, timeout)

    def _wait_disconnect(self, index: int, timeout: float) -> RecordedRequest:
        with self._changed:
            gone = lambda: bool(self.requests) and self.requests[index].disconnected  # noqa: E731
            if not self._changed.wait_for(gone, timeout):
                raise TimeoutError("the client did not disconnect from the mock upstream")
            return self.requests[index]

    # -- serving -----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        recorded = await _record(request)
        with self._changed:
            self.requests.append(recorded)
            responder = self._queue.popleft() if self._queue else self.default
            self._changed.notify_all()
        response = responder if isinstance(responder, MockResponse) else responder(recorded)
        assert self._stopping is not None
        try:
            return await response.serve(ServeContext(request, recorded, self._stopping))
        except Aborted:
            # We cut the connection on purpose; give aiohttp a response it cannot send.
            return web.Response(status=599)
        except asyncio.CancelledError:
            self._mark_disconnected(recorded)
            raise
        except ConnectionResetError:
            # A write raced the client's close; that is the client leaving, not a mock error
            # (re-raising would make aiohttp log a traceback).
            self._mark_disconnected(recorded)
            return web.Response(status=499)

    def _mark_disconnected(self, recorded: RecordedRequest) -> None:
        with self._changed:
            recorded.disconnected = True
            self._changed.notify_all()


async def _record(request: web.Request) -> RecordedRequest:
    body = await request.read()
    parsed: Any = None
    if body:
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            parsed = None
    return RecordedRequest(
        method=request.method,
        path=request.path,
        query=dict(request.query),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        json=parsed,
    )
