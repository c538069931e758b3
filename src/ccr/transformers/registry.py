"""Name → transformer class. Built-ins and plugins register through the same table.

Names match case-insensitively (`Anthropic` = `anthropic`). An unknown name is a config error that
lists the known ones.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TypeVar

from ccr.config.schema import TransformerSpec
from ccr.errors import ConfigError
from ccr.transformers.base import Transformer

T = TypeVar("T", bound=type[Transformer])

_BUILTINS: dict[str, type[Transformer]] = {}

# Modules holding the built-in transformers; importing one registers its classes.
BUILTIN_MODULES: tuple[str, ...] = (
    "ccr.transformers.openai",
    "ccr.transformers.texttools",
    "ccr.transformers.anthropic",
    "ccr.transformers.cerebras",
    "ccr.transformers.chutes_glm",
    "ccr.transformers.cleancache",
    "ccr.transformers.customparams",
    "ccr.transformers.deepseek",
    "ccr.transformers.enhancetool",
    "ccr.transformers.extrathinktag",
    "ccr.transformers.forcereasoning",
    "ccr.transformers.gemini",
    "ccr.transformers.groq",
    "ccr.transformers.limits",
    "ccr.transformers.maxcompletiontokens",
    "ccr.transformers.maxtoken",
    "ccr.transformers.openrouter",
    "ccr.transformers.reasoning",
    "ccr.transformers.sampling",
    "ccr.transformers.streamoptions",
    "ccr.transformers.tooluse",
    "ccr.transformers.vercel",
    "ccr.transformers.responses",
    "ccr.transformers.vertex",
    "ccr.transformers.gemini_cli",
    "ccr.transformers.qwen_cli",
    "ccr.transformers.rovo_cli",
)


def builtin(cls: T) -> T:
    """Class decorator for built-in transformers."""
    if not cls.name:
        raise TypeError(f"{cls.__qualname__} has no name")
    _BUILTINS[cls.name.lower()] = cls
    return cls


def _load_builtins() -> None:
    for mod in BUILTIN_MODULES:
        importlib.import_module(mod)


class Registry:
    def __init__(self, classes: dict[str, type[Transformer]] | None = None) -> None:
        if classes is None:
            _load_builtins()
            classes = dict(_BUILTINS)
        self._classes = classes
        self.broken: dict[str, str] = {}
        """Plugin name → load error, so requests using it get a clear error instead of a crash."""

    def add(self, cls: type[Transformer]) -> None:
        self._classes[cls.name.lower()] = cls

    def names(self) -> list[str]:
        return sorted(self._classes)

    def classes(self) -> Iterable[type[Transformer]]:
        return (self._classes[n] for n in self.names())

    def get(self, name: str) -> type[Transformer] | None:
        return self._classes.get(name.lower())

    def is_builtin(self, name: str) -> bool:
        """True when `name` is one of ours, not a plugin's (which may also take a built-in's name)."""
        cls = self._classes.get(name.lower())
        return cls is not None and _BUILTINS.get(name.lower()) is cls

    def create(self, spec: TransformerSpec, where: str) -> Transformer:
        cls = self.get(spec.name)
        if cls is None:
            if spec.name.lower() in self.broken:
                raise ConfigError(where, f"transformer '{spec.name}' failed to load: {self.broken[spec.name.lower()]}")
            known = ", ".join(self.names())
            raise ConfigError(where, f"unknown transformer '{spec.name}' (known: {known})")
        try:
            return cls(spec.options)
        except (TypeError, ValueError) as exc:
            raise ConfigError(where, f"bad options for transformer '{spec.name}': {exc}") from None
