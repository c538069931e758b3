"""JSON Schema → Gemini `parameters`: each rule from a schema Claude Code's tools really use."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ccr.transformers.gemini_schema import clean_schema


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        pytest.param(
            {
                "$schema": "http://json-schema.org/draft-07/schema#",
                "type": "object",
                "properties": {"command": {"type": "string", "description": "what to run"}},
                "required": ["command", "ghost"],
                "additionalProperties": False,
            },
            {
                "type": "OBJECT",
                "properties": {"command": {"type": "STRING", "description": "what to run"}},
                "required": ["command"],
            },
            id="bash-tool-shape",
        ),
        pytest.param({"type": ["string", "null"]}, {"type": "STRING", "nullable": True}, id="type-list-null"),
        pytest.param(
            {"anyOf": [{"type": "integer"}, {"type": "null"}], "description": "d"},
            {"type": "INTEGER", "nullable": True, "description": "d"},
            id="anyof-null-collapses",
        ),
        pytest.param(
            {"anyOf": [{"type": "string"}, {"type": "number"}]},
            {"anyOf": [{"type": "STRING"}, {"type": "NUMBER"}]},
            id="anyof-kept",
        ),
        pytest.param(
            {"oneOf": [{"type": "string"}, {"type": "boolean"}]},
            {"anyOf": [{"type": "STRING"}, {"type": "BOOLEAN"}]},
            id="oneof-to-anyof",
        ),
        pytest.param({"const": "fixed"}, {"type": "STRING", "enum": ["fixed"], "format": "enum"}, id="const"),
        pytest.param(
            {"type": "integer", "enum": [1, 2, None]},
            {"type": "STRING", "enum": ["1", "2"], "format": "enum", "nullable": True},
            id="enum-stringified",
        ),
        pytest.param({"type": "string", "format": "uri"}, {"type": "STRING"}, id="format-dropped"),
        pytest.param(
            {"type": "string", "format": "date-time"}, {"type": "STRING", "format": "date-time"}, id="format-kept"
        ),
        pytest.param(
            {"type": "array", "items": [{"type": "string"}], "minItems": 1},
            {"type": "ARRAY", "items": {"type": "STRING"}, "minItems": 1},
            id="tuple-items",
        ),
        pytest.param({"type": "array"}, {"type": "ARRAY", "items": {"type": "STRING"}}, id="array-without-items"),
        pytest.param(
            {
                "type": "object",
                "properties": {"todo": {"$ref": "#/$defs/Todo"}},
                "$defs": {"Todo": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}},
            },
            {
                "type": "OBJECT",
                "properties": {
                    "todo": {"type": "OBJECT", "properties": {"id": {"type": "STRING"}}, "required": ["id"]}
                },
            },
            id="ref-inlined",
        ),
        pytest.param(
            {
                "allOf": [
                    {"properties": {"a": {"type": "string"}}, "required": ["a"]},
                    {"properties": {"b": {"type": "number"}}},
                ]
            },
            {"type": "OBJECT", "properties": {"a": {"type": "STRING"}, "b": {"type": "NUMBER"}}, "required": ["a"]},
            id="allof-merged",
        ),
        pytest.param(
            {"type": "number", "exclusiveMinimum": 0, "minimum": 1, "examples": [3]},
            {"type": "NUMBER", "minimum": 1},
            id="unknown-keywords-dropped",
        ),
    ],
)
def test_clean_schema(schema: dict[str, Any], expected: dict[str, Any]) -> None:
    before = orjson.dumps(schema)
    assert clean_schema(schema) == expected
    assert orjson.dumps(schema) == before  # the client's schema is never modified


def test_recursive_ref_is_cut() -> None:
    schema = {
        "type": "object",
        "properties": {"node": {"$ref": "#/definitions/Node"}},
        "definitions": {"Node": {"type": "object", "properties": {"child": {"$ref": "#/definitions/Node"}}}},
    }
    out = clean_schema(schema)
    depth = 0
    node: Any = out
    while "properties" in node:
        node = next(iter(node["properties"].values()))
        depth += 1
    assert 5 < depth < 20
