"""Default: `Router.default`, when no other rule matched."""

from __future__ import annotations

from ccr.routing.decision import RoutingRequest
from ccr.routing.rules.base import RuleContext, SlotRule


class DefaultRule(SlotRule):
    name = "default"
    slot_name = "default"

    def applies(self, req: RoutingRequest, ctx: RuleContext) -> str | None:
        return "no other rule matched"
