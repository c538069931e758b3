"""The user's own router: `CUSTOM_ROUTER_PATH` names a Python file defining `route(request, config)`.

`route` may be sync or async and returns `"provider,model"` or None (None falls through to the
built-in rules). It runs first, before even an explicit `provider,model`. The file is loaded once
and reloaded when its modification time changes; an exception or a bad return value is logged
with the file name and the built-in rules decide instead. Loading the file is the only I/O here.
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ccr.errors import ConfigError
from ccr.routing.decision import RouteDecision, RoutingRequest
from ccr.routing.rules.base import Rule, RuleContext

log = logging.getLogger("ccr.routing")

KEY = "CUSTOM_ROUTER_PATH"
_JS_SUFFIXES = frozenset({".js", ".cjs", ".mjs", ".ts"})
_PYTHON_FORM = (
    "write the router in Python instead: a .py file defining "
    "`def route(request, config)` (or `async def`) that returns 'provider,model' or None; "
    "`request.body` is the Anthropic request dict, `request.token_count` its token count. "
    "See docs/routing.md"
)
RouteFn = Callable[[RoutingRequest, dict[str, Any]], Any]


def resolve_router_path(value: str, config_dir: Path | None) -> Path:
    path = Path(os.path.expandvars(value)).expanduser()
    if not path.is_absolute() and config_dir is not None:
        path = config_dir / path
    if path.suffix.lower() in _JS_SUFFIXES:
        raise ConfigError(KEY, f"{path} is a JavaScript router, which cannot run here; {_PYTHON_FORM}")
    if path.suffix.lower() != ".py":
        raise ConfigError(KEY, f"{path} must be a .py file; {_PYTHON_FORM}")
    if not path.is_file():
        raise ConfigError(KEY, f"{path} does not exist; fix the path or remove the key")
    return path


def _load_route(path: Path, generation: int) -> RouteFn:
    """Execute the file as a fresh module and return its `route` callable."""
    name = f"ccr_custom_router_{generation}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling in the user's file look themselves up here
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    sys.modules.pop(f"ccr_custom_router_{generation - 1}", None)
    fn = getattr(module, "route", None)
    if not callable(fn):
        raise TypeError(f"{path.name} must define a function `route(request, config)`")
    return fn  # type: ignore[no-any-return]


class CustomRouterRule(Rule):
    name = "custom"
    is_async = True

    def __init__(self, path: Path, config: dict[str, Any]) -> None:
        self.path = path
        self.config = config
        self._generation = 0
        self._mtime = self._stat()
        try:
            self._route: RouteFn | None = _load_route(path, self._generation)
        except Exception as exc:
            raise ConfigError(KEY, f"{path} failed to load: {type(exc).__name__}: {exc}") from None

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _current(self) -> RouteFn | None:
        mtime = self._stat()
        if mtime == self._mtime:
            return self._route
        self._mtime = mtime
        self._generation += 1
        self._route = None
        if mtime is None:
            log.error("custom router %s is gone; using the built-in rules", self.path)
            return None
        try:
            self._route = _load_route(self.path, self._generation)
            log.info("custom router %s reloaded", self.path)
        except Exception as exc:
            log.error(
                "custom router %s failed to reload (%s: %s); using the built-in rules until the file is fixed",
                self.path,
                type(exc).__name__,
                exc,
            )
        return self._route

    async def amatch(self, req: RoutingRequest, ctx: RuleContext) -> RouteDecision | None:
        fn = self._current()
        if fn is None:
            return None
        try:
            result = fn(req, self.config)
            if inspect.isawaitable(result):
                result = await result
        except Exception:
            log.warning("custom router %s raised; using the built-in rules", self.path.name, exc_info=True)
            return None
        return self._decision(result, ctx)

    def _decision(self, result: object, ctx: RuleContext) -> RouteDecision | None:
        if result is None or result == "":
            return None
        if not isinstance(result, str):
            log.warning(
                "custom router %s returned %s %r; expected 'provider,model' or None",
                self.path.name,
                type(result).__name__,
                result,
            )
            return None
        target = ctx.catalog.resolve(result) or ctx.catalog.resolve_slot(result)
        if target is None:
            log.warning(
                "custom router %s returned '%s', which is not a configured provider,model (valid: %s)",
                self.path.name,
                result,
                ", ".join(ctx.catalog.valid_ids()),
            )
            return None
        return ctx.decide(self.name, target, f"{self.path.name} returned {result}")
