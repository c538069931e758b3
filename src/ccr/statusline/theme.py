"""Module types, their default texts, icons and colours, and colour names → terminal codes."""

from __future__ import annotations

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the status line ~5 ms
if TYPE_CHECKING:
    from typing import Any


MODULE_TYPES = ("workDir", "gitBranch", "model", "usage", "context", "speed", "cost", "script")
STYLES = ("default", "powerline")

# Nerd Font glyphs (https://www.nerdfonts.com/cheat-sheet).
NERD_ICONS = {
    "workDir": "\U000f024b",  # nf-md-folder
    "gitBranch": "\ue725",  # nf-dev-git_branch
    "model": "\U000f06a9",  # nf-md-robot
    "usage": "",
    "context": "\uf1c0",  # nf-fa-database
    "speed": "\uf0e4",  # nf-fa-tachometer
    "cost": "",
    "script": "",
}

TEXTS = {
    "workDir": "{{workDirName}}",
    "gitBranch": "{{gitBranch}}",
    "model": "{{model}}",
    "usage": "↑ {{inputTokens}} ↓ {{outputTokens}}",
    "context": "{{contextPercent}}%",
    "speed": "{{tokenSpeed}} tok/s",
    "cost": "${{cost}}",
    "script": "",
}
# Plain ASCII for dumb terminals and fonts without glyphs.
SIMPLE_TEXTS = {
    **TEXTS,
    "gitBranch": "git:{{gitBranch}}",
    "usage": "in {{inputTokens}} out {{outputTokens}}",
    "context": "ctx {{contextPercent}}%",
}

FOREGROUND = {
    "workDir": "bright_blue",
    "gitBranch": "bright_magenta",
    "model": "bright_cyan",
    "usage": "bright_green",
    "context": "bright_yellow",
    "speed": "green",
    "cost": "yellow",
    "script": "white",
}
BACKGROUND = {
    "workDir": "bg_blue",
    "gitBranch": "bg_magenta",
    "model": "bg_cyan",
    "usage": "bg_green",
    "context": "bg_yellow",
    "speed": "bg_bright_black",
    "cost": "bg_red",
    "script": "bg_bright_black",
}
DEFAULT_MODULES = ("workDir", "gitBranch", "model", "usage", "context")

_NAMES = {"black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7}
_HEX = frozenset("0123456789abcdef")


def sgr(color: Any, background: bool) -> str:
    """SGR parameters for a colour name (`red`, `bright_blue`, `bg_cyan`) or hex (`#RGB`, `#RRGGBB`);
    "" for anything else."""
    if not isinstance(color, str) or not color.strip():
        return ""
    name = color.strip().lower().removeprefix("bg_")
    rgb = _hex_rgb(name.removeprefix("#"))
    if rgb is not None:
        return f"{48 if background else 38};2;{rgb[0]};{rgb[1]};{rgb[2]}"
    bright = name.startswith("bright_")
    name = name.removeprefix("bright_")
    if name in ("gray", "grey"):
        name, bright = "black", True
    index = _NAMES.get(name)
    if index is None:
        return ""
    base = (100 if bright else 40) if background else (90 if bright else 30)
    return str(base + index)


def _hex_rgb(digits: str) -> tuple[int, int, int] | None:
    if len(digits) not in (3, 6) or not set(digits) <= _HEX:
        return None
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def default_modules(with_cost: bool) -> list[dict[str, Any]]:
    names = list(DEFAULT_MODULES) + (["cost"] if with_cost else [])
    return [{"type": n} for n in names]
