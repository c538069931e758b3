"""Tool-call arguments → the `input` object of an Anthropic `tool_use` block.

Models behind OpenAI-compatible servers sometimes write arguments that are almost JSON: single
quotes, Python `True`/`None`, a trailing comma, a missing closing brace (output cut short) or a
markdown fence around the object. Those are repaired; anything else is passed on as
`{"_raw": <original>}` so the client sees what the model wrote instead of a crash.
"""

from __future__ import annotations

from typing import Any

import orjson

_PY_WORDS = {"True": "true", "False": "false", "None": "null"}
_STRING_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def parse_tool_arguments(raw: object) -> dict[str, Any]:
    """Parse what a provider sent as `function.arguments` into a JSON object; never raises."""
    if isinstance(raw, dict):
        return raw
    if raw is None:
        return {}
    if not isinstance(raw, str):
        return {"_raw": raw}
    if not raw.strip():
        return {}
    parsed = _as_object(raw)
    if parsed is not None:
        return parsed
    repaired = repair_json_object(raw)
    return repaired if repaired is not None else {"_raw": raw}


def _as_object(text: str) -> dict[str, Any] | None:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if isinstance(value, dict):
        return value
    if isinstance(value, str):  # arguments JSON-encoded twice
        try:
            inner = orjson.loads(value)
        except orjson.JSONDecodeError:
            return None
        return inner if isinstance(inner, dict) else None
    return None


def is_complete_object(text: str) -> bool:
    """True when `text` is already a whole JSON object (more fragments could only spoil it)."""
    try:
        return isinstance(orjson.loads(text), dict)
    except orjson.JSONDecodeError:
        return False


def repair_json_object(text: str) -> dict[str, Any] | None:
    """The trivially fixable near-JSON cases; None when the text is not one of them."""
    candidate = _rewrite(_strip_fence(text.strip()))
    try:
        value = orjson.loads(candidate)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _strip_fence(text: str) -> str:
    if not text.startswith("```"):
        return text
    first_newline = text.find("\n")
    body = text[first_newline + 1 :] if first_newline >= 0 else text[3:]
    body = body.rstrip()
    return body[:-3] if body.endswith("```") else body


def _rewrite(text: str) -> str:
    """One pass outside strings: quotes, Python literals, trailing commas, unclosed brackets."""
    out: list[str] = []
    closers: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            i = _copy_string(text, i, out)
            continue
        if c.isalpha():
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            word = text[i:j]
            out.append(_PY_WORDS.get(word, word))
            i = j
            continue
        if c in "{[":
            closers.append("}" if c == "{" else "]")
        elif c in "}]":
            _drop_trailing_comma(out)
            if closers:
                closers.pop()
        out.append(c)
        i += 1
    _drop_trailing_comma(out)
    out.extend(reversed(closers))
    return "".join(out)


def _copy_string(text: str, start: int, out: list[str]) -> int:
    """Copy the string literal at `start` as a double-quoted JSON string; returns the next index."""
    quote = text[start]
    buf = ['"']
    i, n = start + 1, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            if i + 1 < n:
                nxt = text[i + 1]
                buf.append("'" if quote == "'" and nxt == "'" else ch + nxt)
            i += 2
            continue
        if ch == quote:
            buf.append('"')
            out.append("".join(buf))
            return i + 1
        if ch == '"':
            buf.append('\\"')
        else:
            buf.append(_STRING_ESCAPES.get(ch, ch))
        i += 1
    buf.append('"')  # unterminated: the answer was cut short
    out.append("".join(buf))
    return n


def _drop_trailing_comma(out: list[str]) -> None:
    k = len(out) - 1
    while k >= 0 and out[k].isspace():
        k -= 1
    if k >= 0 and out[k] == ",":
        del out[k]
