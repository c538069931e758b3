"""The environment that points Claude Code (or any Anthropic SDK client) at the router."""

from __future__ import annotations

import shlex
from collections.abc import Mapping

from ccr.config.schema import Config

PLACEHOLDER_TOKEN = "ccr-no-apikey"
"""Sent as the auth token when the router has no APIKEY (Claude Code wants some token)."""

REMOVED = ("ANTHROPIC_API_KEY", "CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX")
"""A real Anthropic key would be sent too (and Claude Code warns about two credentials);
Bedrock/Vertex modes would bypass the router."""

NON_INTERACTIVE = {"CI": "true", "FORCE_COLOR": "0", "NODE_NO_READLINE": "1", "TERM": "dumb"}

Changes = dict[str, str | None]
"""Variable → new value, or None to remove it."""


def router_env(cfg: Config, host: str, port: int, base: Mapping[str, str]) -> Changes:
    changes: Changes = {
        "ANTHROPIC_BASE_URL": f"http://{host if ':' not in host else f'[{host}]'}:{port}",
        "ANTHROPIC_AUTH_TOKEN": cfg.APIKEY or PLACEHOLDER_TOKEN,
        "API_TIMEOUT_MS": str(cfg.API_TIMEOUT_MS),
        "DISABLE_TELEMETRY": "true",
        "DISABLE_COST_WARNINGS": "true",
    }
    no_proxy = merged_no_proxy(base, host)
    changes["NO_PROXY"] = no_proxy
    changes["no_proxy"] = no_proxy
    if cfg.ANTHROPIC_SMALL_FAST_MODEL:
        changes["ANTHROPIC_SMALL_FAST_MODEL"] = cfg.ANTHROPIC_SMALL_FAST_MODEL
    for name in REMOVED:
        changes[name] = None
    return changes


def merged_no_proxy(base: Mapping[str, str], host: str) -> str:
    """The user's NO_PROXY plus the router's address, so a corporate proxy never sees local calls."""
    current = base.get("NO_PROXY") or base.get("no_proxy") or ""
    entries = [e.strip() for e in current.split(",") if e.strip()]
    for needed in ("127.0.0.1", "localhost", host):
        if needed not in entries:
            entries.append(needed)
    return ",".join(entries)


def apply(base: Mapping[str, str], changes: Changes) -> dict[str, str]:
    env = dict(base)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def shell_lines(changes: Changes, shell: str) -> list[str]:
    """Lines for `eval "$(ccr activate)"` (bash/zsh), `ccr activate --shell fish | source`, or
    `ccr activate --shell powershell | Invoke-Expression`."""
    out = []
    for name, value in changes.items():
        if shell == "fish":
            out.append(f"set -e {name};" if value is None else f"set -gx {name} {_fish_quote(value)};")
        elif shell == "powershell":
            out.append(
                f"Remove-Item Env:{name} -ErrorAction SilentlyContinue"
                if value is None
                else f"$env:{name} = {_ps_quote(value)}"
            )
        else:
            out.append(f"unset {name}" if value is None else f"export {name}={shlex.quote(value)}")
    return out


def _fish_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _ps_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
