"""Unified (OpenAI Chat Completions) response → Anthropic message, for non-streamed answers.

Block order follows Anthropic's own: thinking, then text, then tool calls. Nothing is invented:
a block appears only when the provider sent its content.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ccr.errors import UpstreamError
from ccr.protocol.mapping import (
    ToolIds,
    anthropic_usage,
    clean_stop_sequences,
    content_parts,
    matched_stop_sequence,
    new_message_id,
    reasoning_parts,
    signature_for,
    stop_reason_for,
)
from ccr.protocol.tool_args import parse_tool_arguments
from ccr.types import AnthropicResponse, UnifiedResponse

__all__ = ["reasoning_of", "signature_for", "unified_to_anthropic", "upstream_error_from"]

Block = dict[str, Any]


def unified_to_anthropic(resp: UnifiedResponse, model: str, stop_sequences: Sequence[str] = ()) -> AnthropicResponse:
    choice = _first_choice(resp)
    message = choice.get("message")
    if not isinstance(message, dict):
        message = {}
    content: list[Block] = []
    thinking = _thinking_block(message)
    if thinking is not None:
        content.append(thinking)
    text = _text_of(message.get("content"))
    if text:
        content.append({"type": "text", "text": text})
    tools = _tool_blocks(message)
    content.extend(tools)
    stop_reason = stop_reason_for(choice.get("finish_reason"), bool(tools))
    stop_sequence = None
    if stop_reason == "end_turn" and stop_sequences:
        stop_sequence = matched_stop_sequence(choice, clean_stop_sequences(stop_sequences), text)
        if stop_sequence is not None:
            stop_reason = "stop_sequence"
    return {
        "id": _message_id(resp.get("id")),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": stop_sequence,
        "usage": anthropic_usage(resp.get("usage")),
    }


def upstream_error_from(error: object) -> UpstreamError:
    """An `error` object inside a 200 answer (or a stream chunk) → UpstreamError with its message."""
    status: int | None = None
    if isinstance(error, dict):
        message = error.get("message")
        code = error.get("code")
        if isinstance(code, int) and not isinstance(code, bool) and 400 <= code <= 599:
            status = code
        text = message if isinstance(message, str) and message else str(dict(error))[:500]
    else:
        text = str(error)[:500]
    return UpstreamError(f"upstream error: {text}", status=status)


def _first_choice(resp: UnifiedResponse) -> Mapping[str, Any]:
    if not isinstance(resp, dict):
        raise UpstreamError(f"response is not a JSON object but {type(resp).__name__}")
    if resp.get("error"):
        raise upstream_error_from(resp["error"])
    choices = resp.get("choices")
    if not isinstance(choices, list) or not choices:
        keys = ", ".join(sorted(str(k) for k in resp)) or "nothing"
        raise UpstreamError(f"response has no `choices` (it has: {keys})")
    choice = choices[0]
    if not isinstance(choice, dict):
        raise UpstreamError("response `choices[0]` is not an object")
    return choice


def _message_id(upstream_id: object) -> str:
    if isinstance(upstream_id, str) and upstream_id:
        return upstream_id if upstream_id.startswith("msg_") else "msg_" + upstream_id
    return new_message_id()


def _text_of(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # some servers answer with content parts
        return "".join(text for is_reasoning, text in content_parts(content) if not is_reasoning)
    return ""


_REASONING_FIELDS = frozenset({"reasoning_content", "reasoning", "thinking", "reasoning_details"})
"""The fields `reasoning_of` reads (besides a `content` given as parts)."""


def reasoning_of(message: Mapping[str, Any]) -> tuple[str, str | None]:
    """(reasoning text, provider signature) from any of the fields providers use for it."""
    if _REASONING_FIELDS.isdisjoint(message) and type(message.get("content")) is not list:
        return "", None  # most answers: one set operation instead of five lookups
    text, signature = reasoning_parts(
        message.get("reasoning_content") or message.get("reasoning"),
        message.get("thinking"),
        message.get("reasoning_details"),
    )
    content = message.get("content")
    if not text and isinstance(content, list):
        text = "".join(part for is_reasoning, part in content_parts(content) if is_reasoning)
    return text, signature


def _thinking_block(message: Mapping[str, Any]) -> Block | None:
    text, signature = reasoning_of(message)
    if not text and not signature:
        return None  # a provider signature alone is kept: the next turn needs it back
    return {"type": "thinking", "thinking": text, "signature": signature or signature_for(text)}


def _tool_blocks(message: Mapping[str, Any]) -> list[Block]:
    if "tool_calls" not in message and "function_call" not in message:
        return []  # most answers
    calls = message.get("tool_calls")
    if not isinstance(calls, list) or not calls:
        legacy = message.get("function_call")
        calls = [{"function": legacy}] if isinstance(legacy, dict) else []
    if not calls:
        return []
    ids = ToolIds()
    blocks: list[Block] = []
    for call in calls:
        if not isinstance(call, dict):
            continue
        function = call.get("function")
        if not isinstance(function, dict):
            function = {}
        name = function.get("name")
        blocks.append(
            {
                "type": "tool_use",
                "id": ids.take(call.get("id")),
                "name": name if isinstance(name, str) else "",
                "input": parse_tool_arguments(function.get("arguments")),
            }
        )
    return blocks
