"""Noticing a client that goes away, at any point after its request body was read.

uvicorn reports a disconnect only through `receive()` and never cancels the application, so a
request whose client left would otherwise keep its provider call running: through connecting,
waiting minutes for a slow model's first byte, retries and fallbacks, or a whole non-streamed
answer. One watcher per request waits on `receive()` instead; a disconnect that comes before the
response is complete cancels the serving task, which closes the provider request wherever it is.
"""

from __future__ import annotations

import asyncio

from ccr.server.asgi import Message, Receive, Send


class DisconnectWatch:
    __slots__ = ("_task", "_watcher", "client_gone", "complete")

    def __init__(self, receive: Receive) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._task = task
        self.complete = False
        """The last byte of the response was handed to the server: a disconnect now is normal."""
        self.client_gone = False
        """The client left before the response was complete (the serving task was cancelled)."""
        self._watcher = asyncio.ensure_future(self._watch(receive))

    async def _watch(self, receive: Receive) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                if not self.complete:
                    self.client_gone = True
                    self._task.cancel()
                return

    def wrap(self, send: Send) -> Send:
        """`send`, noting when the response is complete (uvicorn answers `receive()` then too)."""

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
        self._watcher.cancel()
