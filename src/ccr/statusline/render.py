"""Turning modules and variables into one line: `default` (coloured pieces) or `powerline` style."""

from __future__ import annotations

import re

from ccr.statusline import theme

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the status line ~5 ms
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    ScriptRunner = Callable[[dict[str, Any], Mapping[str, str]], str]

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
RESET = "\x1b[0m"
POWERLINE_SEPARATOR = "\ue0b0"


class Segment:
    """One module ready to draw (a plain class: `dataclasses` costs ~10 ms to import)."""

    __slots__ = ("background", "color", "icon", "text")

    def __init__(self, icon: str, text: str, color: str, background: str) -> None:
        self.icon, self.text, self.color, self.background = icon, text, color, background


def fill(template: str, variables: Mapping[str, str]) -> str:
    """The template with `{{name}}` replaced; "" when it has placeholders and all are empty."""
    names = _PLACEHOLDER.findall(template)
    if names and not any(variables.get(n) for n in names):
        return ""
    return _PLACEHOLDER.sub(lambda m: variables.get(m.group(1), ""), template).strip()


def segments(
    modules: list[Any], variables: Mapping[str, str], icons: bool, style: str, run_script: ScriptRunner
) -> list[Segment]:
    out = []
    for module in modules:
        if not isinstance(module, dict):
            continue
        kind = str(module.get("type", ""))
        if kind == "script":
            text = run_script(module, variables)
        else:
            default_text = (theme.TEXTS if icons else theme.SIMPLE_TEXTS).get(kind, "")
            text = fill(str(module.get("text") or default_text), variables)
        if not text:
            continue
        # An explicit "icon" (even "") replaces the default glyph; simple mode shows none.
        icon = str(module.get("icon", theme.NERD_ICONS.get(kind, ""))) if icons else ""
        color = module.get("color") or (theme.FOREGROUND.get(kind, "white") if style == "default" else "white")
        background = module.get("background") or (theme.BACKGROUND.get(kind, "") if style == "powerline" else "")
        out.append(Segment(icon, text, str(color), str(background)))
    return out


def _sgr(*params: str) -> str:
    present = [p for p in params if p]
    return f"\x1b[{';'.join(present)}m" if present else ""


def render_default(segs: list[Segment], colors: bool) -> str:
    pieces = []
    for s in segs:
        body = f"{s.icon} {s.text}" if s.icon else s.text
        start = _sgr(theme.sgr(s.background, True), theme.sgr(s.color, False)) if colors else ""
        pieces.append(f"{start}{body}{RESET}" if start else body)
    return " ".join(pieces)


def render_powerline(segs: list[Segment], colors: bool, icons: bool) -> str:
    if not colors:
        return (" | " if not icons else f" {POWERLINE_SEPARATOR} ").join(
            f"{s.icon} {s.text}" if s.icon else s.text for s in segs
        )
    out = []
    for i, s in enumerate(segs):
        bg = theme.sgr(s.background, True)
        body = f" {s.icon} {s.text} " if s.icon else f" {s.text} "
        out.append(_sgr(bg, theme.sgr(s.color, False)) + body)
        following = segs[i + 1].background if i + 1 < len(segs) else ""
        # The arrow takes this segment's background as its colour, over the next one's.
        arrow_fg = theme.sgr(s.background, False)
        arrow_bg = theme.sgr(following, True)
        glyph = POWERLINE_SEPARATOR if icons else ""
        if glyph:
            out.append(RESET + _sgr(arrow_fg, arrow_bg) + glyph)
    return "".join(out) + RESET


def render(
    modules: list[Any],
    variables: Mapping[str, str],
    style: str,
    icons: bool,
    colors: bool,
    run_script: ScriptRunner,
) -> str:
    style = style if style in theme.STYLES else "default"
    segs = segments(modules, variables, icons, style, run_script)
    if style == "powerline":
        return render_powerline(segs, colors, icons)
    return render_default(segs, colors)
