"""JSON Schema (as Claude Code's tools write it) → the OpenAPI subset Gemini's `parameters` takes.

Gemini rejects `$schema`, `additionalProperties`, `$ref`, `const`, type lists, most `format`s
and `required` names that are not properties. This rewrites a schema into what it accepts while
keeping the meaning: `$ref`s are inlined (recursion cut at a depth), `["T","null"]` and
`anyOf` with `null` become `nullable`, `const` becomes a one-value `enum`, `allOf` is merged,
enums become strings. Input schemas are never modified.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_KEEP = (
    "description", "title", "minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum",
    "minProperties", "maxProperties", "pattern", "propertyOrdering",
)  # fmt: skip
_FORMATS = {"STRING": {"enum", "date-time"}, "INTEGER": {"int32", "int64"}, "NUMBER": {"float", "double"}}
_TYPES = {"string", "number", "integer", "boolean", "array", "object"}
MAX_DEPTH = 12


def clean_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    return _clean(schema, schema, 0)


def _clean(node: Any, root: Mapping[str, Any], depth: int) -> dict[str, Any]:
    if not isinstance(node, Mapping) or depth > MAX_DEPTH:
        return {"type": "STRING"} if depth > MAX_DEPTH else {}
    node = _resolve(node, root)
    node = _merge_all_of(node, root)
    out: dict[str, Any] = {k: node[k] for k in _KEEP if k in node}
    nullable = node.get("nullable") is True
    kind, type_nullable = _type_of(node)
    nullable = nullable or type_nullable
    alternatives = node.get("anyOf") or node.get("oneOf")
    if isinstance(alternatives, list):
        options = [a for a in alternatives if not (isinstance(a, Mapping) and a.get("type") == "null")]
        nullable = nullable or len(options) < len(alternatives)
        if len(options) == 1:
            merged = _clean(options[0], root, depth + 1)
            return _finish({**merged, **out}, nullable)
        if options:
            out["anyOf"] = [_clean(a, root, depth + 1) for a in options]
    if kind:
        out["type"] = kind
    _enum(node, out)
    _format(node, out)
    if kind == "OBJECT" or "properties" in node:
        _object(node, out, root, depth)
    if kind == "ARRAY" or "items" in node:
        items = node.get("items")
        if isinstance(items, list):  # tuple form: Gemini has one item schema
            items = items[0] if items else {}
        out["items"] = _clean(items, root, depth + 1) if isinstance(items, Mapping) else {"type": "STRING"}
        out.setdefault("type", "ARRAY")
    return _finish(out, nullable)


def _finish(out: dict[str, Any], nullable: bool) -> dict[str, Any]:
    if nullable:
        out["nullable"] = True
    return out


def _resolve(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return node
    target: Any = root
    for part in ref[2:].split("/"):
        target = target.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(target, Mapping) else None
    if not isinstance(target, Mapping):
        return {k: v for k, v in node.items() if k != "$ref"}
    siblings = {k: v for k, v in node.items() if k != "$ref"}
    return {**target, **siblings}


def _merge_all_of(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    parts = node.get("allOf")
    if not isinstance(parts, list):
        return node
    merged: dict[str, Any] = {k: v for k, v in node.items() if k != "allOf"}
    props: dict[str, Any] = dict(merged.get("properties") or {})
    required: list[str] = list(merged.get("required") or [])
    for part in parts:
        if not isinstance(part, Mapping):
            continue
        part = _resolve(part, root)
        props.update(part.get("properties") or {})
        required += [r for r in part.get("required") or [] if r not in required]
        for key, value in part.items():
            if key not in ("properties", "required"):
                merged.setdefault(key, value)
    if props:
        merged["properties"] = props
    if required:
        merged["required"] = required
    return merged


def _type_of(node: Mapping[str, Any]) -> tuple[str | None, bool]:
    kind = node.get("type")
    nullable = False
    if isinstance(kind, list):
        nullable = "null" in kind
        kinds = [k for k in kind if isinstance(k, str) and k in _TYPES]
        kind = kinds[0] if kinds else None
    if kind == "null":
        return None, True
    if isinstance(kind, str) and kind.lower() in _TYPES:
        return kind.upper(), nullable
    if "const" in node or "enum" in node:
        return "STRING", nullable
    return None, nullable


def _enum(node: Mapping[str, Any], out: dict[str, Any]) -> None:
    values = node.get("enum")
    if "const" in node:
        values = [node["const"]]
    if not isinstance(values, list):
        return
    if None in values:
        out["nullable"] = True
    strings = [
        v if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v) for v in values if v is not None
    ]
    if strings:
        out["enum"] = strings
        out["type"] = "STRING"  # Gemini enums are string-only
        out["format"] = "enum"


def _format(node: Mapping[str, Any], out: dict[str, Any]) -> None:
    fmt = node.get("format")
    if isinstance(fmt, str) and fmt in _FORMATS.get(out.get("type", ""), ()):
        out.setdefault("format", fmt)


def _object(node: Mapping[str, Any], out: dict[str, Any], root: Mapping[str, Any], depth: int) -> None:
    out["type"] = "OBJECT"
    props = node.get("properties")
    if isinstance(props, Mapping) and props:
        out["properties"] = {str(k): _clean(v, root, depth + 1) for k, v in props.items()}
        required = node.get("required")
        if isinstance(required, list):
            kept = [r for r in required if r in out["properties"]]
            if kept:
                out["required"] = kept
