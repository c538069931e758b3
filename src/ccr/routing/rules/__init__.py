"""The built-in rules, one module per scenario, assembled in their one order by `default_rules()`."""

from __future__ import annotations

from ccr.routing.rules.background import BackgroundRule
from ccr.routing.rules.base import Rule, RuleContext, SlotRule
from ccr.routing.rules.default import DefaultRule
from ccr.routing.rules.explicit import ExplicitRule
from ccr.routing.rules.image import ImageRule
from ccr.routing.rules.long_context import Counting, LongContextRule
from ccr.routing.rules.subagent import SubagentRule
from ccr.routing.rules.think import ThinkRule
from ccr.routing.rules.web_search import WebSearchRule

__all__ = ["Counting", "Rule", "RuleContext", "SlotRule", "default_rules"]


def default_rules(custom: Rule | None = None, *, counting: Counting | None = None) -> list[Rule]:
    """custom → explicit → subagent → long context → background → web search → think → image → default."""
    rules: list[Rule] = [custom] if custom is not None else []
    rules += [
        ExplicitRule(),
        SubagentRule(),
        LongContextRule(counting),
        BackgroundRule(),
        WebSearchRule(),
        ThinkRule(),
        ImageRule(),
        DefaultRule(),
    ]
    return rules
