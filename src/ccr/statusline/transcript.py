"""What the transcript says about the answering model: read incrementally, remembered between calls.

Claude Code appends one JSON line per event to the session transcript; an assistant message is
written as one line per content block, all with the same `message.id` and usage. The scan state
below is a plain dict (it is saved in the status line cache) and advances from the last offset,
so a long session costs only the new lines on each call.
"""

from __future__ import annotations

import json
import os
import re

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the status line ~5 ms
if TYPE_CHECKING:
    from datetime import datetime
    from typing import Any

_TIMESTAMP = re.compile(rb'"timestamp"\s*:\s*"([^"]+)"')
USAGE_KEYS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
MAX_READ = 64 * 1024 * 1024
"""A first scan reads at most the last 64 MiB of a huge transcript."""


def new_state() -> dict[str, Any]:
    return {
        "offset": 0,
        "last_id": None,
        "last": None,
        "totals": {},
        "prev_ts": None,
        "start_ts": None,
        "end_ts": None,
    }


def scan(path: str, state: dict[str, Any] | None) -> dict[str, Any]:
    """Advance `state` over lines appended to `path` since the last call (restart if it shrank)."""
    st = state if state and isinstance(state.get("offset"), int) else new_state()
    try:
        size = os.path.getsize(path)
    except OSError:
        return st
    if size < st["offset"]:
        st = new_state()
    if size == st["offset"]:
        return st
    start = max(st["offset"], size - MAX_READ)
    with open(path, "rb") as fh:
        fh.seek(start)
        data = fh.read(size - start)
    end = data.rfind(b"\n") + 1  # a line still being written is read next time
    for line in data[:end].splitlines():
        _line(st, line)
    st["offset"] = start + end
    return st


def _line(st: dict[str, Any], line: bytes) -> None:
    if b'"assistant"' not in line:
        found = _TIMESTAMP.search(line)
        if found:
            st["prev_ts"] = found.group(1).decode("ascii", "replace")
        return
    try:
        entry = json.loads(line)
    except ValueError:
        return
    message = entry.get("message") if isinstance(entry, dict) else None
    if entry.get("type") != "assistant" or not isinstance(message, dict):
        return
    model = message.get("model")
    usage = message.get("usage")
    if not isinstance(model, str) or model == "<synthetic>" or not isinstance(usage, dict):
        return
    msg_id = message.get("id") or entry.get("uuid")
    timestamp = entry.get("timestamp")
    if msg_id != st["last_id"]:
        _commit(st)
        st["last_id"] = msg_id
        st["start_ts"] = st["prev_ts"]
    st["last"] = {"model": model, **{k: int(usage.get(k) or 0) for k in USAGE_KEYS}}
    st["end_ts"] = timestamp
    st["prev_ts"] = timestamp


def _commit(st: dict[str, Any]) -> None:
    """Add the finished previous message to the per-model totals."""
    last = st.get("last")
    if not last:
        return
    totals = st["totals"].setdefault(last["model"], dict.fromkeys(USAGE_KEYS, 0))
    for key in USAGE_KEYS:
        totals[key] += last[key]


def totals_with_last(st: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Token totals per model for the whole session, including the message in progress."""
    out = {m: dict(t) for m, t in st.get("totals", {}).items()}
    last = st.get("last")
    if last:
        t = out.setdefault(last["model"], dict.fromkeys(USAGE_KEYS, 0))
        for key in USAGE_KEYS:
            t[key] += last[key]
    return out


def tokens_per_second(st: dict[str, Any]) -> float | None:
    """Output tokens of the last message over the time from the entry before it to its last line."""
    last = st.get("last")
    start, end = _parse_ts(st.get("start_ts")), _parse_ts(st.get("end_ts"))
    if not last or start is None or end is None:
        return None
    seconds = (end - start).total_seconds()
    if seconds <= 0 or not last["output_tokens"]:
        return None
    return float(last["output_tokens"]) / seconds


def _parse_ts(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    from datetime import datetime  # only when a speed is shown

    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
