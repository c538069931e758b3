"""Drive an AnthropicStreamWriter with chunks and read back what a client would see."""

from __future__ import annotations

from typing import Any

from ccr.protocol.stream_writer import AnthropicStreamWriter
from ccr.testing_sse import Event, assemble_message, check_anthropic_stream, parse_sse_bytes


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    choice: dict[str, Any] = {
        "index": 0,
        "delta": delta if delta is not None else {},
        "finish_reason": finish,
    }
    choice.update(extra.pop("choice", {}))
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [choice], **extra}


def text(value: str) -> dict[str, Any]:
    return chunk({"content": value})


def reasoning(value: str, key: str = "reasoning_content") -> dict[str, Any]:
    return chunk({key: value})


def tool(
    index: int | None, args: str | None = None, *, id: str | None = None, name: str | None = None
) -> dict[str, Any]:
    call: dict[str, Any] = {"function": {}}
    if index is not None:
        call["index"] = index
    if id is not None:
        call["id"] = id
        call["type"] = "function"
    if name is not None:
        call["function"]["name"] = name
    if args is not None:
        call["function"]["arguments"] = args
    return chunk({"tool_calls": [call]})


def usage_chunk(prompt: int, completion: int, cached: int = 0) -> dict[str, Any]:
    return {
        "choices": [],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached},
        },
    }


def run(chunks: list[dict[str, Any]], **kwargs: Any) -> tuple[list[Event], AnthropicStreamWriter]:
    writer = AnthropicStreamWriter("claude-test", **kwargs)
    data = b"".join(writer.feed(c) for c in chunks) + writer.finish()
    events = parse_sse_bytes(data)
    check_anthropic_stream(events)
    return events, writer


def trace(events: list[Event]) -> list[str]:
    """A compact, readable form of an event sequence for table-driven expectations."""
    out: list[str] = []
    for name, data in events:
        if name == "content_block_start":
            block = data["content_block"]
            label = f"{block['type']} {block['name']}" if block["type"] == "tool_use" else block["type"]
            out.append(f"start {data['index']} {label}")
        elif name == "content_block_delta":
            delta = data["delta"]
            kind = delta["type"]
            if kind == "signature_delta":
                out.append(f"sig {data['index']}")
                continue
            value = delta.get("text", delta.get("thinking", delta.get("partial_json")))
            out.append(f"{kind.removesuffix('_delta')} {data['index']} {value}")
        elif name == "content_block_stop":
            out.append(f"stop {data['index']}")
        elif name == "message_delta":
            out.append(f"end {data['delta']['stop_reason']}")
        elif name not in ("message_start", "message_stop"):
            out.append(name)
    return out


def message(events: list[Event]) -> dict[str, Any]:
    return assemble_message(events)
