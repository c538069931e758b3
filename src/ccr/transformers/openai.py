"""`openai`: the default endpoint — OpenAI Chat Completions, which is also our unified format."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

import orjson

from ccr.errors import UpstreamError
from ccr.protocol.request_json import dumps_request
from ccr.protocol.sse import SSEEvent
from ccr.transformers.base import Endpoint, RequestContext, UpstreamRequest
from ccr.transformers.registry import builtin
from ccr.types import UnifiedChunk, UnifiedRequest, UnifiedResponse


@functools.lru_cache(maxsize=256)  # every request, with one of a few configured URLs
def chat_completions_url(base: str) -> str:
    """Accept the full endpoint or just the server's base (`http://localhost:11434`, `…/v1`)."""
    base = base.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    path = urlsplit(base).path
    if path in ("", "/"):
        return base + "/v1/chat/completions"
    return base + "/chat/completions"


def json_headers(ctx: RequestContext, authorization: str | None) -> dict[str, str]:
    """The headers of a JSON POST: the given `Authorization` value (none when None) and, for a
    streamed request, `accept: text/event-stream`."""
    headers = {"content-type": "application/json"}
    if authorization:
        headers["authorization"] = authorization
    if ctx.stream:
        headers["accept"] = "text/event-stream"
    return headers


def bearer(token: str | None) -> str | None:
    return f"Bearer {token}" if token else None


@builtin
class OpenAI(Endpoint):
    name = "openai"
    description = "OpenAI Chat Completions (the default; any OpenAI-compatible server)"

    def build(self, body: UnifiedRequest, ctx: RequestContext) -> UpstreamRequest:
        body = strip_internal_fields(body, strict=_is_strict(ctx.provider.api_base_url))
        headers = json_headers(ctx, bearer(ctx.api_key))
        return UpstreamRequest(chat_completions_url(ctx.provider.api_base_url), headers, dumps_request(body))

    def decode_response(self, data: bytes, ctx: RequestContext) -> UnifiedResponse:
        return decode_json_object(data, ctx)

    def decode_event(self, event: SSEEvent, ctx: RequestContext) -> list[UnifiedChunk]:
        data = event.data
        if not data or data == "[DONE]":
            return []
        try:
            chunk = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise UpstreamError(f"{ctx.provider.name} sent a stream event that is not JSON: {data[:200]!r}") from None
        return [chunk] if isinstance(chunk, dict) else []


def decode_json_object(data: bytes, ctx: RequestContext) -> UnifiedResponse:
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError:
        snippet = data[:200].decode("utf-8", "replace")
        raise UpstreamError(
            f"{ctx.provider.name} answered with something that is not JSON "
            f"(check api_base_url {ctx.provider.api_base_url}): {snippet!r}"
        ) from None
    if not isinstance(body, dict):
        raise UpstreamError(f"{ctx.provider.name} answered with JSON that is not an object")
    return body


# Hosts that reject fields OpenAI does not define (other OpenAI-compatible servers ignore them,
# and DeepSeek, vLLM, llama.cpp, Qwen want `reasoning_content` replayed).
_STRICT_HOSTS = ("api.openai.com",)
_DROP = frozenset({"reasoning_signature"})
_DROP_STRICT = frozenset({"reasoning_signature", "reasoning_content"})


@functools.lru_cache(maxsize=256)  # every request, with one of a few configured URLs
def _is_strict(url: str) -> bool:
    return any(host in url for host in _STRICT_HOSTS)


def strip_internal_fields(body: UnifiedRequest, *, strict: bool) -> UnifiedRequest:
    """Drop what only our own transformers read (`reasoning_signature`), and on strict hosts the
    reasoning replay too; messages without such fields are reused as they are."""
    drop = _DROP_STRICT if strict else _DROP
    messages = body.get("messages")
    # `isdisjoint`, not a nested generator per message: Claude Code sends hundreds of messages.
    if not isinstance(messages, list) or all(not isinstance(m, dict) or drop.isdisjoint(m) for m in messages):
        return body if not (strict and "reasoning" in body) else {k: v for k, v in body.items() if k != "reasoning"}
    cleaned = [
        {k: v for k, v in m.items() if k not in drop} if isinstance(m, dict) and not drop.isdisjoint(m) else m
        for m in messages
    ]
    out = {**body, "messages": cleaned}
    if strict:
        out.pop("reasoning", None)
    return out
