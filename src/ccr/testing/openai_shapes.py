"""Builders for OpenAI Chat Completions wire shapes, as OpenAI-compatible providers send them.

Chunk lists follow what real providers emit: a first chunk carrying the role, content (or
reasoning, or tool-call argument) fragments, a chunk with `finish_reason`, then a separate
usage chunk with empty `choices` (the `stream_options.include_usage` form).
"""

from __future__ import annotations

from typing import Any

Usage = tuple[int, int, int]
"""(prompt_tokens, completion_tokens, cached_tokens)"""

ToolCall = tuple[str, str, str]
"""(id, function name, arguments as a JSON string)"""

_CREATED = 1_700_000_000


def usage_dict(usage: Usage) -> dict[str, Any]:
    prompt, completion, cached = usage
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached},
    }


def openai_completion(
    text: str = "",
    tool_calls: list[ToolCall] | None = None,
    finish_reason: str | None = None,
    usage: Usage | None = (10, 5, 0),
    model: str = "mock-model",
    reasoning: str | None = None,
) -> dict[str, Any]:
    """A non-streamed `chat.completion`; `finish_reason` defaults from the content."""
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if reasoning is not None:
        message["reasoning_content"] = reasoning
    if tool_calls:
        message["tool_calls"] = [
            {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}
            for cid, name, args in tool_calls
        ]
    if finish_reason is None:
        finish_reason = "tool_calls" if tool_calls else "stop"
    body: dict[str, Any] = {
        "id": "chatcmpl-mock",
        "object": "chat.completion",
        "created": _CREATED,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
    }
    if usage is not None:
        body["usage"] = usage_dict(usage)
    return body


def chunk(delta: dict[str, Any], finish_reason: str | None = None, model: str = "mock-model") -> dict[str, Any]:
    """One `chat.completion.chunk` with a single choice."""
    return {
        "id": "chatcmpl-mock",
        "object": "chat.completion.chunk",
        "created": _CREATED,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def usage_chunk(usage: Usage, model: str = "mock-model") -> dict[str, Any]:
    return {
        "id": "chatcmpl-mock",
        "object": "chat.completion.chunk",
        "created": _CREATED,
        "model": model,
        "choices": [],
        "usage": usage_dict(usage),
    }


def split_text(text: str, pieces: int) -> list[str]:
    """`text` cut into `pieces` nearly equal, non-empty parts (fewer if the text is short)."""
    if not text:
        return []
    pieces = max(1, min(pieces, len(text)))
    size, extra = divmod(len(text), pieces)
    out: list[str] = []
    start = 0
    for i in range(pieces):
        end = start + size + (1 if i < extra else 0)
        out.append(text[start:end])
        start = end
    return out


def _tail(finish_reason: str, usage: Usage | None) -> list[dict[str, Any]]:
    tail = [chunk({}, finish_reason)]
    if usage is not None:
        tail.append(usage_chunk(usage))
    return tail


def openai_text_chunks(
    text: str,
    *,
    pieces: int | list[str] = 3,
    usage: Usage | None = (10, 5, 0),
    finish_reason: str = "stop",
    reasoning: str | None = None,
) -> list[dict[str, Any]]:
    """A streamed text answer; `pieces` is a count or the exact content fragments."""
    parts = split_text(text, pieces) if isinstance(pieces, int) else list(pieces)
    out = [chunk({"role": "assistant", "content": ""})]
    if reasoning:
        out += [chunk({"reasoning_content": p}) for p in split_text(reasoning, 2)]
    out += [chunk({"content": p}) for p in parts]
    return out + _tail(finish_reason, usage)


def openai_tool_call_chunks(
    calls: list[ToolCall],
    *,
    fragment_size: int = 8,
    interleave: bool = False,
    usage: Usage | None = (10, 5, 0),
    text: str = "",
) -> list[dict[str, Any]]:
    """Streamed tool calls: per call a header chunk (id, name) then argument fragments.

    `interleave=True` sends the fragments of parallel calls round-robin by index, as some
    providers do; otherwise each call is complete before the next starts.
    """
    out = [chunk({"role": "assistant", "content": ""})]
    if text:
        out.append(chunk({"content": text}))
    streams: list[list[dict[str, Any]]] = []
    for index, (cid, name, args) in enumerate(calls):
        head = {"index": index, "id": cid, "type": "function", "function": {"name": name, "arguments": ""}}
        frags = [args[i : i + fragment_size] for i in range(0, len(args), max(1, fragment_size))]
        stream = [chunk({"tool_calls": [head]})]
        stream += [chunk({"tool_calls": [{"index": index, "function": {"arguments": f}}]}) for f in frags]
        streams.append(stream)
    if interleave:
        longest = max((len(s) for s in streams), default=0)
        out += [s[i] for i in range(longest) for s in streams if i < len(s)]
    else:
        out += [c for s in streams for c in s]
    return out + _tail("tool_calls", usage)
