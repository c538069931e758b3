"""Think: the client asked for extended thinking.

CCR sent every request with a `thinking` field here, even `{"type": "disabled"}`; Claude Code 2.x
sends `{"type": "adaptive"}` on every main-loop turn, so CCR routed all of them to `think`. Here:

* `enabled` (an explicit thinking budget) → think;
* `adaptive` → think only when the request asks for high effort (`output_config.effort` `high` or
  `max`) or the user opts in with `Router.thinkOnAdaptive: true`;
* `disabled`, absent, or anything else → not think.
"""

from __future__ import annotations

from typing import Any

from ccr.routing.decision import RoutingRequest
from ccr.routing.rules.base import RuleContext, SlotRule

HIGH_EFFORT = frozenset({"high", "max"})


def requested_effort(body: dict[str, Any]) -> str | None:
    config = body.get("output_config")
    effort = config.get("effort") if isinstance(config, dict) else None
    return effort.lower() if isinstance(effort, str) else None


class ThinkRule(SlotRule):
    name = "think"
    slot_name = "think"

    def applies(self, req: RoutingRequest, ctx: RuleContext) -> str | None:
        thinking = req.body.get("thinking")
        kind = thinking.get("type") if isinstance(thinking, dict) else None
        if kind == "enabled":
            budget = thinking.get("budget_tokens") if isinstance(thinking, dict) else None
            return f"thinking enabled (budget_tokens={budget})"
        if kind != "adaptive":
            return None
        effort = requested_effort(req.body)
        if effort in HIGH_EFFORT:
            return f"adaptive thinking with effort={effort}"
        if ctx.settings.thinkOnAdaptive:
            return "adaptive thinking and Router.thinkOnAdaptive is true"
        return None
