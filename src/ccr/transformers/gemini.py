"""`gemini`: Google AI Studio's Gemini API (`generateContent`, `streamGenerateContent?alt=sse`),
authenticated with `x-goog-api-key`.

`api_base_url` may be `https://generativelanguage.googleapis.com/v1beta/models/` (as in CCR's
README) or just the host. The wire mapping is in gemini_request / gemini_response, shared with
`vertex-gemini` and `gemini-cli`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

import orjson

from ccr.errors import UpstreamError
from ccr.protocol.request_json import dumps_request
from ccr.protocol.sse import SSEEvent
from ccr.transformers.base import Endpoint, RequestContext, UpstreamRequest
from ccr.transformers.gemini_request import GeminiOptions, gemini_body
from ccr.transformers.gemini_response import GeminiStream, decode_json
from ccr.transformers.openai import decode_json_object
from ccr.transformers.registry import builtin
from ccr.types import UnifiedChunk, UnifiedRequest, UnifiedResponse


@functools.lru_cache(maxsize=256)  # every request, with one of a few configured URLs
def models_url(base: str) -> str:
    """The `…/models` collection URL from whatever prefix the user configured."""
    base = base.rstrip("/")
    if base.endswith("/models"):
        return base
    if urlsplit(base).path in ("", "/"):
        return base + "/v1beta/models"
    if base.rsplit("/", 1)[-1] in ("v1", "v1beta", "v1alpha"):
        return base + "/models"
    return base


def method(stream: bool) -> str:
    return "streamGenerateContent?alt=sse" if stream else "generateContent"


class GeminiWire(Endpoint):
    """Gemini's body and answers; subclasses say where to send it and how to authenticate."""

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self.gemini = GeminiOptions.parse(self.options, self.name)

    def payload(self, body: UnifiedRequest, ctx: RequestContext) -> dict[str, Any]:
        return gemini_body(body, ctx, self.gemini)

    def unwrap(self, resp: dict[str, Any]) -> dict[str, Any]:
        """The Gemini response inside what the endpoint returns (Code Assist wraps it)."""
        return resp

    def decode_response(self, data: bytes, ctx: RequestContext) -> UnifiedResponse:
        return decode_json(self.unwrap(decode_json_object(data, ctx)), ctx)

    def decode_event(self, event: SSEEvent, ctx: RequestContext) -> list[UnifiedChunk]:
        if not event.data or event.data == "[DONE]":
            return []
        try:
            resp = orjson.loads(event.data)
        except orjson.JSONDecodeError:
            raise UpstreamError(
                f"{ctx.provider.name} sent a stream event that is not JSON: {event.data[:200]!r}"
            ) from None
        if not isinstance(resp, dict):
            return []
        return self._stream(ctx).feed(self.unwrap(resp))

    def decode_end(self, ctx: RequestContext) -> list[UnifiedChunk]:
        return self._stream(ctx).end()

    def _stream(self, ctx: RequestContext) -> GeminiStream:
        stream = ctx.state.get("gemini-stream")
        if not isinstance(stream, GeminiStream):
            stream = ctx.state["gemini-stream"] = GeminiStream(ctx)
        return stream


@builtin
class Gemini(GeminiWire):
    name = "gemini"
    description = "Google Gemini API (AI Studio key): native wire format, thought signatures kept across turns"
    options_doc: ClassVar[dict[str, str]] = {
        "schema": '"openapi" (default: schemas cleaned for Gemini) or "json" (sent as parametersJsonSchema)',
        "safety_threshold": 'e.g. "BLOCK_NONE": applied to every harm category',
    }

    def build(self, body: UnifiedRequest, ctx: RequestContext) -> UpstreamRequest:
        url = f"{models_url(ctx.provider.api_base_url)}/{ctx.model}:{method(ctx.stream)}"
        headers = {"content-type": "application/json"}
        if ctx.api_key:
            headers["x-goog-api-key"] = ctx.api_key
        return UpstreamRequest(url, headers, dumps_request(self.payload(body, ctx)))
