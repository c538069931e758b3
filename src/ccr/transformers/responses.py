"""`openai-responses`: models that only speak OpenAI's Responses API (`POST /v1/responses`).

Request mapping in responses_wire. Reasoning models (o-series, GPT-5, Codex) get
`reasoning: {effort, summary}` from the client's thinking request and no temperature/top_p
(they reject them); others get sampling and no reasoning. Option `reasoning: true|false`
overrides the guess, `store: true` lets OpenAI keep the responses (default false).

Answers: output text, function calls (id = `call_id`), reasoning summaries as thinking, usage
(with cached and reasoning tokens, streamed too — the original dropped usage when streaming),
`incomplete` → `length`, `failed`/`error` events → a clear error.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

import orjson

from ccr.errors import UpstreamError
from ccr.protocol.request_json import dumps_request
from ccr.protocol.sse import SSEEvent
from ccr.transformers import responses_wire as wire
from ccr.transformers.base import Endpoint, RequestContext, UpstreamRequest
from ccr.transformers.common import make_chunk, obj, text_of, thinking_request
from ccr.transformers.openai import bearer, decode_json_object, json_headers
from ccr.transformers.registry import builtin
from ccr.types import UnifiedChunk, UnifiedRequest, UnifiedResponse

Json = dict[str, Any]


@functools.lru_cache(maxsize=256)  # every request, with one of a few configured URLs
def responses_url(base: str) -> str:
    base = base.rstrip("/")
    if base.endswith("/responses"):
        return base
    if base.endswith("/chat/completions"):
        return base[: -len("/chat/completions")] + "/responses"
    if urlsplit(base).path in ("", "/"):
        return base + "/v1/responses"
    return base + "/responses"


@builtin
class OpenAIResponses(Endpoint):
    name = "openai-responses"
    description = "OpenAI Responses API (o-series, GPT-5, Codex): reasoning kept across turns, usage when streaming"
    options_doc: ClassVar[dict[str, str]] = {
        "reasoning": "true/false: send reasoning parameters (default: by model name)",
        "store": "true: let OpenAI store responses (default false; reasoning is carried encrypted)",
        "summary": 'reasoning summary: "auto" (default), "concise", "detailed" or "none"',
    }

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        for key in ("reasoning", "store"):
            if key in self.options and not isinstance(self.options[key], bool):
                raise ValueError(f"openai-responses: option {key} must be true or false")
        self.summary = self.options.get("summary", "auto")
        if self.summary not in ("auto", "concise", "detailed", "none"):
            raise ValueError('openai-responses: option summary must be "auto", "concise", "detailed" or "none"')

    def build(self, body: UnifiedRequest, ctx: RequestContext) -> UpstreamRequest:
        payload = wire.responses_body(body, ctx, self._reasoning(body, ctx), bool(self.options.get("store", False)))
        headers = json_headers(ctx, bearer(ctx.api_key))
        return UpstreamRequest(responses_url(ctx.provider.api_base_url), headers, dumps_request(payload))

    def _reasoning(self, body: UnifiedRequest, ctx: RequestContext) -> Json | None:
        enabled = self.options.get("reasoning")
        if enabled is None:
            enabled = wire.is_reasoning_model(ctx.model)
        if not enabled:
            return None
        wish = thinking_request(body, ctx)
        out: Json = {"effort": wish.openai_effort()}
        if self.summary != "none" and wish.display:
            out["summary"] = self.summary
        return out

    def decode_response(self, data: bytes, ctx: RequestContext) -> UnifiedResponse:
        resp = decode_json_object(data, ctx)
        wire.raise_for_error(resp, ctx.provider.name)
        texts, thoughts, calls, reasoning = [], [], [], []
        for item in resp.get("output") or ():
            kind = item.get("type") if isinstance(item, dict) else None
            if kind == "message":
                texts += [
                    c.get("text") or c.get("refusal") or "" for c in item.get("content") or () if isinstance(c, dict)
                ]
            elif kind == "function_call":
                calls.append(_call(item))
            elif kind == "reasoning":
                thoughts += [text_of(s.get("text")) for s in item.get("summary") or () if isinstance(s, dict)]
                if isinstance(item.get("encrypted_content"), str):
                    reasoning.append({"id": item.get("id"), "encrypted_content": item["encrypted_content"]})
        message: Json = {"role": "assistant", "content": "".join(texts) or (None if calls else "")}
        if calls:
            message["tool_calls"] = calls
        if thoughts:
            message["reasoning_content"] = "\n\n".join(thoughts)
        if reasoning:
            message["thinking"] = {"content": "\n\n".join(thoughts), "signature": wire.encode_reasoning(reasoning)}
        out: UnifiedResponse = {
            "id": str(resp.get("id") or "resp"),
            "object": "chat.completion",
            "model": str(resp.get("model") or ctx.model),
            "choices": [{"index": 0, "message": message, "finish_reason": wire.finish_reason(resp, bool(calls))}],
        }
        usage = wire.usage_of(resp.get("usage"))
        if usage:
            out["usage"] = usage
        return out

    def decode_event(self, event: SSEEvent, ctx: RequestContext) -> list[UnifiedChunk]:
        if not event.data or event.data == "[DONE]":
            return []
        try:
            data = orjson.loads(event.data)
        except orjson.JSONDecodeError:
            raise UpstreamError(
                f"{ctx.provider.name} sent a stream event that is not JSON: {event.data[:200]!r}"
            ) from None
        if not isinstance(data, dict):
            return []
        return _stream(ctx).feed(data, ctx)

    def decode_end(self, ctx: RequestContext) -> list[UnifiedChunk]:
        return _stream(ctx).end()


def _call(item: Json, index: int | None = None) -> Json:
    call: Json = {
        "id": str(item.get("call_id") or item.get("id") or ""),
        "type": "function",
        "function": {"name": str(item.get("name") or ""), "arguments": str(item.get("arguments") or "")},
    }
    if index is not None:
        call["index"] = index
    return call


def _stream(ctx: RequestContext) -> ResponsesStream:
    stream = ctx.state.get("openai-responses")
    if not isinstance(stream, ResponsesStream):
        stream = ctx.state["openai-responses"] = ResponsesStream(ctx.model)
    return stream


class ResponsesStream:
    """Responses API stream events → unified chunks (one per event that carries content)."""

    def __init__(self, model: str) -> None:
        self.id = "resp-" + os.urandom(6).hex()
        self.model = model
        self.calls: dict[str, int] = {}
        self.reasoning: list[Json] = []
        self.summary_parts = 0
        self.final: Json = {}

    def feed(self, data: Json, ctx: RequestContext) -> list[UnifiedChunk]:
        kind = data.get("type")
        if kind in ("error", "response.failed"):
            wire.raise_for_error(obj(data.get("response")) or {"error": data.get("error") or data}, ctx.provider.name)
        if kind in ("response.created", "response.completed", "response.incomplete"):
            resp = obj(data.get("response"))
            self.id = str(resp.get("id") or self.id)
            self.model = str(resp.get("model") or self.model)
            if kind != "response.created":
                self.final = resp
            return []
        delta = self._delta(kind, data)
        return [make_chunk(self.id, self.model, delta)] if delta else []

    def _delta(self, kind: object, data: Json) -> Json | None:
        if kind in ("response.output_text.delta", "response.refusal.delta"):
            return {"content": data.get("delta") or ""} if data.get("delta") else None
        if kind == "response.reasoning_summary_text.delta":
            return {"reasoning_content": data["delta"]} if data.get("delta") else None
        if kind == "response.reasoning_summary_part.added":
            self.summary_parts += 1
            return {"reasoning_content": "\n\n"} if self.summary_parts > 1 else None
        if kind == "response.function_call_arguments.delta":
            index = self.calls.get(str(data.get("item_id")))
            if index is None or not data.get("delta"):
                return None
            return {"tool_calls": [{"index": index, "function": {"arguments": data["delta"]}}]}
        item = obj(data.get("item"))
        if kind == "response.output_item.added" and item.get("type") == "function_call":
            index = self.calls[str(item.get("id"))] = len(self.calls)
            return {"tool_calls": [_call(item, index)]}
        encrypted = item.get("encrypted_content")
        if kind == "response.output_item.done" and item.get("type") == "reasoning" and isinstance(encrypted, str):
            self.reasoning.append({"id": item.get("id"), "encrypted_content": encrypted})
            return {"thinking": {"signature": wire.encode_reasoning(self.reasoning)}}
        return None

    def end(self) -> list[UnifiedChunk]:
        reason = wire.finish_reason(self.final, bool(self.calls))
        return [make_chunk(self.id, self.model, {}, reason, wire.usage_of(self.final.get("usage")))]
