"""Noticing a client that goes away, at any point after its request body was read.

uvicorn reports a disconnect only through `receive()` and never cancels the application, so a
request whose client left would otherwise keep its provider call running: through connecting,
waiting minutes for a slow model's first byte, retries and fallbacks, or a whole non-streamed
answer. A disconnect that comes before the response is complete cancels the serving task, which
closes the provider request wherever it is. Under `ccr start` the server itself reports the
disconnect (the hot lane's hook, or the `ccr.disconnect` scope extension: server/http_protocol.py);
elsewhere one watcher task per request waits on `receive()`.
"""

from __future__ import annotations

import asyncio

from ccr.server.asgi import Message, Receive, Scope, Send
from ccr.server.http_protocol import DISCONNECT_EXTENSION, DisconnectHook


class DisconnectWatch:
    __slots__ = ("_hook", "_task", "_watcher", "client_gone", "complete")

    def __init__(self, receive: Receive | None, scope: Scope | None = None, hook: DisconnectHook | None = None) -> None:
        if hook is None and scope is not None:
            found = scope.get("extensions", {}).get(DISCONNECT_EXTENSION)
            hook = found if isinstance(found, DisconnectHook) else None
        task = hook.task if hook is not None and hook.task is not None else asyncio.current_task()
        assert task is not None
        self._task = task
        self.complete = False
        """The last byte of the response was handed to the server: a disconnect now is normal."""
        self.client_gone = False
        """The client left before the response was complete (the serving task was cancelled)."""
        self._hook = hook
        self._watcher: asyncio.Future[None] | None = None
        if hook is not None:
            hook.callback = self._left  # no task, no wrapped send: the server tells us
        else:
            assert receive is not None
            self._watcher = asyncio.ensure_future(self._watch(receive))

    def _left(self) -> None:
        if not self.complete:
            self.client_gone = True
            self._task.cancel()

    async def _watch(self, receive: Receive) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self._left()
                return

    def wrap(self, send: Send) -> Send:
        """`send`, noting when the response is complete (uvicorn answers `receive()` then too).
        With the server's hook, `send` itself: the server knows when the response is complete."""
        if self._hook is not None:
            return send

        async def tracked(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                self.complete = True
            await send(message)

        return tracked

    def ours(self, task: asyncio.Task[object]) -> bool:
        """In an `except CancelledError`: True when the only cancellation was ours (client gone),
        so the request can end quietly; a shutdown's cancellation must still propagate."""
        return self.client_gone and task.uncancel() == 0

    def stop(self) -> None:
        # Not awaited: the request is recorded (stats, session usage) in the same loop step as its
        # last byte, before the client's next request can look. The loop keeps the cancelled
        # watcher alive until it has ended.
        self.complete = True
        if self._hook is not None:
            self._hook.callback = None
        if self._watcher is not None:
            self._watcher.cancel()
