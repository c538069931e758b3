"""Rendering modules into one line: styles, colours, icons, empty modules, scripts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from ccr.statusline import render, scripts, theme

ESC = "\x1b["
VARS = {
    "workDirName": "proj",
    "gitBranch": "main",
    "model": "deepseek-chat",
    "inputTokens": "12.3k",
    "outputTokens": "456",
    "contextPercent": "9",
    "tokenSpeed": "",
    "cost": "",
}


def no_script(module: dict[str, Any], variables: Mapping[str, str]) -> str:
    raise AssertionError("no script module in this test")


@pytest.mark.parametrize(
    ("color", "background", "expected"),
    [
        pytest.param("red", False, "31", id="named-fg"),
        pytest.param("bright_blue", False, "94", id="bright-fg"),
        pytest.param("bg_cyan", True, "46", id="named-bg"),
        pytest.param("bright_white", True, "107", id="bright-bg"),
        pytest.param("gray", False, "90", id="gray-is-bright-black"),
        pytest.param("#ff8000", False, "38;2;255;128;0", id="hex6-fg"),
        pytest.param("#f80", True, "48;2;255;136;0", id="hex3-bg"),
        pytest.param("00ff00", False, "38;2;0;255;0", id="bare-hex"),
        pytest.param("not-a-colour", False, "", id="unknown"),
        pytest.param("", False, "", id="empty"),
        pytest.param(None, False, "", id="none"),
    ],
)
def test_colour_codes(color: Any, background: bool, expected: str) -> None:
    assert theme.sgr(color, background) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param("{{model}}", "deepseek-chat", id="one"),
        pytest.param("↑ {{inputTokens}} ↓ {{outputTokens}}", "↑ 12.3k ↓ 456", id="two"),
        pytest.param("{{tokenSpeed}} tok/s", "", id="all-empty-hides"),
        pytest.param("{{cost}} {{model}}", "deepseek-chat", id="some-empty-kept"),
        pytest.param("static text", "static text", id="no-placeholder"),
        pytest.param("{{unknown}}", "", id="unknown-var"),
    ],
)
def test_fill(template: str, expected: str) -> None:
    assert render.fill(template, VARS) == expected


def line(modules: list[Any], style: str = "default", icons: bool = True, colors: bool = True) -> str:
    return render.render(modules, VARS, style, icons=icons, colors=colors, run_script=no_script)


def test_default_style_colours_named_and_hex() -> None:
    out = line([{"type": "model", "color": "bright_green"}, {"type": "gitBranch", "color": "#102030"}])
    assert out == (
        f"{ESC}92m{theme.NERD_ICONS['model']} deepseek-chat{render.RESET} "
        f"{ESC}38;2;16;32;48m{theme.NERD_ICONS['gitBranch']} main{render.RESET}"
    )


def test_default_style_plain_without_colours_or_icons() -> None:
    out = line(theme.default_modules(with_cost=False), icons=False, colors=False)
    assert out == "proj git:main deepseek-chat in 12.3k out 456 ctx 9%"
    assert ESC not in out


def test_modules_with_nothing_to_show_are_skipped() -> None:
    out = line([{"type": "speed"}, {"type": "cost"}, {"type": "model"}], icons=False, colors=False)
    assert out == "deepseek-chat"


def test_custom_text_and_icon() -> None:
    out = line([{"type": "model", "icon": "M", "text": "on {{model}}"}], colors=False)
    assert out == "M on deepseek-chat"
    assert line([{"type": "model", "icon": ""}], colors=False) == "deepseek-chat"
    assert line([{"type": "model", "icon": "M"}], icons=False, colors=False) == "deepseek-chat"


def test_powerline_segments_and_separators() -> None:
    out = line(
        [{"type": "workDir", "background": "bg_blue"}, {"type": "model", "background": "#000000"}], style="powerline"
    )
    icon_dir, icon_model = theme.NERD_ICONS["workDir"], theme.NERD_ICONS["model"]
    assert out == (
        f"{ESC}44;37m {icon_dir} proj "
        f"{render.RESET}{ESC}34;48;2;0;0;0m{render.POWERLINE_SEPARATOR}"
        f"{ESC}48;2;0;0;0;37m {icon_model} deepseek-chat "
        f"{render.RESET}{ESC}38;2;0;0;0m{render.POWERLINE_SEPARATOR}{render.RESET}"
    )


def test_powerline_without_colour_uses_separators_only() -> None:
    modules = [{"type": "workDir"}, {"type": "model"}]
    assert line(modules, style="powerline", icons=False, colors=False) == "proj | deepseek-chat"


def test_unknown_style_falls_back_to_default() -> None:
    assert line([{"type": "model"}], style="fancy", icons=False, colors=False) == "deepseek-chat"


def test_malformed_modules_are_ignored() -> None:
    assert line(["model", 3, None, {"type": "model"}], icons=False, colors=False) == "deepseek-chat"


def script_line(tmp_path: Path, source: str | None, name: str = "mod.py") -> tuple[str, list[str]]:
    errors: list[str] = []
    path = tmp_path / name
    if source is not None:
        path.write_text(source)
    runner = scripts.make_runner(lambda what, exc: errors.append(f"{what}: {exc!r}"))
    out = render.render(
        [{"type": "script", "scriptPath": str(path)}, {"type": "model"}],
        VARS,
        "default",
        icons=False,
        colors=False,
        run_script=runner,
    )
    return out, errors


def test_script_module_render_function(tmp_path: Path) -> None:
    out, errors = script_line(tmp_path, "def render(v):\n    return 'on ' + v['gitBranch'] + '\\nsecond line'\n")
    assert (out, errors) == ("on main deepseek-chat", [])


def test_script_module_text_constant(tmp_path: Path) -> None:
    out, errors = script_line(tmp_path, "text = 'hello'\n", name="const.py")
    assert (out, errors) == ("hello deepseek-chat", [])


@pytest.mark.parametrize(
    ("source", "name", "problem"),
    [
        pytest.param("def render(v):\n    raise RuntimeError('boom')\n", "bad.py", "boom", id="raises"),
        pytest.param("this is not python(\n", "syntax.py", "SyntaxError", id="syntax-error"),
        pytest.param(None, "missing.py", "No such file", id="missing-file"),
        pytest.param("module.exports = 1", "router.js", "must be a Python file", id="javascript"),
    ],
)
def test_bad_script_shows_nothing_and_reports(tmp_path: Path, source: str | None, name: str, problem: str) -> None:
    out, errors = script_line(tmp_path, source, name=name)
    assert out == "deepseek-chat"
    assert len(errors) == 1
    assert problem in errors[0]
