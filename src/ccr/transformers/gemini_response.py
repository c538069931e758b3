"""Gemini answers (JSON and `alt=sse` streams) → unified responses and chunks.

Thought parts become reasoning, text parts text, `functionCall` parts tool calls (with Gemini's
id or a new one); every `thoughtSignature` is carried in the thinking signature (see
gemini_signatures). `finishReason` STOP with function calls is `tool_calls` (the original said
`stop`, so Claude Code never ran the tools); MAX_TOKENS is `length`; safety stops are
`content_filter`, or a clear 400 error when Gemini blocked the answer before writing anything.
Usage counts thoughts as output and reports cached prompt tokens.
"""

from __future__ import annotations

import os
from typing import Any

import orjson

from ccr.errors import UpstreamError
from ccr.transformers import gemini_signatures as sigs
from ccr.transformers.base import RequestContext
from ccr.transformers.common import make_chunk, new_call_id
from ccr.types import UnifiedChunk, UnifiedResponse

Json = dict[str, Any]
_FILTERED = {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE"}
_BROKEN = {"MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL"}


def usage_of(meta: object) -> Json | None:
    if not isinstance(meta, dict):
        return None
    prompt = int(meta.get("promptTokenCount") or 0) + int(meta.get("toolUsePromptTokenCount") or 0)
    thoughts = int(meta.get("thoughtsTokenCount") or 0)
    completion = int(meta.get("candidatesTokenCount") or 0) + thoughts
    usage: Json = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    cached = int(meta.get("cachedContentTokenCount") or 0)
    if cached:
        usage["prompt_tokens_details"] = {"cached_tokens": cached}
    if thoughts:
        usage["completion_tokens_details"] = {"reasoning_tokens": thoughts}
    return usage


def raise_for_error(resp: Json, ctx: RequestContext) -> None:
    error = resp.get("error")
    if isinstance(error, dict):
        code = error.get("code")
        status = code if isinstance(code, int) and 400 <= code <= 599 else 502
        raise UpstreamError(
            f"{ctx.provider.name}: {error.get('status') or 'error'}: {error.get('message') or error}",
            status=status,
        )
    feedback = resp.get("promptFeedback")
    if isinstance(feedback, dict) and feedback.get("blockReason"):
        raise UpstreamError(
            f"{ctx.provider.name} blocked the prompt (blockReason {feedback['blockReason']}); "
            "rephrase it, or set the gemini option safety_threshold (e.g. BLOCK_NONE)",
            status=400,
        )


def _blocked(reason: str, ctx: RequestContext) -> UpstreamError:
    if reason in _BROKEN:
        return UpstreamError(
            f"{ctx.provider.name} wrote an invalid tool call (finishReason {reason}); retry the request",
            status=502,
        )
    return UpstreamError(
        f"{ctx.provider.name} stopped the answer before writing anything (finishReason {reason}); "
        "rephrase the request, or set the gemini option safety_threshold (e.g. BLOCK_NONE)",
        status=400,
    )


def finish_reason(reason: object, has_calls: bool) -> str:
    if reason == "MAX_TOKENS":
        return "length"
    if reason in _FILTERED:
        return "content_filter"
    return "tool_calls" if has_calls else "stop"


def candidate_parts(resp: Json) -> tuple[list[Json], str | None]:
    candidates = resp.get("candidates")
    if not isinstance(candidates, list) or not candidates or not isinstance(candidates[0], dict):
        return [], None
    cand = candidates[0]
    content = cand.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    reason = cand.get("finishReason")
    return [p for p in parts or () if isinstance(p, dict)], reason if isinstance(reason, str) else None


def tool_call(part: Json, index: int | None = None) -> Json:
    fc = part["functionCall"]
    call_id = fc.get("id") if isinstance(fc.get("id"), str) and fc.get("id") else new_call_id()
    args = fc.get("args") if isinstance(fc.get("args"), dict) else {}
    function = {"name": str(fc.get("name") or ""), "arguments": orjson.dumps(args).decode()}
    call: Json = {"id": call_id, "type": "function", "function": function}
    if index is not None:
        call["index"] = index
    return call


def decode_json(resp: Json, ctx: RequestContext) -> UnifiedResponse:
    raise_for_error(resp, ctx)
    parts, reason = candidate_parts(resp)
    texts: list[str] = []
    thoughts: list[str] = []
    calls: list[Json] = []
    found: dict[str, str] = {}
    for part in parts:
        slot = sigs.TEXT_SLOT
        if isinstance(part.get("functionCall"), dict):
            call = tool_call(part)
            calls.append(call)
            slot = sigs.call_slot(call["id"])
        elif part.get("thought") is True and isinstance(part.get("text"), str):
            thoughts.append(part["text"])
        elif isinstance(part.get("text"), str):
            texts.append(part["text"])
        _record(part, slot, found)
    if not (texts or thoughts or calls) and reason in (_FILTERED | _BROKEN):
        raise _blocked(reason or "", ctx)
    message: Json = {"role": "assistant", "content": "".join(texts) or (None if calls else "")}
    if calls:
        message["tool_calls"] = calls
    reasoning = "".join(thoughts)
    if reasoning:
        message["reasoning_content"] = reasoning
    if found:
        message["thinking"] = {"content": reasoning, "signature": sigs.encode(found)}
    out: UnifiedResponse = {
        "id": str(resp.get("responseId") or "gemini-" + os.urandom(6).hex()),
        "object": "chat.completion",
        "model": str(resp.get("modelVersion") or ctx.model),
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason(reason, bool(calls))}],
    }
    usage = usage_of(resp.get("usageMetadata"))
    if usage:
        out["usage"] = usage
    return out


def _record(part: Json, slot: str, found: dict[str, str]) -> bool:
    """Keep a part's signature (the first per slot); True when it was new."""
    signature = part.get("thoughtSignature")
    if not isinstance(signature, str) or not signature or slot in found:
        return False
    found[slot] = signature
    if slot.startswith("call:"):
        sigs.CALLS.put(slot[5:], signature)
    return True


class GeminiStream:
    """Per-request decoder of a Gemini SSE stream (kept in `ctx.state`).

    Where a signature goes decides the Anthropic block order: one that comes while reasoning is
    streaming closes that thinking block; one before anything else opens the message with it;
    one on a text part after the answer text began waits for the next tool call or the end, so
    the answer is not cut in two text blocks.
    """

    def __init__(self, ctx: RequestContext) -> None:
        self.ctx = ctx
        self.id = "gemini-" + os.urandom(6).hex()
        self.model = ctx.model
        self.calls = 0
        self.signatures: dict[str, str] = {}
        self.reason: str | None = None
        self.usage: Json | None = None
        self.last: str | None = None
        """What was sent last: "reasoning_content", "content", "tool" or None."""
        self.pending = False

    def feed(self, resp: Json) -> list[UnifiedChunk]:
        raise_for_error(resp, self.ctx)
        if isinstance(resp.get("responseId"), str):
            self.id = resp["responseId"]
        if isinstance(resp.get("modelVersion"), str):
            self.model = resp["modelVersion"]
        self.usage = usage_of(resp.get("usageMetadata")) or self.usage
        parts, reason = candidate_parts(resp)
        out: list[UnifiedChunk] = []
        for part in parts:
            out.extend(self._part(part))
        if reason:
            self.reason = reason
            if self.last is None and reason in (_FILTERED | _BROKEN):
                raise _blocked(reason, self.ctx)
        return out

    def _part(self, part: Json) -> list[UnifiedChunk]:
        out: list[UnifiedChunk] = []
        if isinstance(part.get("functionCall"), dict):
            call = tool_call(part, self.calls)
            self.calls += 1
            if _record(part, sigs.call_slot(call["id"]), self.signatures) or self.pending:
                out.append(self._signature())
            out.append(self._chunk({"tool_calls": [call]}))
            self.last = "tool"
            return out
        kind = "reasoning_content" if part.get("thought") is True else "content"
        signed = _record(part, sigs.TEXT_SLOT, self.signatures)
        early = signed and kind == "content" and self.last in (None, "reasoning_content")
        if early:
            out.append(self._signature())
        text = part.get("text")
        if isinstance(text, str) and text:
            out.append(self._chunk({kind: text}))
            self.last = kind
        if signed and not early:
            if self.last in (None, "reasoning_content"):
                out.append(self._signature())
            else:
                self.pending = True  # the answer text began: sent at the next tool call or the end
        return out

    def _signature(self) -> UnifiedChunk:
        self.pending = False
        return self._chunk({"thinking": {"signature": sigs.encode(self.signatures)}})

    def _chunk(self, delta: Json) -> UnifiedChunk:
        return make_chunk(self.id, self.model, delta)

    def end(self) -> list[UnifiedChunk]:
        out = [self._signature()] if self.pending else []
        return [*out, make_chunk(self.id, self.model, {}, finish_reason(self.reason, self.calls > 0), self.usage)]
