"""Builders for Anthropic Messages stream events, so `MockUpstream` can also play an
Anthropic-compatible provider (passthrough tests) or stand in for Anthropic when recording what
Claude Code sends. Events are returned encoded (`event: …\\ndata: …\\n\\n`) for `MockResponse.sse`
with `done=False` (Anthropic streams have no `[DONE]`)."""

from __future__ import annotations

from typing import Any

import orjson


def anthropic_event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {orjson.dumps({'type': name, **data}).decode()}\n\n"


def _message_start(model: str, input_tokens: int) -> str:
    message: dict[str, Any] = {
        "id": "msg_mock", "type": "message", "role": "assistant", "model": model, "content": [],
        "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": 1},
    }  # fmt: skip
    return anthropic_event("message_start", {"message": message})


def _block(index: int, block: dict[str, Any], deltas: list[dict[str, Any]]) -> list[str]:
    out = [anthropic_event("content_block_start", {"index": index, "content_block": block})]
    out += [anthropic_event("content_block_delta", {"index": index, "delta": d}) for d in deltas]
    out.append(anthropic_event("content_block_stop", {"index": index}))
    return out


def _tail(stop_reason: str, output_tokens: int) -> list[str]:
    delta = {
        "delta": {"stop_reason": stop_reason, "stop_sequence": None},
        "usage": {"output_tokens": output_tokens},
    }
    return [anthropic_event("message_delta", delta), anthropic_event("message_stop", {})]


def anthropic_text_events(
    text: str, *, model: str = "mock-model", input_tokens: int = 10, output_tokens: int = 5
) -> list[str]:
    """A streamed text answer, `end_turn`."""
    deltas = [{"type": "text_delta", "text": text}]
    body = _block(0, {"type": "text", "text": ""}, deltas)
    return [_message_start(model, input_tokens), *body, *_tail("end_turn", output_tokens)]


def anthropic_tool_use_events(
    tool_id: str, name: str, tool_input: dict[str, Any], *, model: str = "mock-model", input_tokens: int = 10
) -> list[str]:
    """A streamed single tool call, `tool_use`; the input arrives as one `input_json_delta`."""
    deltas = [{"type": "input_json_delta", "partial_json": orjson.dumps(tool_input).decode()}]
    body = _block(0, {"type": "tool_use", "id": tool_id, "name": name, "input": {}}, deltas)
    return [_message_start(model, input_tokens), *body, *_tail("tool_use", 5)]
