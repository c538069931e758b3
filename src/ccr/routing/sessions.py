"""Which Claude Code session a request belongs to, and what the upstream last reported for it.

The session id comes from the `x-claude-code-session-id` header, else from `metadata.user_id`:
Claude Code 1.x/2.0 sends `user_<hash>_account_<uuid>_session_<uuid>`, Claude Code 2.1 may send
a JSON string `{"device_id": …, "session_id": …}` instead. Both are understood.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import orjson

SESSION_HEADER = "x-claude-code-session-id"
_SESSION_MARK = "_session_"
DEFAULT_CAPACITY = 1000


def session_id_from(headers: Mapping[str, str], body: dict[str, Any]) -> str | None:
    value = headers.get(SESSION_HEADER)
    if value is None and not isinstance(headers, dict):
        value = headers.get(SESSION_HEADER.title())
    if isinstance(value, str) and value.strip():
        return value.strip()
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        return None
    user_id = metadata.get("user_id")
    if not isinstance(user_id, str) or not user_id:
        return None
    if user_id.startswith("{"):
        return _from_json_user_id(user_id)
    _, mark, rest = user_id.partition(_SESSION_MARK)
    if not mark or not rest:
        return None
    return rest


def _from_json_user_id(user_id: str) -> str | None:
    try:
        parsed = orjson.loads(user_id)
    except orjson.JSONDecodeError:
        return None
    if isinstance(parsed, dict):
        sid = parsed.get("session_id")
        if isinstance(sid, str) and sid:
            return sid
    return None


def prompt_tokens(usage: Mapping[str, Any]) -> int:
    """The whole prompt the upstream saw: Anthropic reports cached parts separately from `input_tokens`."""
    total = 0
    for key in ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"):
        value = usage.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            total += value
    return total


class SessionUsage:
    """LRU of the last upstream usage per session id (what the long-context rule reads)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._data: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def record(self, session_id: str | None, usage: Mapping[str, Any] | None) -> None:
        if not session_id or not usage:
            return
        # A stream's final usage may carry only output tokens: keep the last known input figures.
        merged = dict(self._data.get(session_id, {}))
        merged.update({k: v for k, v in usage.items() if v is not None})
        self._data[session_id] = merged
        self._data.move_to_end(session_id)
        while len(self._data) > self.capacity:
            self._data.popitem(last=False)

    def get(self, session_id: str | None) -> dict[str, Any] | None:
        if not session_id:
            return None
        found = self._data.get(session_id)
        if found is not None:
            self._data.move_to_end(session_id)
        return found

    def last_prompt_tokens(self, session_id: str | None) -> int:
        usage = self.get(session_id)
        return prompt_tokens(usage) if usage else 0

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._data
