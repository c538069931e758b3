"""`maxtoken`: cap `max_tokens` at a configured value (never raises it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ccr.transformers.base import RequestContext, Transformer
from ccr.transformers.common import positive_int
from ccr.transformers.registry import builtin
from ccr.types import AnthropicRequest, UnifiedRequest


def cap_max_tokens(body: dict[str, Any], cap: int) -> None:
    """Lower `max_tokens` (and `max_completion_tokens`) to `cap`; set it when the client did not."""
    for key in ("max_tokens", "max_completion_tokens"):
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > cap:
            body[key] = cap


@builtin
class MaxToken(Transformer):
    name = "maxtoken"
    description = "Caps max_tokens at the given value (requests above a model's output limit fail otherwise)"
    options_doc: ClassVar[dict[str, str]] = {"max_tokens": "the cap (required), e.g. 16384"}

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        cap = positive_int(self.options, "max_tokens", "maxtoken")
        if cap is None:
            raise ValueError('maxtoken needs the option max_tokens, e.g. ["maxtoken", {"max_tokens": 16384}]')
        self.cap = cap

    def request(self, body: UnifiedRequest, ctx: RequestContext) -> UnifiedRequest:
        cap_max_tokens(body, self.cap)
        return body

    def anthropic(self, body: AnthropicRequest, ctx: RequestContext) -> AnthropicRequest:
        value = body.get("max_tokens")
        if isinstance(value, int) and value > self.cap:
            body = {**body, "max_tokens": self.cap}
            _fit_thinking_budget(body)
        return body


def _fit_thinking_budget(body: dict[str, Any]) -> None:
    """Anthropic rejects `budget_tokens` >= `max_tokens`, so a lowered cap lowers the budget too."""
    thinking = body.get("thinking")
    if not isinstance(thinking, dict):
        return
    budget = thinking.get("budget_tokens")
    cap = body["max_tokens"]
    if not isinstance(budget, int) or budget < cap:
        return
    # Anthropic's smallest budget is 1024: below that thinking cannot fit and is turned off.
    body["thinking"] = {**thinking, "budget_tokens": cap - 1} if cap > 1024 else {"type": "disabled"}
