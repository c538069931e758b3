"""Tool-call arguments: valid JSON kept, near-JSON repaired, the rest passed on as `_raw`."""

from __future__ import annotations

from typing import Any

import pytest

from ccr.protocol.tool_args import is_complete_object, parse_tool_arguments

CASES = [
    pytest.param('{"city": "Paris"}', {"city": "Paris"}, id="valid"),
    pytest.param({"city": "Paris"}, {"city": "Paris"}, id="object-as-is"),
    pytest.param("", {}, id="empty-string"),
    pytest.param("   ", {}, id="whitespace"),
    pytest.param(None, {}, id="none"),
    pytest.param("{'city': 'Paris'}", {"city": "Paris"}, id="single-quotes"),
    pytest.param("{'q': 'say \"hi\"'}", {"q": 'say "hi"'}, id="double-quote-inside-single-quoted"),
    pytest.param("{'q': 'it\\'s'}", {"q": "it's"}, id="escaped-single-quote"),
    pytest.param('{"a": 1, "b": [1, 2,],}', {"a": 1, "b": [1, 2]}, id="trailing-commas"),
    pytest.param('{"ok": True, "no": False, "x": None}', {"ok": True, "no": False, "x": None}, id="python-literals"),
    pytest.param('{"text": "True story"}', {"text": "True story"}, id="literal-words-in-strings-untouched"),
    pytest.param('{"command": "ls -la"', {"command": "ls -la"}, id="missing-closing-brace"),
    pytest.param('{"a": {"b": [1, 2', {"a": {"b": [1, 2]}}, id="missing-nested-closers"),
    pytest.param('{"a": "cut sho', {"a": "cut sho"}, id="unterminated-string"),
    pytest.param('{"a": 1,', {"a": 1}, id="dangling-comma-at-end"),
    pytest.param('```json\n{"city": "Paris"}\n```', {"city": "Paris"}, id="markdown-fence"),
    pytest.param('```\n{"city": "Paris"}\n```', {"city": "Paris"}, id="bare-fence"),
    pytest.param('{"s": "line1\nline2"}', {"s": "line1\nline2"}, id="raw-newline-in-string"),
    pytest.param('"{\\"city\\": \\"Paris\\"}"', {"city": "Paris"}, id="json-encoded-twice"),
    pytest.param("not json at all", {"_raw": "not json at all"}, id="prose-raw"),
    pytest.param("[1, 2]", {"_raw": "[1, 2]"}, id="array-raw"),
    pytest.param("42", {"_raw": "42"}, id="number-raw"),
    pytest.param('{"a": }', {"_raw": '{"a": }'}, id="missing-value-raw"),
    pytest.param([1, 2], {"_raw": [1, 2]}, id="non-string-non-object-raw"),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_parse_tool_arguments(raw: Any, expected: dict[str, Any]) -> None:
    assert parse_tool_arguments(raw) == expected


def test_object_arguments_are_used_as_is() -> None:
    args = {"nested": {"a": 1}}
    assert parse_tool_arguments(args) is args


@pytest.mark.parametrize(
    ("text", "complete"),
    [
        pytest.param('{"a": 1}', True, id="object"),
        pytest.param('{"a": 1}  ', True, id="object-trailing-space"),
        pytest.param('{"a": 1', False, id="prefix"),
        pytest.param('{"a": {"b": 1}', False, id="nested-prefix"),
        pytest.param("", False, id="empty"),
        pytest.param("12", False, id="number-is-not-an-object"),
    ],
)
def test_is_complete_object(text: str, complete: bool) -> None:
    assert is_complete_object(text) is complete
