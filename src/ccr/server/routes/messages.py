"""`POST /v1/messages`: route, convert, call the provider, convert back — JSON or SSE.

Raw ASGI on purpose: this is the hot path, and it must stream without buffering and notice a
client that goes away (the upstream call is cancelled at once).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from ccr.errors import CcrError, PluginError, UpstreamError
from ccr.protocol.parse_memo import ParseMemo
from ccr.routing.decision import RoutingRequest
from ccr.server.asgi import (
    SSE_HEADERS,
    ClientDisconnected,
    Receive,
    Scope,
    Send,
    header_dict,
    read_body,
    send_bytes,
    send_error,
)
from ccr.server.disconnect import DisconnectWatch
from ccr.server.dispatch import open_upstream
from ccr.server.exchange import Exchange
from ccr.server.http_protocol import DisconnectHook
from ccr.server.image_agent import ImageAgentRun, for_request
from ccr.server.request_body import parse_messages_body
from ccr.server.state import AppState
from ccr.server.streaming import relay_passthrough, stream_unified
from ccr.server.upstream_errors import transport_error
from ccr.upstream.transport import TransportError, UpstreamResponse

log = logging.getLogger("ccr.request")
MAX_UPSTREAM_BYTES = 64 * 1024 * 1024
"""A non-streamed answer larger than this is refused (a misbehaving server must not eat memory)."""


async def read_capped(upstream: UpstreamResponse, cap: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    while chunk := await upstream.read_chunk():
        size += len(chunk)
        if size > cap:
            raise UpstreamError(f"the provider's answer is over {cap // (1024 * 1024)} MiB; refused", status=502)
        parts.append(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)


class MessagesEndpoint:
    def __init__(self, state: AppState) -> None:
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI route (other servers, other protocols): reads the body, then as `serve`."""
        await self.serve(None, scope["headers"], send, receive=receive, scope=scope)

    async def serve(
        self,
        take_body: Callable[[], bytes] | None,
        header_list: list[tuple[bytes, bytes]],
        send: Send,
        *,
        receive: Receive | None = None,
        scope: Scope | None = None,
        hook: DisconnectHook | None = None,
    ) -> None:
        """Serve one request whose body is in hand (`take_body()` hands it over once: the hot lane)
        or still to be read from `receive`; `hook` (or the scope's extension) reports a client
        that leaves."""
        state = self.state
        runtime = state.runtime  # one snapshot for the whole request (reload-safe)
        ex = Exchange(runtime=runtime, started=time.perf_counter())
        state.busy_poll.settle(state.busy_poll.after_answer)  # did this request follow the last answer quickly?
        state.in_flight += 1
        try:
            await self._serve(ex, take_body, header_list, send, receive, scope, hook)
            # The answer is out: a client's next request may be close behind (a lone request only).
            state.busy_poll.arm(state.busy_poll.after_answer, state.in_flight)
        except ClientDisconnected:
            ex.status, ex.error = 499, "client disconnected"
        except asyncio.CancelledError:
            ex.status, ex.error = 499, "client disconnected"
            task = asyncio.current_task()
            if ex.watch is None or task is None or not ex.watch.ours(task):
                raise  # a shutdown, not (only) the client leaving
        except CcrError as err:
            ex.status, ex.error = err.status, err.message
            if not ex.response_started:
                await send_error(send, err, ex.route_header())
        except Exception as exc:  # a bug must cost one request, not the server
            log.exception("unexpected error serving /v1/messages")
            internal = PluginError(f"internal error while serving the request: {type(exc).__name__}: {exc}")
            ex.status, ex.error = 500, internal.message
            if not ex.response_started:
                await send_error(send, internal, ex.route_header())
        finally:
            state.in_flight -= 1
            ex.finish(state)

    async def _serve(
        self,
        ex: Exchange,
        take_body: Callable[[], bytes] | None,
        header_list: list[tuple[bytes, bytes]],
        send: Send,
        receive: Receive | None,
        scope: Scope | None,
        hook: DisconnectHook | None,
    ) -> None:
        if take_body is not None:
            raw = take_body()
        else:
            assert receive is not None
            raw = await read_body(receive, ex.runtime.config.MAX_BODY_BYTES)
        req, headers = self._parse(raw, header_list, ex.runtime.parse_memo)
        del raw  # not held for the whole of a stream
        ex.watch = watch = DisconnectWatch(receive, scope, hook)
        send = watch.wrap(send)
        try:  # routing, the provider call and the answer inline: a coroutine level costs on every wake-up
            body = req.body
            ex.stream = body.get("stream") is True
            try:
                ex.decision = await ex.runtime.router.route(req)
            finally:
                ex.session_id = req.session_id  # the router reads it from the headers or metadata
            agent = for_request(req, self.state, body, headers)  # None unless the image agent is on
            await open_upstream(ex, self.state, body, headers)  # not `ex.open`: one coroutine less
            if ex.stream:
                await self._stream(ex, send, agent)
            else:
                await self._json(ex, send, agent)
        finally:
            watch.stop()

    @staticmethod
    def _parse(
        raw: bytes, header_list: list[tuple[bytes, bytes]], memo: ParseMemo | None
    ) -> tuple[RoutingRequest, dict[str, str]]:
        body = parse_messages_body(raw, memo=memo)
        headers = header_dict(header_list)
        req = RoutingRequest(body=body, headers=headers, body_size=len(raw))
        return req, headers

    async def _json(self, ex: Exchange, send: Send, agent: ImageAgentRun | None = None) -> None:
        assert ex.upstream is not None
        try:
            data = await read_capped(ex.upstream, MAX_UPSTREAM_BYTES)
        except TransportError as exc:
            raise transport_error(ex.provider_name, ex.model, exc) from None
        finally:
            ex.upstream.close()
        out = ex.json_answer(data)
        if agent is not None:
            out = await agent.finish_json(ex, out)
        ex.mark_first_byte()
        ex.response_started = True
        await send_bytes(send, 200, out, ex.json_headers())

    async def _stream(self, ex: Exchange, send: Send, agent: ImageAgentRun | None = None) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS + ex.route_header()})
            ex.response_started = True
            if agent is not None:
                await agent.stream(ex, send)
            elif ex.pipeline is not None and ex.pipeline.passthrough:
                await relay_passthrough(ex, send, self.state)
            else:
                await stream_unified(ex, send, self.state)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            if ex.upstream is not None:
                ex.upstream.close()


def usage_fields(usage: dict[str, Any] | None) -> tuple[int, int, int]:
    if not usage:
        return 0, 0, 0
    return (
        int(usage.get("input_tokens") or 0),
        int(usage.get("output_tokens") or 0),
        int(usage.get("cache_read_input_tokens") or 0),
    )


__all__ = ["MessagesEndpoint", "UpstreamError", "usage_fields"]
