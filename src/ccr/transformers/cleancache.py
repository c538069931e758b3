"""`cleancache`: remove Anthropic's `cache_control` markers, which many providers reject."""

from __future__ import annotations

from typing import Any

from ccr.transformers.base import RequestContext, Transformer
from ccr.transformers.common import strip_cache_control
from ccr.transformers.registry import builtin
from ccr.types import AnthropicRequest, UnifiedRequest


@builtin
class CleanCache(Transformer):
    name = "cleancache"
    description = "Removes cache_control from messages, content parts and tools"

    def request(self, body: UnifiedRequest, ctx: RequestContext) -> UnifiedRequest:
        strip_cache_control(body)
        return body

    def anthropic(self, body: AnthropicRequest, ctx: RequestContext) -> AnthropicRequest:
        # The Anthropic body is the client's own: rebuild the touched lists instead of mutating.
        out = dict(body)
        if isinstance(body.get("system"), list):
            out["system"] = [_clean(b) for b in body["system"]]
        if isinstance(body.get("tools"), list):
            out["tools"] = [_clean(t) for t in body["tools"]]
        if isinstance(body.get("messages"), list):
            out["messages"] = [_clean_message(m) for m in body["messages"]]
        return out


def _clean(block: Any) -> Any:
    if isinstance(block, dict) and "cache_control" in block:
        return {k: v for k, v in block.items() if k != "cache_control"}
    return block


def _clean_message(msg: Any) -> Any:
    if not isinstance(msg, dict) or not isinstance(msg.get("content"), list):
        return msg
    return {**msg, "content": [_clean_tool_result(b) for b in msg["content"]]}


def _clean_tool_result(block: Any) -> Any:
    block = _clean(block)
    if isinstance(block, dict) and isinstance(block.get("content"), list):
        return {**block, "content": [_clean(b) for b in block["content"]]}
    return block
