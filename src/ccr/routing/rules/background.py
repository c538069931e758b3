"""Background: Claude Code's small/fast model (a `haiku` model, or `ANTHROPIC_SMALL_FAST_MODEL`)."""

from __future__ import annotations

from ccr.routing.decision import RoutingRequest
from ccr.routing.rules.base import RuleContext, SlotRule


class BackgroundRule(SlotRule):
    name = "background"
    slot_name = "background"

    def applies(self, req: RoutingRequest, ctx: RuleContext) -> str | None:
        model = req.body.get("model")
        if not isinstance(model, str):
            return None
        low = model.lower()
        if "haiku" in low:
            return f"model {model} is a haiku model"
        small = ctx.small_fast_model
        if small and low == small.lower():
            return f"model {model} is ANTHROPIC_SMALL_FAST_MODEL"
        return None
