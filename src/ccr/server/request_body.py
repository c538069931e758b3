"""Parsing and checking an incoming Anthropic request body — once, without a schema library.

Only what routing and conversion rely on is checked; unknown fields pass through untouched
(Claude Code adds new ones every month).
"""

from __future__ import annotations

from typing import Any

import orjson

from ccr.errors import RequestError
from ccr.protocol.parse_memo import ParseMemo


def parse_messages_body(raw: bytes, *, need_max_tokens: bool = True, memo: ParseMemo | None = None) -> dict[str, Any]:
    if not raw:
        raise RequestError("request body is empty; send a JSON Messages request")
    try:
        body = orjson.loads(raw) if memo is None else memo.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RequestError(f"request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise RequestError("request body must be a JSON object")
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise RequestError("messages: required, and must be a list of {role, content} objects")
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            raise RequestError(f"messages[{i}]: must be an object with role and content")
        if m.get("role") not in ("user", "assistant", "system"):
            raise RequestError(f"messages[{i}].role: must be 'user' or 'assistant'")
        content = m.get("content")
        if not isinstance(content, str | list):
            raise RequestError(f"messages[{i}].content: must be a string or a list of content blocks")
    if need_max_tokens:
        max_tokens = body.get("max_tokens")
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
            raise RequestError("max_tokens: required, a positive integer")
    model = body.get("model")
    if model is not None and not isinstance(model, str):
        raise RequestError("model: must be a string")
    system = body.get("system")
    if system is not None and not isinstance(system, str | list):
        raise RequestError("system: must be a string or a list of text blocks")
    for key in ("tools", "stop_sequences"):
        if body.get(key) is not None and not isinstance(body[key], list):
            raise RequestError(f"{key}: must be a list")
    if "stream" in body and not isinstance(body["stream"], bool):
        raise RequestError("stream: must be true or false")
    return body
