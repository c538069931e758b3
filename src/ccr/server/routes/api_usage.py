"""Recent requests, usage aggregates and the live request stream (SSE) for the web UI.

Records pass through the config's secret scrubber: a provider's error text may quote a key.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ccr.server.asgi import SSE_HEADERS, Receive, Scope, Send
from ccr.server.routes.api_common import json_response
from ccr.server.routes.api_secrets import scrubber_for
from ccr.server.state import AppState
from ccr.server.stats import RequestRecord
from ccr.server.stats_daily import DailyHistory, history_days

PING_SECONDS = 15.0
QUEUE_LIMIT = 1000
MAX_TIMELINE_MINUTES = 24 * 60


def record_json(state: AppState, rec: RequestRecord) -> dict[str, Any]:
    data = rec.to_dict()
    if rec.error:
        data["error"] = scrubber_for(state.runtime.config)(rec.error)
    return data


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.query_params.get(name, default))
    except ValueError:
        value = default
    return max(low, min(high, value))


class UsageRoutes:
    def __init__(self, state: AppState) -> None:
        self.state = state
        self.history = DailyHistory(lambda: state.runtime.config)
        state.stats.subscribe(self.history)
        state.stats.closers.append(self.history.flush)

    async def requests(self, request: Request) -> Response:
        stats = self.state.stats
        limit = _int_param(request, "limit", stats.capacity, 1, stats.capacity)
        recent = list(stats.recent)[-limit:]
        return json_response({"requests": [record_json(self.state, r) for r in recent], "capacity": stats.capacity})

    async def usage(self, request: Request) -> Response:
        stats = self.state.stats
        minutes = _int_param(request, "minutes", 60, 1, MAX_TIMELINE_MINUTES)
        now_minute = int(time.time() // 60)
        days = await asyncio.to_thread(self.history.days)
        return json_response(
            {
                "started": stats.started,
                "served": stats.served,
                "errors": stats.errors,
                "since_start": stats.usage_summary(),
                "minutes": minutes,
                "now_minute": now_minute,
                "timeline": stats.timeline_since(now_minute - minutes + 1),
                "history_days": history_days(self.state.runtime.config),
                "days": [
                    {"date": d, "models": [{"target": k, **u.summary()} for k, u in sorted(m.items())]}
                    for d, m in sorted(days.items())
                ],
            }
        )


class EventStream:
    """`GET /api/events`: one `request` event per finished request, `: ping` comments between.

    Raw ASGI so the stream is never buffered, and a client that leaves unsubscribes at once.
    """

    def __init__(self, state: AppState) -> None:
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        queue: asyncio.Queue[RequestRecord] = asyncio.Queue(QUEUE_LIMIT)

        def on_record(rec: RequestRecord) -> None:
            with contextlib.suppress(asyncio.QueueFull):  # a stalled reader loses events, not memory
                queue.put_nowait(rec)

        unsubscribe = self.state.stats.subscribe(on_record)
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        why: list[str] = []

        def stop(reason: str) -> None:
            if not why:
                why.append(reason)
                task.cancel()

        def end() -> None:  # may run in a signal handler: hand over to the loop
            loop.call_soon_threadsafe(stop, "shutdown")

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            stop("client left")

        self.state.stats.stream_enders.append(end)
        watcher = asyncio.ensure_future(watch())
        try:
            await self._serve(queue, send)
        except asyncio.CancelledError:
            if not why:
                raise
            task.uncancel()  # the cancel was ours: end the response normally
            if why[0] == "shutdown":
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            unsubscribe()
            self.state.stats.stream_enders.remove(end)
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    async def _serve(self, queue: asyncio.Queue[RequestRecord], send: Send) -> None:
        headers = [*SSE_HEADERS, (b"x-content-type-options", b"nosniff")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        hello = orjson.dumps({"served": self.state.stats.served})
        await send(
            {
                "type": "http.response.body",
                "body": b"retry: 3000\nevent: hello\ndata: " + hello + b"\n\n",
                "more_body": True,
            }
        )
        while True:
            try:
                rec = await asyncio.wait_for(queue.get(), PING_SECONDS)
            except TimeoutError:
                await send({"type": "http.response.body", "body": b": ping\n\n", "more_body": True})
                continue
            data = orjson.dumps(record_json(self.state, rec))
            await send(
                {"type": "http.response.body", "body": b"event: request\ndata: " + data + b"\n\n", "more_body": True}
            )
