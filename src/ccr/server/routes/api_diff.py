"""What a save changed, in words the user can check, and what it needs to take effect.

Secret values never appear: a changed key is reported as "changed".
"""

from __future__ import annotations

import json
from typing import Any

from ccr.config.schema import Config
from ccr.masking import is_secret_key

RESTART_KEYS = ("HOST", "PORT", "LOG", "LOG_LEVEL")
"""Read once when the server starts (socket, log files)."""
NEXT_LAUNCH_KEYS = ("CLAUDE_PATH", "NON_INTERACTIVE_MODE", "API_TIMEOUT_MS", "ANTHROPIC_SMALL_FAST_MODEL")
"""Passed to Claude Code by `ccr code` when it starts it."""
_SHORT = 60


def _show(key: str, value: Any) -> str:
    if value is None:
        return "unset"
    if is_secret_key(key):
        return "set"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _SHORT else f"{text[: _SHORT - 1]}…"


def _providers(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    items = doc.get("Providers", doc.get("providers"))
    out: dict[str, dict[str, Any]] = {}
    for i, p in enumerate(items if isinstance(items, list) else []):
        if isinstance(p, dict):
            out[str(p.get("name") or f"#{i + 1}")] = p
    return out


def _provider_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    before, after = _providers(old), _providers(new)
    lines = [f"provider {n} added" for n in after if n not in before]
    lines += [f"provider {n} removed" for n in before if n not in after]
    for name in after:
        if name in before and before[name] != after[name]:
            keys = sorted(k for k in {*before[name], *after[name]} if before[name].get(k) != after[name].get(k))
            lines.append(f"provider {name}: {', '.join(keys)} changed")
    if not lines and list(before) != list(after):
        lines.append("providers reordered")
    return lines


def _value_changes(prefix: str, old: Any, new: Any) -> list[str]:
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict) and prefix.count(".") < 1:
        lines: list[str] = []
        for k in [*old, *(k for k in new if k not in old)]:
            lines += _value_changes(f"{prefix}.{k}", old.get(k), new.get(k))
        return lines
    key = prefix.rpartition(".")[2]
    if is_secret_key(key):
        return [f"{prefix} changed"]
    return [f"{prefix}: {_show(key, old)} → {_show(key, new)}"]


def describe_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines = _provider_changes(old, new)
    for key in [*old, *(k for k in new if k not in old)]:
        if key in ("Providers", "providers"):
            continue
        lines += _value_changes(key, old.get(key), new.get(key))
    return lines


def restart_needed(old: Config, new: Config) -> list[str]:
    return [k for k in RESTART_KEYS if getattr(old, k) != getattr(new, k)]


def next_launch(old: Config, new: Config) -> list[str]:
    return [k for k in NEXT_LAUNCH_KEYS if getattr(old, k) != getattr(new, k)]
