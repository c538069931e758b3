"""What a rule is, and the per-request context rules read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from ccr.routing.catalog import ModelCatalog, Target
from ccr.routing.decision import RouteDecision, RoutingRequest
from ccr.routing.sessions import SessionUsage

if TYPE_CHECKING:
    from ccr.config.schema import RouterSettings


@dataclass(slots=True)
class RuleContext:
    """What is true for this request besides the request itself."""

    settings: RouterSettings
    """The effective `Router` object: a project/session override, else the global one."""
    catalog: ModelCatalog
    sessions: SessionUsage
    settings_source: str | None = None
    """Path of the project/session file the settings came from, None for the main config."""
    small_fast_model: str | None = None
    """`ANTHROPIC_SMALL_FAST_MODEL` from the config: Claude Code's background model."""

    def slot(self, name: str) -> Target | None:
        return self.catalog.slot_of(self.settings, name)

    def decide(self, scenario: str, target: Target, reason: str) -> RouteDecision:
        if self.settings_source is not None:
            reason = f"{reason} (Router from {self.settings_source})"
        return RouteDecision(target.provider, target.model, scenario, reason)


class Rule:
    """One routing scenario. Sync rules override `match`; rules that must await set `is_async`
    and override `amatch`. The first rule returning a decision wins."""

    name: ClassVar[str] = ""
    is_async: ClassVar[bool] = False
    requires_slot: ClassVar[str] = ""
    """A `Router` slot without which the rule never matches: the Router skips the rule while
    that slot is unset (one check per settings object, not one call per request)."""

    def match(self, req: RoutingRequest, ctx: RuleContext) -> RouteDecision | None:
        return None

    async def amatch(self, req: RoutingRequest, ctx: RuleContext) -> RouteDecision | None:
        return self.match(req, ctx)


class SlotRule(Rule):
    """A rule whose target is one `Router` slot and whose test is a cheap look at the body."""

    slot_name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.requires_slot = cls.slot_name

    def match(self, req: RoutingRequest, ctx: RuleContext) -> RouteDecision | None:
        target = ctx.slot(self.slot_name)
        if target is None:
            return None
        reason = self.applies(req, ctx)
        return ctx.decide(self.name, target, reason) if reason else None

    def applies(self, req: RoutingRequest, ctx: RuleContext) -> str | None:
        """The human-readable reason this scenario applies, or None."""
        raise NotImplementedError
