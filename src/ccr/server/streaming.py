"""Streaming answers: provider SSE → unified chunks → Anthropic SSE bytes, or relayed as-is.

One `send` per upstream read (never per event), pings while the provider is silent, and an
Anthropic `event: error` — then a closed stream — when it fails half way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import orjson

from ccr.errors import CcrError, UpstreamError, anthropic_stream_error
from ccr.protocol.sse import PING, SSEEvent, SSEParser, encode_event
from ccr.protocol.stream_writer import AnthropicStreamWriter
from ccr.server.asgi import Send
from ccr.server.dispatch import resume_upstream
from ccr.upstream.transport import TransportError

if TYPE_CHECKING:
    from ccr.server.exchange import Exchange
    from ccr.server.state import AppState

log = logging.getLogger("ccr.request")
PING_INTERVAL = 10.0
"""Seconds of provider silence before a `ping` keeps the client connection alive."""


async def _next_chunk(ex: Exchange, send: Send) -> bytes:
    """The next upstream read, sending pings while the provider is silent.

    The transport waits for us (`read_chunk_within`): no read is cancelled for a ping (the http1
    transport would drop the connection) and the idle limit keeps counting from the provider's
    last bytes, so a slow provider is not cut off and a stalled one is still detected. No task
    per read either: that cost more CPU than the rest of a paced stream's chunk.
    """
    assert ex.upstream is not None
    while True:
        chunk = await ex.upstream.read_chunk_within(PING_INTERVAL)
        if chunk is not None:
            return chunk
        await send({"type": "http.response.body", "body": PING, "more_body": True})


async def stream_unified(ex: Exchange, send: Send, state: AppState | None = None) -> None:
    """Relay the open upstream as Anthropic SSE. With `state`, a provider that fails before the
    first content block (200, then a reset, a timeout or an error event) is followed by the rest
    of the retry and fallback plan (`resume_upstream`) on the same client stream."""
    assert ex.decision is not None and ex.ctx is not None
    body = ex.ctx.anthropic_body or {}
    writer = AnthropicStreamWriter(ex.decision.model, stop_sequences=body.get("stop_sequences") or ())
    await send({"type": "http.response.body", "body": writer.start(), "more_body": True})
    while True:
        failure: CcrError
        try:
            await _relay_unified(ex, send, writer)
            return
        except TransportError as exc:
            failure = _as_upstream_error(exc)
        except CcrError as err:
            failure = err
        if state is not None and writer.pristine and isinstance(failure, UpstreamError):
            try:
                await resume_upstream(ex, state, failure)
                continue
            except CcrError as err:
                failure = err
        await _fail(ex, send, writer.error, failure.error_type, failure.message)
        return


async def _relay_unified(ex: Exchange, send: Send, writer: AnthropicStreamWriter) -> None:
    assert ex.pipeline is not None and ex.ctx is not None
    pipeline, ctx = ex.pipeline, ex.ctx
    parser = SSEParser()
    while True:
        raw = await _next_chunk(ex, send)
        if not raw:
            break
        ex.mark_first_byte()
        out = b""
        try:
            for event in parser.feed(raw):
                for chunk in pipeline.decode_event(event, ctx):
                    out += writer.feed(chunk)
        finally:  # an error event after some content in the same read: that content goes first
            if out:
                await send({"type": "http.response.body", "body": out, "more_body": True})
    tail = b""
    for event in parser.flush():
        for chunk in pipeline.decode_event(event, ctx):
            tail += writer.feed(chunk)
    for chunk in pipeline.decode_end(ctx):
        tail += writer.feed(chunk)
    estimate = None
    if writer.output_tokens_estimated and writer.output_text:
        # The provider sent no usage: count the text we relayed so stats and the status line
        # still show something real (marked as estimated in the log).
        from ccr.protocol.tokens import count_text

        text = writer.output_text
        estimate = count_text(text) if len(text) < 32_768 else await asyncio.to_thread(count_text, text)
        ex.output_estimated = True
    tail += writer.finish(estimated_output_tokens=estimate)
    await send({"type": "http.response.body", "body": tail, "more_body": True})
    ex.usage = writer.usage


async def _fail(
    ex: Exchange, send: Send, make_error: Callable[[str, str], bytes], error_type: str, message: str
) -> None:
    text = f"{ex.provider_name},{ex.model}: stream failed: {message}"
    ex.status, ex.error = 502, text
    log.warning("%s", text)
    payload = make_error(error_type, text)
    await send({"type": "http.response.body", "body": payload, "more_body": True})


def _as_upstream_error(exc: TransportError | UpstreamError) -> UpstreamError:
    """A broken or stalled provider connection as the error the client is told (a stall: overloaded)."""
    if isinstance(exc, UpstreamError):
        return exc
    return UpstreamError(str(exc), error_type="overloaded_error" if exc.timeout else "api_error")


def error_event(error_type: str, message: str) -> bytes:
    return encode_event("error", orjson.dumps({"type": "error", "error": {"type": error_type, "message": message}}))


async def relay_passthrough(ex: Exchange, send: Send, state: AppState | None = None) -> None:
    """Anthropic-native provider: forward its bytes untouched; read usage from a side parser.

    With `state`, what comes before the first content block (`message_start`, pings) is held back
    until one comes, so a provider that fails before it — a reset, a stall, the stream ending, an
    `event: error` such as Anthropic's `overloaded_error` — is followed by the rest of the retry
    and fallback plan (`resume_upstream`) on the same client stream. The client has seen none of
    the provider's events then, so any fallback fits: another Anthropic-native one is relayed the
    same way, an OpenAI-shaped one is converted (`stream_unified`)."""
    if state is None:  # nothing to go on with: failures end the stream where they happen
        await _relay_native(ex, send, hold=False)
        return
    while True:
        try:
            await _relay_native(ex, send, hold=True)
            return
        except (TransportError, UpstreamError) as exc:  # raised only before content
            failure = _as_upstream_error(exc)
        try:
            await resume_upstream(ex, state, failure, client_saw_events=False)
        except CcrError as err:
            await _fail(ex, send, error_event, err.error_type, err.message)
            return
        if ex.pipeline is None or not ex.pipeline.passthrough:
            await stream_unified(ex, send, state)
            return


async def _relay_native(ex: Exchange, send: Send, *, hold: bool) -> None:
    """One provider's stream, relayed. With `hold`, a failure before the first content block
    raises (TransportError, UpstreamError) with nothing sent; any later one ends the stream."""
    parser = SSEParser()
    usage: dict[str, object] = {}
    held: list[bytes] | None = [] if hold else None
    try:
        while True:
            raw = await _next_chunk(ex, send)
            if not raw:
                break
            events = parser.feed(raw)
            for event in events:
                _collect_usage(event.event, event.data, usage)
            if held is not None:
                held.append(raw)
                if not _content_began(events):
                    continue
                raw, held = b"".join(held), None
            ex.mark_first_byte()
            await send({"type": "http.response.body", "body": raw, "more_body": True})
    except (TransportError, UpstreamError) as exc:
        if held is not None:
            raise
        err = _as_upstream_error(exc)
        await _fail(ex, send, error_event, err.error_type, err.message)
    if held is not None:
        raise UpstreamError("the stream ended before its first content block")
    ex.usage = usage


def _content_began(events: list[SSEEvent]) -> bool:
    """Whether these events (in order) reach past `message_start` and pings; an `error` event
    before that raises it as an UpstreamError of its type."""
    for event in events:
        if event.event == "error":
            raise anthropic_stream_error(event.data)
        if event.event not in ("message_start", "ping"):
            return True
    return False


def _collect_usage(event: str | None, data: str, usage: dict[str, object]) -> None:
    if event not in ("message_start", "message_delta"):
        return
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        return
    found = parsed.get("message", {}).get("usage") if event == "message_start" else parsed.get("usage")
    if isinstance(found, dict):
        usage.update({k: v for k, v in found.items() if v is not None})
