"""`openrouter`: OpenRouter (and, through `vercel`, the Vercel AI Gateway).

Request:
* Claude models get prompt-cache breakpoints (system prompt and the last two user turns), so
  long Claude Code sessions are cached as they are on Anthropic; other models get no
  `cache_control` at all (many reject it).
* Image URLs are sent as given (the original prefixed data URIs a second time).
* `reasoning` carries either `max_tokens` or `effort`, never both (OpenRouter rejects that).
* The provider's reasoning details (Anthropic signatures, Gemini encrypted thoughts) come back
  to the client inside the thinking signature and are restored on replay as `reasoning_details`,
  so multi-turn tool use with thinking keeps working.
* The options are merged into the body and win: `{"provider": {"only": ["moonshotai/fp8"]}}`.

Response: `reasoning_details` → signature (above); tool calls without a usable id get one;
`finish_reason: "error"` becomes a clear error instead of a silent stop.
"""

from __future__ import annotations

import base64
from typing import Any, ClassVar

import orjson

from ccr.errors import UpstreamError
from ccr.transformers.base import RequestContext, Transformer
from ccr.transformers.common import (
    deep_merge,
    first_choice,
    make_chunk,
    messages_of,
    new_call_id,
    obj,
    parts_of,
    strip_cache_control,
)
from ccr.transformers.registry import builtin
from ccr.types import UnifiedChunk, UnifiedRequest, UnifiedResponse

SIGNATURE_PREFIX = "orrd:"
_EPHEMERAL = {"type": "ephemeral"}


def encode_details(details: list[Any]) -> str:
    return SIGNATURE_PREFIX + base64.urlsafe_b64encode(orjson.dumps(details)).decode()


def decode_details(signature: object) -> list[Any] | None:
    if not isinstance(signature, str) or not signature.startswith(SIGNATURE_PREFIX):
        return None
    try:
        value = orjson.loads(base64.urlsafe_b64decode(signature[len(SIGNATURE_PREFIX) :]))
    except ValueError:
        return None
    return value if isinstance(value, list) else None


class Gateway(Transformer):
    """OpenAI-compatible gateways in front of many model vendors."""

    def request(self, body: UnifiedRequest, ctx: RequestContext) -> UnifiedRequest:
        if "claude" in ctx.model.lower():
            add_cache_breakpoints(body)
        else:
            strip_cache_control(body)
        for msg in messages_of(body):
            _fix_images(msg)
            if msg.get("role") == "assistant":
                _replay_reasoning(msg)
        reasoning = body.get("reasoning")
        if isinstance(reasoning, dict) and "max_tokens" in reasoning:
            body["reasoning"] = {"max_tokens": reasoning["max_tokens"]}
        deep_merge(body, self.options, override=True)
        return body

    def response(self, body: UnifiedResponse, ctx: RequestContext) -> UnifiedResponse:
        choice = first_choice(body)
        message = choice.get("message") if choice else None
        if not isinstance(message, dict):
            return body
        details = message.pop("reasoning_details", None)
        if isinstance(details, list) and details:
            text = message.get("reasoning") or message.get("reasoning_content") or _details_text(details)
            message["thinking"] = {"content": text or "", "signature": encode_details(details)}
        _fix_call_ids(message.get("tool_calls"), {})
        return body

    def stream_chunk(self, chunk: UnifiedChunk, ctx: RequestContext) -> list[UnifiedChunk]:
        st = ctx.state.setdefault(self.name, {"details": [], "signed": False, "ids": {}})
        choice = first_choice(chunk)
        if choice is None:
            return [chunk]
        if choice.get("finish_reason") == "error":
            raise UpstreamError(f"{ctx.provider.name} reported an error mid-answer: {_error_text(chunk)}")
        delta = choice.get("delta")
        out: list[UnifiedChunk] = []
        if isinstance(delta, dict):
            details = delta.pop("reasoning_details", None)
            if isinstance(details, list):
                st["details"].extend(d for d in details if isinstance(d, dict))
            if delta.get("content") or delta.get("tool_calls"):
                out.extend(self._sign(chunk, st))
            _fix_call_ids(delta.get("tool_calls"), st["ids"])
        if choice.get("finish_reason"):
            out.extend(self._sign(chunk, st))
        out.append(chunk)
        return out

    def stream_end(self, ctx: RequestContext) -> list[UnifiedChunk]:
        st = ctx.state.get(self.name)
        return self._sign({}, st) if st else []

    def _sign(self, like: UnifiedChunk, st: dict[str, Any]) -> list[UnifiedChunk]:
        """The collected details as the thinking block's signature, once, while it is still open."""
        if st["signed"] or not st["details"]:
            return []
        st["signed"] = True
        merged = _merge_details(st["details"])
        delta = {"thinking": {"signature": encode_details(merged)}}
        return [make_chunk(str(like.get("id") or "gen"), str(like.get("model") or ""), delta)]


@builtin
class OpenRouter(Gateway):
    name = "openrouter"
    description = "OpenRouter: Claude cache breakpoints, reasoning details kept across turns, options merged"
    options_doc: ClassVar[dict[str, str]] = {
        "<any field>": 'merged into the body, e.g. {"provider": {"only": ["moonshotai/fp8"]}}'
    }


def add_cache_breakpoints(body: UnifiedRequest) -> None:
    """Mark the system prompt and the last two user turns for Anthropic's prompt cache."""
    messages = list(messages_of(body))
    targets = [m for m in messages if m.get("role") == "system"][:1]
    targets += [m for m in messages if m.get("role") == "user"][-2:]
    for msg in targets:
        parts = parts_of(msg.get("content"))
        texts = [p for p in parts if p.get("type") == "text"]
        if texts:
            texts[-1]["cache_control"] = _EPHEMERAL
            msg["content"] = parts


def _fix_images(msg: dict[str, Any]) -> None:
    content = msg.get("content")
    if not isinstance(content, list):
        return
    for part in content:
        if not isinstance(part, dict) or part.get("type") != "image_url":
            continue
        media_type = part.pop("media_type", None)
        image = obj(part.get("image_url"))
        url = image.get("url")
        if isinstance(url, str) and not url.startswith(("http://", "https://", "data:")):
            image["url"] = f"data:{media_type or 'image/png'};base64,{url}"


def _replay_reasoning(msg: dict[str, Any]) -> None:
    details = decode_details(msg.pop("reasoning_signature", None))
    msg.pop("reasoning_content", None)
    if details:
        msg["reasoning_details"] = details


def _details_text(details: list[Any]) -> str:
    return "".join(d.get("text") or d.get("summary") or "" for d in details if isinstance(d, dict))


def _merge_details(details: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Streamed details arrive in pieces; consecutive text pieces of one index are joined."""
    merged: list[dict[str, Any]] = []
    for d in details:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.get("type") == d.get("type") == "reasoning.text"
            and last.get("index") == d.get("index")
            and not last.get("signature")
        ):
            last["text"] = (last.get("text") or "") + (d.get("text") or "")
            if d.get("signature"):
                last["signature"] = d["signature"]
        else:
            merged.append(dict(d))
    return merged


def _fix_call_ids(calls: object, ids: dict[int, str]) -> None:
    if not isinstance(calls, list):
        return
    for pos, call in enumerate(calls):
        if not isinstance(call, dict):
            continue
        index = call.get("index", pos)
        raw = call.get("id")
        if isinstance(raw, str) and raw and not raw.isdigit():
            ids.setdefault(index, raw)
        elif raw is not None or index not in ids:
            call["id"] = ids.setdefault(index, new_call_id())


def _error_text(chunk: UnifiedChunk) -> str:
    error = chunk.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])[:500]
    return "finish_reason 'error' without details"
