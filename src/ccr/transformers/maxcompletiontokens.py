"""`maxcompletiontokens`: send `max_completion_tokens` instead of `max_tokens` (OpenAI o-series,
GPT-5 and servers that follow them reject `max_tokens`)."""

from __future__ import annotations

from ccr.transformers.base import RequestContext, Transformer
from ccr.transformers.registry import builtin
from ccr.types import UnifiedRequest


@builtin
class MaxCompletionTokens(Transformer):
    name = "maxcompletiontokens"
    description = "Renames max_tokens to max_completion_tokens"

    def request(self, body: UnifiedRequest, ctx: RequestContext) -> UnifiedRequest:
        if "max_tokens" in body:
            value = body.pop("max_tokens")
            body.setdefault("max_completion_tokens", value)
        return body
