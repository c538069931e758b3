"""Test helpers for Anthropic SSE streams: parse bytes into events, check the event grammar,
and assemble the final message the way the Anthropic SDK does.

    events = parse_sse_bytes(body)
    check_anthropic_stream(events)          # AssertionError naming the event and the rule
    message = assemble_message(events)      # {"content": [...], "stop_reason": ..., "usage": ...}
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import orjson

from ccr.protocol.sse import SSEParser

Event = tuple[str, dict[str, Any]]

_TOOL_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_STOP_REASONS = {"end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal"}
_DELTA_FOR_BLOCK = {
    "text": {"text_delta": "text"},
    "thinking": {"thinking_delta": "thinking", "signature_delta": "signature"},
    "tool_use": {"input_json_delta": "partial_json"},
    "server_tool_use": {"input_json_delta": "partial_json"},
}


def parse_sse_bytes(data: bytes) -> list[Event]:
    """Every event of an SSE body as (event name, parsed JSON data); `[DONE]` is skipped."""
    parser = SSEParser()
    raw = parser.feed(data) + parser.flush()
    events: list[Event] = []
    for item in raw:
        if item.data == "[DONE]":
            continue
        payload = orjson.loads(item.data)
        if not isinstance(payload, dict):
            raise AssertionError(f"SSE event {item.event!r} data is not a JSON object: {item.data[:200]!r}")
        events.append((item.event or "message", payload))
    return events


def check_anthropic_stream(events: Sequence[Event], *, check_tool_json: bool = True) -> None:
    """Assert `events` follow the Anthropic Messages streaming grammar exactly."""
    checker = _Grammar(check_tool_json)
    for position, (name, data) in enumerate(events):
        where = f"event #{position} ({name})"
        if data.get("type") != name:
            raise AssertionError(f"{where}: data.type is {data.get('type')!r}, expected {name!r}")
        checker.step(where, name, data)
    checker.end()


class _Grammar:
    def __init__(self, check_tool_json: bool) -> None:
        self.check_tool_json = check_tool_json
        self.state = "before_start"  # → in_message → after_delta → stopped | errored
        self.next_index = 0
        self.open: dict[str, Any] | None = None
        self.open_index = -1
        self.deltas: list[dict[str, Any]] = []

    def step(self, where: str, name: str, data: dict[str, Any]) -> None:
        if self.state in ("stopped", "errored"):
            raise AssertionError(f"{where}: nothing may follow {self.state.replace('ped', '')}")
        if name == "ping":
            return
        if name == "error":
            _expect(isinstance(data.get("error"), dict), where, "error events carry an `error` object")
            _expect(isinstance(data["error"].get("type"), str), where, "error.type must be a string")
            _expect(isinstance(data["error"].get("message"), str), where, "error.message must be a string")
            self.state = "errored"
            return
        if self.state == "before_start" and name != "message_start":
            raise AssertionError(f"{where}: message_start must come first")
        handler = getattr(self, "_on_" + name, None)
        if handler is None:
            raise AssertionError(f"{where}: unknown event type {name!r}")
        handler(where, data)

    def end(self) -> None:
        if self.state not in ("stopped", "errored"):
            raise AssertionError(f"stream ended in state {self.state} without message_stop or error")

    def _on_message_start(self, where: str, data: dict[str, Any]) -> None:
        _expect(self.state == "before_start", where, "message_start must come first, once")
        message = data.get("message")
        _expect(isinstance(message, dict), where, "message_start needs a `message` object")
        assert isinstance(message, dict)
        _expect(message.get("type") == "message", where, "message.type must be 'message'")
        _expect(message.get("role") == "assistant", where, "message.role must be 'assistant'")
        _expect(message.get("content") == [], where, "message.content must start empty")
        _expect(isinstance(message.get("id"), str) and message["id"], where, "message.id must be set")
        _expect(isinstance(message.get("model"), str), where, "message.model must be a string")
        _expect(isinstance(message.get("usage"), dict), where, "message.usage must be an object")
        self.state = "in_message"

    def _on_content_block_start(self, where: str, data: dict[str, Any]) -> None:
        _expect(
            self.state == "in_message", where, "content blocks only between message_start and message_delta"
        )
        _expect(self.open is None, where, f"block {self.open_index} is still open")
        _expect(data.get("index") == self.next_index, where, f"index must be {self.next_index}")
        block = data.get("content_block")
        _expect(isinstance(block, dict), where, "content_block must be an object")
        assert isinstance(block, dict)
        kind = block.get("type")
        if kind == "text":
            _expect(block.get("text") == "", where, "a text block starts with text ''")
        elif kind == "thinking":
            _expect(block.get("thinking") == "", where, "a thinking block starts with thinking ''")
        elif kind in ("tool_use", "server_tool_use"):
            _expect(
                isinstance(block.get("id"), str) and bool(_TOOL_ID.match(block["id"])), where, "bad tool id"
            )
            _expect(
                isinstance(block.get("name"), str) and block["name"], where, "tool name must be non-empty"
            )
            _expect(block.get("input") == {}, where, "a tool_use block starts with input {}")
        elif kind not in ("redacted_thinking", "web_search_tool_result"):
            raise AssertionError(f"{where}: unknown content block type {kind!r}")
        self.open, self.open_index, self.deltas = block, self.next_index, []
        self.next_index += 1

    def _on_content_block_delta(self, where: str, data: dict[str, Any]) -> None:
        _expect(self.open is not None, where, "delta without an open block")
        assert self.open is not None
        _expect(data.get("index") == self.open_index, where, f"index must be {self.open_index}")
        delta = data.get("delta")
        _expect(isinstance(delta, dict), where, "delta must be an object")
        assert isinstance(delta, dict)
        allowed = _DELTA_FOR_BLOCK.get(self.open["type"], {})
        field = allowed.get(delta.get("type", ""))
        _expect(
            field is not None, where, f"{delta.get('type')!r} is not allowed in a {self.open['type']} block"
        )
        assert field is not None
        _expect(isinstance(delta.get(field), str), where, f"{delta.get('type')}.{field} must be a string")
        if self.deltas and self.deltas[-1].get("type") == "signature_delta":
            raise AssertionError(f"{where}: signature_delta must be the thinking block's last delta")
        self.deltas.append(delta)

    def _on_content_block_stop(self, where: str, data: dict[str, Any]) -> None:
        _expect(self.open is not None, where, "content_block_stop without an open block")
        assert self.open is not None
        _expect(data.get("index") == self.open_index, where, f"index must be {self.open_index}")
        kind = self.open["type"]
        if kind == "thinking":
            signed = bool(self.deltas) and self.deltas[-1].get("type") == "signature_delta"
            _expect(signed, where, "a thinking block needs a signature_delta before its stop")
            _expect(bool(self.deltas[-1]["signature"]), where, "the thinking signature is empty")
        if kind == "tool_use" and self.check_tool_json:
            raw = "".join(d["partial_json"] for d in self.deltas)
            _expect(_is_object(raw), where, f"tool input is not a JSON object: {raw[:200]!r}")
        self.open = None

    def _on_message_delta(self, where: str, data: dict[str, Any]) -> None:
        _expect(self.state == "in_message", where, "message_delta must come once, after the blocks")
        _expect(self.open is None, where, f"block {self.open_index} is still open")
        delta = data.get("delta")
        _expect(isinstance(delta, dict), where, "message_delta needs a `delta` object")
        assert isinstance(delta, dict)
        _expect(
            delta.get("stop_reason") in _STOP_REASONS, where, f"bad stop_reason {delta.get('stop_reason')!r}"
        )
        if delta["stop_reason"] == "stop_sequence":
            _expect(
                isinstance(delta.get("stop_sequence"), str), where, "stop_sequence must name the sequence"
            )
        usage = data.get("usage")
        _expect(isinstance(usage, dict), where, "message_delta needs `usage`")
        assert isinstance(usage, dict)
        _expect(_is_count(usage.get("output_tokens")), where, "usage.output_tokens must be an int ≥ 0")
        self.state = "after_delta"

    def _on_message_stop(self, where: str, data: dict[str, Any]) -> None:
        _expect(self.state == "after_delta", where, "message_stop must follow message_delta")
        self.state = "stopped"


def _expect(condition: object, where: str, rule: str) -> None:
    if not condition:
        raise AssertionError(f"{where}: {rule}")


def _is_object(raw: str) -> bool:
    if raw == "":
        return True  # a tool without arguments: clients read it as {}
    try:
        return isinstance(orjson.loads(raw), dict)
    except orjson.JSONDecodeError:
        return False


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def assemble_message(events: Sequence[Event]) -> dict[str, Any]:
    """The message a client ends up with: content blocks with their text, thinking and input."""
    message: dict[str, Any] = {"content": [], "stop_reason": None, "stop_sequence": None, "usage": {}}
    partial: dict[int, list[str]] = {}
    for name, data in events:
        if name == "message_start":
            message.update({k: v for k, v in data["message"].items() if k != "content"})
        elif name == "content_block_start":
            message["content"].append(dict(data["content_block"]))
            partial[data["index"]] = []
        elif name == "content_block_delta":
            _apply_delta(message["content"][data["index"]], data["delta"], partial[data["index"]])
        elif name == "content_block_stop":
            block = message["content"][data["index"]]
            if block["type"] == "tool_use":
                raw = "".join(partial[data["index"]])
                block["input"] = orjson.loads(raw) if raw else {}
        elif name == "message_delta":
            message.update(data["delta"])
            message["usage"] = {**message.get("usage", {}), **data["usage"]}
    return message


def _apply_delta(block: dict[str, Any], delta: dict[str, Any], partial: list[str]) -> None:
    kind = delta["type"]
    if kind == "text_delta":
        block["text"] += delta["text"]
    elif kind == "thinking_delta":
        block["thinking"] += delta["thinking"]
    elif kind == "signature_delta":
        block["signature"] = delta["signature"]
    elif kind == "input_json_delta":
        partial.append(delta["partial_json"])
