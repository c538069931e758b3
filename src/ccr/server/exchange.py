"""One client request's journey: decision, pipeline, upstream call, answer, and its record."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import orjson

from ccr.errors import UpstreamError
from ccr.protocol.from_unified import unified_to_anthropic
from ccr.routing.decision import RouteDecision
from ccr.server.dispatch import open_upstream
from ccr.server.stats import RequestRecord
from ccr.transformers.base import RequestContext
from ccr.transformers.pipeline import Pipeline
from ccr.upstream.transport import UpstreamResponse

if TYPE_CHECKING:
    from ccr.server.disconnect import DisconnectWatch
    from ccr.server.state import AppState, Runtime

log = logging.getLogger("ccr.request")
_HEADER_SAFE = {ord("\r"): " ", ord("\n"): " ", 0: " "}


class Exchange:
    """One request's state. Fields not given start at their class-level default: a request sets
    only the few it changes, instead of twenty assignments up front for every request."""

    stream: bool = False
    session_id: str | None = None
    decision: RouteDecision | None = None
    routed: RouteDecision | None = None
    """The router's own decision, once a fallback (now `decision`) has taken over from it."""
    attempt: int = 0
    """Retries it took the current target to answer (0: the first try)."""
    pipeline: Pipeline | None = None
    ctx: RequestContext | None = None
    upstream: UpstreamResponse | None = None
    response_started: bool = False
    first_byte: float | None = None
    upstream_started: float | None = None
    status: int = 200
    error: str | None = None
    usage: Mapping[str, Any] = MappingProxyType({})
    """Replaced, never changed in place (the default is shared)."""
    output_estimated: bool = False
    watch: DisconnectWatch | None = None
    """Set once the body is read: cancels the request when the client leaves."""

    def __init__(
        self,
        runtime: Runtime,
        started: float,
        *,
        stream: bool = False,
        session_id: str | None = None,
        decision: RouteDecision | None = None,
    ) -> None:
        self.runtime = runtime
        self.started = started
        if stream:
            self.stream = stream
        if session_id is not None:
            self.session_id = session_id
        if decision is not None:
            self.decision = decision

    @property
    def provider_name(self) -> str:
        return self.decision.provider if self.decision else "?"

    @property
    def model(self) -> str:
        return self.decision.model if self.decision else "?"

    def route_header(self) -> list[tuple[bytes, bytes]]:
        d = self.decision
        return [] if d is None else [_route_field(d.scenario, d.provider, d.model)]

    def json_headers(self) -> list[tuple[bytes, bytes]]:
        return [(b"content-type", b"application/json"), *self.route_header()]

    def mark_first_byte(self) -> None:
        if self.first_byte is None:
            self.first_byte = time.perf_counter()

    async def open(self, state: AppState, body: dict[str, Any], headers: dict[str, str]) -> None:
        """Build the provider request and send it (retries, fallbacks); raises an Anthropic-shaped error."""
        await open_upstream(self, state, body, headers)

    def json_answer(self, data: bytes) -> bytes:
        assert self.pipeline is not None and self.ctx is not None and self.decision is not None
        if self.pipeline.passthrough:
            self._usage_from_passthrough(data)
            return data
        unified = self.pipeline.decode_response(data, self.ctx)
        stops = self.ctx.anthropic_body.get("stop_sequences") if self.ctx.anthropic_body else None
        try:
            message = unified_to_anthropic(unified, self.decision.model, stops or ())
        except UpstreamError as err:
            raise UpstreamError(f"{self.provider_name},{self.model}: {err.message}", status=err.status) from None
        if not isinstance(unified.get("usage"), dict):
            self._estimate_output(message)
        self.usage = message.get("usage") or {}
        return orjson.dumps(message)

    def _estimate_output(self, message: dict[str, Any]) -> None:
        """The provider reported no usage (some local servers): count the answer here, as the
        streamed path does, so stats and the status line show something real (the log marks it)."""
        text = answer_text(message.get("content"))
        if text:
            from ccr.protocol.tokens import count_text

            message["usage"]["output_tokens"] = count_text(text)
            self.output_estimated = True

    def _usage_from_passthrough(self, data: bytes) -> None:
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError:
            return
        if isinstance(parsed, dict) and isinstance(parsed.get("usage"), dict):
            self.usage = parsed["usage"]

    def finish(self, state: AppState) -> None:
        now = time.perf_counter()
        d = self.decision
        usage = self.usage
        rec = RequestRecord(
            time=time.time(),
            session=self.session_id,
            scenario=d.scenario if d else "-",
            provider=d.provider if d else "-",
            model=d.model if d else "-",
            stream=self.stream,
            status=self.status,
            latency_ms=round((now - self.started) * 1000, 2),
            ttfb_ms=round((self.first_byte - self.started) * 1000, 2) if self.first_byte else None,
            input_tokens=int(usage.get("input_tokens") or 0),
            output_tokens=int(usage.get("output_tokens") or 0),
            cache_read_tokens=int(usage.get("cache_read_input_tokens") or 0),
            error=self.error,
        )
        state.stats.record(rec)
        if usage and self.status == 200:
            self.runtime.router.record_usage(self.session_id, usage)
        if log.isEnabledFor(logging.INFO):
            log.info(
                "%s route=%s %s,%s stream=%d in=%d out=%d%s latency_ms=%.1f%s",
                rec.status,
                rec.scenario,
                rec.provider,
                rec.model,
                rec.stream,
                rec.input_tokens,
                rec.output_tokens,
                " (estimated)" if self.output_estimated else "",
                rec.latency_ms,
                f" error={rec.error}" if rec.error else "",
            )


@functools.lru_cache(maxsize=256)  # a handful of targets serve nearly every request
def _route_field(scenario: str, provider: str, model: str) -> tuple[bytes, bytes]:
    """The `x-ccr-route` header of a decision."""
    # A provider without a model list takes any model id the client sends, line breaks too:
    # they must not end the header line.
    value = f"{scenario} {provider},{model}"
    if "\r" in value or "\n" in value or "\0" in value:
        value = value.translate(_HEADER_SAFE)
    return (b"x-ccr-route", value.encode("latin-1", "replace"))


def answer_text(content: object) -> str:
    """What the model wrote in an Anthropic answer: text, thinking and tool inputs as JSON."""
    pieces: list[str] = []
    for block in content if isinstance(content, list) else ():
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text":
            pieces.append(str(block.get("text") or ""))
        elif kind == "thinking":
            pieces.append(str(block.get("thinking") or ""))
        elif kind == "tool_use":
            pieces.append(orjson.dumps(block.get("input")).decode())
    return "".join(pieces)
