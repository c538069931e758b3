"""The Router: runs the rules in order for each request and says which provider and model answer.

    Router.route(req)
      1. session id (header or metadata.user_id), subagent tags stripped from the body
      2. effective Router settings: project/session override file, else the global `Router`
      3. image agent preparation (forceUseImageAgent), which rewrites images into placeholders
      4. rules in order; the first decision wins, is logged at info and returned

The server feeds upstream usage back with `record_usage` (the long-context rule reads it).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ccr.config.load import interpolate
from ccr.config.schema import Config, RouterSettings
from ccr.errors import ConfigError, RequestError
from ccr.routing.catalog import ModelCatalog, PerSettings
from ccr.routing.custom import CustomRouterRule, resolve_router_path
from ccr.routing.decision import RouteDecision, RoutingRequest
from ccr.routing.image_agent import prepare_image_agent
from ccr.routing.project import ProjectRouters
from ccr.routing.rules import Counting, Rule, RuleContext, default_rules
from ccr.routing.rules.subagent import strip_subagent_tags
from ccr.routing.sessions import SessionUsage, session_id_from

log = logging.getLogger("ccr.routing")


def config_as_dict(config: Config) -> dict[str, Any]:
    """The config as the user's custom router sees it: the file's dict with `$VAR`s filled in."""
    if config.raw:
        try:
            resolved = interpolate(config.raw)
            if isinstance(resolved, dict):
                return resolved
        except ConfigError:
            pass  # the environment changed since load: the validated model is still right
    return config.model_dump(mode="json")


class Router:
    def __init__(
        self,
        config: Config,
        *,
        rules: list[Rule] | None = None,
        projects: ProjectRouters | None = None,
        counting: Counting | None = None,
        sessions: SessionUsage | None = None,
    ) -> None:
        """`sessions`: pass the previous Router's on a config reload so session usage survives it."""
        self.config = config
        self.catalog = ModelCatalog(config)
        self.sessions = sessions if sessions is not None else SessionUsage()
        config_dir = config.path.parent if config.path is not None else None
        custom: Rule | None = None
        if config.CUSTOM_ROUTER_PATH:
            path = resolve_router_path(config.CUSTOM_ROUTER_PATH, config_dir)
            custom = CustomRouterRule(path, config_as_dict(config))
        self.rules = rules if rules is not None else default_rules(custom, counting=counting)
        self._active: PerSettings[list[tuple[Rule, bool]]] = PerSettings(limit=256)
        if projects is None and config_dir is not None:
            projects = ProjectRouters(config_dir, self.catalog, config.Router)
        self.projects = projects
        # The global settings' context and rules, made once: most requests use them.
        self._global = (self._context(config.Router, None), self._rules_for(config.Router))

    def record_usage(self, session_id: str | None, usage: Mapping[str, Any]) -> None:
        self.sessions.record(session_id, usage)

    def _context(self, settings: RouterSettings, source: str | None) -> RuleContext:
        return RuleContext(settings, self.catalog, self.sessions, source, self.config.ANTHROPIC_SMALL_FAST_MODEL)

    def _rules_for(self, settings: RouterSettings) -> list[tuple[Rule, bool]]:
        """The rules that can match under these (frozen) settings: a rule whose slot is unset is
        left out. Kept per settings object."""
        hit = self._active.find(settings, "rules")
        if hit is not None:
            return hit[1]
        active = [
            (rule, rule.is_async)
            for rule in self.rules
            if not rule.requires_slot or self.catalog.slot_of(settings, rule.requires_slot) is not None
        ]
        return self._active.keep(settings, "rules", active)

    async def route(self, req: RoutingRequest) -> RouteDecision:
        if req.session_id is None:
            req.session_id = session_id_from(req.headers, req.body)
        req.subagent_tag = strip_subagent_tags(req.body)
        settings, source = self.config.Router, None
        if self.projects is not None and req.session_id is not None:
            override = self.projects.settings_for(req.session_id)
            if override is not None:
                settings, source = override
        ctx, rules = self._global if source is None else (self._context(settings, source), self._rules_for(settings))
        if self.config.forceUseImageAgent or settings.image:
            prepare_image_agent(req, ctx, force=self.config.forceUseImageAgent)
        for rule, is_async in rules:
            decision = await rule.amatch(req, ctx) if is_async else rule.match(req, ctx)
            if decision is not None:
                log.info("route=%s %s -> %s", decision.scenario, decision.reason, decision.target)
                return decision
        where = f" in {self.config.path}" if self.config.path is not None else ""
        raise RequestError(
            f"no route for model '{req.body.get('model')}': set Router.default{where} "
            "to a 'provider,model' from Providers"
        )
