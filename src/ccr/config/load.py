"""Finding, reading and interpolating the config file.

Precedence: `--config PATH` > `$CCR_CONFIG` > `$HOME/.claude-code-router/config.json`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import json5

from ccr.config.schema import Config, validate_config
from ccr.errors import ConfigError, ConfigSyntaxError

DEFAULT_DIR_NAME = ".claude-code-router"

# `${ANY}` or `$UPPER_CASE` (CCR's rule: the unbraced form is upper-case only, so `$lower`
# and prices like `$5` stay literal). `$$` escapes a dollar.
_VAR = re.compile(r"\$\$|\$\{([^}]+)\}|\$([A-Z_][A-Z0-9_]*)")


def resolve_config_path(cli_path: str | os.PathLike[str] | None = None) -> Path:
    if cli_path:
        return Path(cli_path).expanduser()
    env = os.environ.get("CCR_CONFIG")
    if env:
        return Path(env).expanduser()
    return Path.home() / DEFAULT_DIR_NAME / "config.json"


def read_raw_config(path: Path) -> dict[str, Any]:
    """The file as the user wrote it (JSON5), before interpolation."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), "file not found") from None
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read: {exc.strerror}") from None
    return parse_config_text(text, str(path))


def parse_config_text(text: str, where: str = "config") -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        data = json5.loads(text)
    except ValueError as exc:
        raise json5_syntax_error(where, str(exc), text) from None
    if not isinstance(data, dict):
        raise ConfigError(where, "the top level must be an object {...}")
    return data


_JSON5_POSITION = re.compile(r"^<string>:(\d+) (.*) at column (\d+)$", re.DOTALL)
_JSON5_TOKEN = re.compile(r'Unexpected "(.*)"', re.DOTALL)
_NAMED_CHARS = {"\n": "end of line", "\r": "end of line", "\t": "a tab"}


def json5_syntax_error(where: str, message: str, text: str) -> ConfigSyntaxError:
    """json5's `<string>:2 Unexpected "\\n" at column 17` as `line 2, column 17: unexpected end of
    line`, followed by that line and a caret under the column."""
    found = _JSON5_POSITION.match(message)
    if found is None:
        return ConfigSyntaxError(where, f"not valid JSON5: {message}", None, None, message)
    line_no, what, column = int(found.group(1)), found.group(2), int(found.group(3))
    token = _JSON5_TOKEN.fullmatch(what)
    if token is not None:
        char = token.group(1)
        what = f"unexpected {_NAMED_CHARS.get(char) or repr(char)}"
    elif what:
        what = what[0].lower() + what[1:]
    lines = text.splitlines()
    shown = ""
    if 1 <= line_no <= len(lines):
        shown = f"\n    {lines[line_no - 1]}\n    {' ' * max(column - 1, 0)}^"
    problem = f"not valid JSON5: line {line_no}, column {column}: {what}{shown}"
    return ConfigSyntaxError(where, problem, line_no, column, what)


def interpolate(value: Any, env: Mapping[str, str] | None = None, path: str = "") -> Any:
    """Replace `$VAR` / `${VAR}` in every string at any depth; an undefined variable is an error."""
    env = os.environ if env is None else env
    if isinstance(value, str):
        return _interpolate_str(value, env, path)
    if isinstance(value, list):
        return [interpolate(v, env, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: interpolate(v, env, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    return value


def _interpolate_str(text: str, env: Mapping[str, str], path: str) -> str:
    if "$" not in text:
        return text

    def repl(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(2)
        found = env.get(name)
        if found is None or found == "":
            raise ConfigError(path, f"environment variable ${name} is not set (export it, or edit the value)")
        return found

    return _VAR.sub(repl, text)


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    path = path or resolve_config_path()
    raw = read_raw_config(path)
    return config_from_raw(raw, path, env)


def config_from_raw(raw: dict[str, Any], path: Path, env: Mapping[str, str] | None = None) -> Config:
    resolved = interpolate(raw, env)
    return validate_config(resolved, path=path, raw=raw)
