"""Web search: the request offers Anthropic's server-side web search tool (`web_search_*`)."""

from __future__ import annotations

from ccr.routing.decision import RoutingRequest
from ccr.routing.rules.base import RuleContext, SlotRule


class WebSearchRule(SlotRule):
    name = "webSearch"
    slot_name = "webSearch"

    def applies(self, req: RoutingRequest, ctx: RuleContext) -> str | None:
        tools = req.body.get("tools")
        if not isinstance(tools, list):
            return None
        for tool in tools:
            kind = tool.get("type") if isinstance(tool, dict) else None
            if isinstance(kind, str) and kind.startswith("web_search"):
                return f"tool of type {kind}"
        return None
