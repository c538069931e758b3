"""`script` modules: a Python file whose `render(variables)` (or `text` string) gives the text.

    # ~/.claude-code-router/statusline_time.py
    import time

    def render(variables: dict[str, str]) -> str:
        return time.strftime("%H:%M") + " " + variables["model"]

A failing script shows nothing; the error goes to logs/statusline.log.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

_loaded: dict[str, ModuleType] = {}


class ScriptError(Exception):
    pass


def _load(path: str) -> ModuleType:
    if path in _loaded:
        return _loaded[path]
    if not path.endswith(".py"):
        raise ScriptError(f"{path}: a status line script must be a Python file (.py)")
    spec = importlib.util.spec_from_file_location(f"ccr_statusline_script_{len(_loaded)}", path)
    if spec is None or spec.loader is None:
        raise ScriptError(f"{path}: cannot load")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _loaded[path] = module
    return module


def make_runner(
    report: Callable[[str, BaseException], None],
) -> Callable[[dict[str, Any], Mapping[str, str]], str]:
    """A runner for `render.render`; errors are passed to `report` and yield an empty module."""

    def run(module: dict[str, Any], variables: Mapping[str, str]) -> str:
        raw = module.get("scriptPath")
        if not isinstance(raw, str) or not raw.strip():
            return ""
        path = os.path.abspath(os.path.expanduser(os.path.expandvars(raw.strip())))
        try:
            loaded = _load(path)
            fn = getattr(loaded, "render", None)
            value = fn(dict(variables)) if callable(fn) else getattr(loaded, "text", "")
            return str(value).strip().splitlines()[0] if value else ""
        except Exception as exc:  # a user's script: anything can happen, nothing may escape
            report(f"script {path}", exc)
            return ""

    return run
