from __future__ import annotations

from pathlib import Path

import pytest

from ccr.config.load import interpolate, json5_syntax_error, load_config, parse_config_text, resolve_config_path
from ccr.errors import ConfigError, ConfigSyntaxError

ENV = {"KEY": "sk-test", "HOST_NAME": "example.test", "EMPTY": ""}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("$KEY", "sk-test", id="bare"),
        pytest.param("${KEY}", "sk-test", id="braced"),
        pytest.param("https://${HOST_NAME}/v1/$KEY", "https://example.test/v1/sk-test", id="several"),
        pytest.param("price $5 and $lower", "price $5 and $lower", id="unbraced-only-upper-case"),
        pytest.param("$$KEY", "$KEY", id="escaped-dollar"),
        pytest.param({"a": ["x", {"b": "$KEY"}]}, {"a": ["x", {"b": "sk-test"}]}, id="nested"),
        pytest.param(3456, 3456, id="non-string"),
    ],
)
def test_interpolate(value: object, expected: object) -> None:
    assert interpolate(value, ENV) == expected


@pytest.mark.parametrize(
    ("value", "path", "var"),
    [
        pytest.param({"Providers": [{"api_key": "$MISSING"}]}, "Providers[0].api_key", "$MISSING", id="unset"),
        pytest.param({"APIKEY": "${EMPTY}"}, "APIKEY", "$EMPTY", id="empty-counts-as-unset"),
    ],
)
def test_interpolate_undefined_names_key_and_variable(value: object, path: str, var: str) -> None:
    with pytest.raises(ConfigError) as info:
        interpolate(value, ENV)
    assert info.value.path == path
    assert var in info.value.problem


def test_json5_comments_and_trailing_commas() -> None:
    data = parse_config_text('{\n // comment\n PORT: 4000,\n "Providers": [],\n}')
    assert data == {"PORT": 4000, "Providers": []}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        pytest.param("{ PORT: }", "not valid JSON5", id="syntax"),
        pytest.param("[1, 2]", "top level must be an object", id="array"),
    ],
)
def test_parse_errors(text: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config_text(text, "cfg.json")
    assert fragment in info.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            '{\n  "PORT": 3456,,\n}', 'line 2, column 17: unexpected end of line\n      "PORT": 3456,,\n', id="comma"
        ),
        pytest.param('{\n  "PORT": 3456\n  "HOST": "x"\n}', "line 3, column 3: unexpected '\"'", id="missing-comma"),
        pytest.param('{"a": 1', 'line 1, column 8: unexpected end of input\n    {"a": 1\n           ^', id="eof"),
    ],
)
def test_json5_errors_name_the_line_and_show_it(text: str, expected: str) -> None:
    with pytest.raises(ConfigSyntaxError) as info:
        parse_config_text(text, "cfg.json")
    assert "<string>" not in info.value.message
    assert expected in info.value.message
    assert f"line {info.value.line}, column {info.value.column}: {info.value.what}" in info.value.message


@pytest.mark.parametrize(
    ("message", "position"),
    [
        pytest.param('<string>:4 Unexpected "}" at column 1', (4, 1, "unexpected '}'"), id="plain"),
        pytest.param('<string>:2 Unexpected "\t" at column 3', (2, 3, "unexpected a tab"), id="tab"),
        pytest.param("Empty strings are not legal JSON5", (None, None, "Empty strings are not legal JSON5"), id="none"),
    ],
)
def test_json5_messages_are_read_for_their_position(message: str, position: tuple[object, ...]) -> None:
    err = json5_syntax_error("cfg.json", message, "{\n\t\n\n}")
    assert (err.line, err.column, err.what) == position


def test_path_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("CCR_CONFIG", raising=False)
    assert resolve_config_path() == tmp_path / ".claude-code-router" / "config.json"
    monkeypatch.setenv("CCR_CONFIG", str(tmp_path / "env.json"))
    assert resolve_config_path() == tmp_path / "env.json"
    assert resolve_config_path(tmp_path / "cli.json") == tmp_path / "cli.json"


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.json")


def test_load_keeps_raw_and_path(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"APIKEY": "$KEY", "Providers": []}')
    cfg = load_config(path, ENV)
    assert cfg.APIKEY == "sk-test"
    assert cfg.raw["APIKEY"] == "$KEY"
    assert cfg.path == path
