"""`provider,model` in the request's `model` (Claude Code's `/model provider,model`, `ccr model`)."""

from __future__ import annotations

from ccr.config.schema import ROUTER_SLOTS
from ccr.errors import UnknownModelError
from ccr.routing.catalog import Target
from ccr.routing.decision import RouteDecision, RoutingRequest
from ccr.routing.rules.base import Rule, RuleContext


class ExplicitRule(Rule):
    name = "explicit"

    def match(self, req: RoutingRequest, ctx: RuleContext) -> RouteDecision | None:
        model = req.body.get("model")
        if not isinstance(model, str) or "," not in model:
            return None
        target = ctx.catalog.resolve(model) or _router_slot_target(model, ctx)
        if target is None:
            valid = ", ".join(ctx.catalog.valid_ids()) or "none (Providers[].models is empty)"
            raise UnknownModelError(
                f"model '{model}' is not configured. Valid ids: {valid}. "
                "Pick one with /model provider,model, or add the model to Providers[].models."
            )
        return ctx.decide(self.name, target, f"client asked for {model}")


def _router_slot_target(model: str, ctx: RuleContext) -> Target | None:
    """A model the user put in a Router slot is valid to ask for, even if its provider lists others."""
    wanted = ",".join(part.strip().lower() for part in model.split(",", 1))
    for slot in ROUTER_SLOTS:
        spec = ctx.settings.slot(slot)
        if spec is not None and ",".join(p.strip().lower() for p in spec.split(",", 1)) == wanted:
            return ctx.catalog.resolve_slot(spec)
    return None
