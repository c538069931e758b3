"""`POST /api/statusline/preview`: the status line editor's preview, drawn by the same code as
`ccr statusline` (ccr.statusline.render), from the draft `StatusLine` and sample values.

Script modules are not run (a preview must not execute files on the user's machine at each
keystroke); they show which script would fill them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ccr.errors import RequestError
from ccr.statusline import render, theme
from ccr.statusline.variables import format_tokens

SAMPLE: dict[str, str] = {
    "workDirName": "my-project",
    "gitBranch": "main",
    "model": "deepseek-chat",
    "inputTokens": "12345",
    "outputTokens": "678",
    "contextPercent": "42",
    "contextWindowSize": "128k",
    "tokenSpeed": "38",
    "cost": "0.12",
    "linesAdded": "120",
    "linesRemoved": "7",
    "duration": "4m05s",
    "sessionId": "3f0c1a2b",
}
_TOKEN_VARS = ("inputTokens", "outputTokens")


def _script_placeholder(module: dict[str, Any], variables: Mapping[str, str]) -> str:
    path = str(module.get("scriptPath") or "").strip()
    return f"[script {path.rsplit('/', 1)[-1]}]" if path else ""


def _variables(given: Any) -> dict[str, str]:
    out = dict(SAMPLE)
    if isinstance(given, dict):
        out.update({str(k): str(v) for k, v in given.items() if isinstance(v, str | int | float)})
    for name in _TOKEN_VARS:
        if out[name].isdigit():
            out[name] = format_tokens(int(out[name]))
    return out


def modules_for(status: dict[str, Any], style: str) -> list[Any]:
    themed = status.get(style)
    modules = themed.get("modules") if isinstance(themed, dict) else None
    if isinstance(modules, list) and modules:
        return modules
    return theme.default_modules(with_cost=bool(status.get("prices")))


def statusline_preview(body: dict[str, Any]) -> dict[str, Any]:
    status = body.get("StatusLine", {})
    if not isinstance(status, dict):
        raise RequestError("StatusLine must be an object")
    wanted = status.get("currentStyle")
    style = wanted if isinstance(wanted, str) and wanted in theme.STYLES else "default"
    icons = body.get("icons") is not False
    modules = modules_for(status, style)
    variables = _variables(body.get("variables"))
    segs = render.segments(modules, variables, icons, style, _script_placeholder)
    return {
        "style": style,
        "segments": [{"icon": s.icon, "text": s.text, "color": s.color, "background": s.background} for s in segs],
        "plain": render.render(modules, variables, style, icons, False, _script_placeholder),
        "ansi": render.render(modules, variables, style, icons, True, _script_placeholder),
    }
