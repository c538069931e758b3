"""Custom transformers: Python files from the config's `transformers[]`, and installed packages
through the entry-point group `ccr` (see hookspecs).

A plugin file defines one or more classes, each with a `name` and any of the transformer hooks
(`request`, `anthropic`, `response`, `stream_chunk`, `stream_end`; endpoints also `build`, …).
Subclassing `ccr.transformers.base.Transformer` is the documented way; any class with a `name`
and plain (not async) hook methods is adapted. The entry's `options` are the defaults for every
use of the plugin; `["name", {options}]` in a provider's chain adds to them.

A plugin that fails to load never stops the router: the problem is logged with the file and the
error, kept in `Registry.broken`, and the plugin's name is registered as a stand-in that fails
each request using it with a clear error naming the plugin. Plugins are registered after the
built-ins and replace a built-in of the same name (as in CCR).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import inspect
import logging
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from ccr.config.schema import Config
from ccr.errors import PluginError
from ccr.hookspecs import PROJECT, TransformerHooks
from ccr.transformers.base import Endpoint, RequestContext, Transformer
from ccr.transformers.registry import Registry

log = logging.getLogger("ccr.plugins")

HOOKS = ("request", "anthropic", "response", "stream_chunk", "stream_end")
ENDPOINT_HOOKS = ("prepare", "build", "build_anthropic", "decode_response", "decode_event", "decode_end")
ENTRY_POINT_GROUP = "ccr"


@dataclass(frozen=True, slots=True)
class PluginProblem:
    source: str
    """The file path or `entry point <name> (<module:attr>)`."""
    names: tuple[str, ...]
    """The transformer names it was expected to provide (guessed from the file name on import errors)."""
    error: str


def load_plugins(config: Config, registry: Registry) -> list[PluginProblem]:
    """Register every plugin of `config` and of installed packages; returns what failed."""
    problems: list[PluginProblem] = []
    builtins = set(registry.names())
    _load_entry_points(registry, problems)
    base = config.path.parent if config.path else Path.cwd()
    for entry in config.transformers:
        _load_file(entry.path, entry.options, base, registry, problems, builtins)
    for problem in problems:
        log.warning(
            "plugin %s failed to load: %s (providers using it will answer with this error)",
            problem.source,
            problem.error,
        )
        for name in problem.names:
            registry.broken[name.lower()] = f"{problem.source}: {problem.error}"
            if registry.get(name) is None:
                registry.add(_stand_in(name, problem))
    return problems


def load_plugin_file(path: str | os.PathLike[str], options: Mapping[str, Any] | None = None) -> list[type[Transformer]]:
    """Import one plugin file and return its transformer classes (raises PluginError on failure)."""
    registry = Registry({})
    problems: list[PluginProblem] = []
    _load_file(str(path), dict(options or {}), Path.cwd(), registry, problems, set())
    if problems:
        raise PluginError(f"plugin {problems[0].source} failed to load: {problems[0].error}")
    return list(registry.classes())


# ---------------------------------------------------------------- files


def _load_file(
    raw: str,
    options: Mapping[str, Any],
    base: Path,
    registry: Registry,
    problems: list[PluginProblem],
    builtins: set[str],
) -> None:
    path = Path(os.path.expanduser(raw))
    if not path.is_absolute():
        path = base / path
    guesses = _names_from_stem(path.stem)
    if path.suffix in (".js", ".cjs", ".mjs", ".ts"):
        built_in = next((n for n in guesses if n in builtins), None)
        if built_in:
            log.info("plugin %s: '%s' is built in now; the JavaScript file is not used", path, built_in)
            return
        problems.append(
            PluginProblem(
                str(path),
                guesses,
                "JavaScript plugins cannot run in this (Python) router; rewrite it as a .py file defining a "
                "Transformer subclass (see docs/transformers.md)",
            )
        )
        return
    try:
        module = _import_file(path)
        classes = _classes_of(module)
        if not classes:
            raise PluginError("defines no transformer class (a class with a `name` and hooks such as request/response)")
        for cls in classes:
            _register(registry, cls, options, str(path), builtins)
    except Exception as exc:  # whatever the plugin raises, the router keeps starting
        problems.append(PluginProblem(str(path), guesses, _describe(exc)))


def _names_from_stem(stem: str) -> tuple[str, ...]:
    base = stem.removesuffix(".transformer").removesuffix("-transformer").removesuffix("_transformer")
    names = {base, base.replace("_", "-"), base.replace("-", "_")}
    return tuple(sorted(n.lower() for n in names if n))


def _import_file(path: Path) -> ModuleType:
    if not path.is_file():
        raise PluginError(f"file not found: {path}")
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
    module_name = f"ccr_plugin_{path.stem.replace('-', '_').replace('.', '_')}_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"cannot import {path} (is it a .py file?)")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look modules up by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def _classes_of(module: ModuleType) -> list[type]:
    found = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and obj.__module__ == module.__name__ and _is_transformer(obj)
    ]
    return found + list(_hook_classes(module))


def _is_transformer(cls: type) -> bool:
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name.strip():
        return False
    if issubclass(cls, Transformer):
        return True
    return any(callable(getattr(cls, h, None)) for h in (*HOOKS, *ENDPOINT_HOOKS))


def _hook_classes(obj: object) -> Iterable[type]:
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(TransformerHooks)
    manager.register(obj)
    for result in manager.hook.ccr_transformers():
        yield from (c for c in result or () if isinstance(c, type))


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if isinstance(exc, PluginError) else f"{type(exc).__name__}: {text}"


# ---------------------------------------------------------------- entry points


def _load_entry_points(registry: Registry, problems: list[PluginProblem]) -> None:
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        source = f"entry point {ep.name} ({ep.value})"
        try:
            obj = ep.load()
            if isinstance(obj, type):
                classes: list[type] = [obj]
            elif isinstance(obj, ModuleType):
                classes = _classes_of(obj)
            else:
                classes = list(_hook_classes(obj))
            if not classes:
                raise PluginError("provides no transformer class")
            for cls in classes:
                _register(registry, cls, {}, source, set())
        except Exception as exc:  # a broken package must not stop the router
            problems.append(PluginProblem(source, (ep.name.lower(),), _describe(exc)))


# ---------------------------------------------------------------- adapting classes


def _register(registry: Registry, cls: type, defaults: Mapping[str, Any], source: str, builtins: set[str]) -> None:
    if not _is_transformer(cls):
        raise PluginError(f"{cls.__qualname__} has no `name` or no hook methods")
    for hook in (*HOOKS, *ENDPOINT_HOOKS):
        fn = getattr(cls, hook, None)
        if hook != "prepare" and fn is not None and inspect.iscoroutinefunction(fn):
            raise PluginError(f"{cls.__qualname__}.{hook} is async; transformer hooks are plain functions")
    adapted = _with_defaults(cls, defaults) if issubclass(cls, Transformer) else _adapter(cls, defaults)
    if adapted.name.lower() in builtins:
        log.info("plugin %s replaces the built-in transformer '%s'", source, adapted.name)
    registry.add(adapted)


def _make_init(cls: type, defaults: Mapping[str, Any]) -> Callable[..., Any]:
    takes_options = _takes_options(cls)

    def make(options: Mapping[str, Any] | None) -> Any:
        merged = {**defaults, **(options or {})}
        return cls(merged) if takes_options else cls()

    return make


def _takes_options(cls: type) -> bool:
    try:
        params = [p for p in inspect.signature(cls).parameters.values() if p.kind != p.VAR_KEYWORD]
    except (TypeError, ValueError):
        return True
    return bool(params)


def _with_defaults(cls: type[Transformer], defaults: Mapping[str, Any]) -> type[Transformer]:
    if not defaults and _takes_options(cls):
        return cls
    takes_options = _takes_options(cls)

    def __init__(self: Transformer, options: Mapping[str, Any] | None = None) -> None:
        merged = {**defaults, **(options or {})}
        if takes_options:
            cls.__init__(self, merged)
        else:
            cls.__init__(self)
            self.options = merged

    return type(cls.__name__, (cls,), {"__init__": __init__, "__module__": cls.__module__, "__doc__": cls.__doc__})


def _adapter(cls: type, defaults: Mapping[str, Any]) -> type[Transformer]:
    """A Transformer (or Endpoint) that delegates exactly the hooks `cls` defines."""
    make = _make_init(cls, defaults)
    is_endpoint = any(callable(getattr(cls, h, None)) for h in ("build", "build_anthropic"))

    def __init__(self: Any, options: Mapping[str, Any] | None = None) -> None:
        Transformer.__init__(self, {**defaults, **(options or {})})
        self.plugin = make(options)

    ns: dict[str, Any] = {
        "__init__": __init__,
        "name": str(cls.name),  # type: ignore[attr-defined]
        "description": str(getattr(cls, "description", "") or (cls.__doc__ or "").strip().split("\n")[0]),
        "passthrough": bool(getattr(cls, "passthrough", False)),
        "__module__": cls.__module__,
    }
    for hook in (*HOOKS, *(ENDPOINT_HOOKS if is_endpoint else ())):
        if callable(getattr(cls, hook, None)):
            ns[hook] = _delegate(hook)
    return type(f"Plugin{cls.__name__}", (Endpoint if is_endpoint else Transformer,), ns)


def _delegate(hook: str) -> Callable[..., Any]:
    def call(self: Any, *args: Any) -> Any:
        return getattr(self.plugin, hook)(*args)

    call.__name__ = hook
    return call


def _stand_in(name: str, problem: PluginProblem) -> type[Transformer]:
    """Registered under a broken plugin's name: each request using it fails with the reason."""
    message = f"transformer '{name}' ({problem.source}) failed to load: {problem.error}"

    def fail(self: Transformer, body: Any, ctx: RequestContext) -> Any:
        raise PluginError(message)

    ns = {"name": name, "description": f"BROKEN: {problem.error}", "request": fail, "anthropic": fail}
    return type(f"BrokenPlugin_{name.replace('-', '_')}", (Transformer,), ns)
