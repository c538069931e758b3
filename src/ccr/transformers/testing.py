"""Helpers to test a transformer (built-in or plugin) in a few lines, without a server.

    from ccr.transformers.testing import chunks, load_plugin, run_request, run_stream, stream_text

    def test_shouts():
        t = load_plugin("plugins/shout.py", {"suffix": "!"})
        assert run_request(t, {"messages": [{"role": "user", "content": "hi"}]})["messages"][0]["content"] == "HI!"
        assert stream_text(run_stream(t, chunks("a", "b"))) == "AB"

Everything runs the hooks exactly as the router does: request hooks with a `RequestContext`,
stream hooks chunk by chunk with `stream_end` at the end, one shared `ctx.state` per request.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from ccr.config.schema import Provider
from ccr.transformers.base import RequestContext, Transformer, overrides
from ccr.types import UnifiedChunk, UnifiedRequest, UnifiedResponse

__all__ = [
    "chunks",
    "completion",
    "load_plugin",
    "make_ctx",
    "run_request",
    "run_response",
    "run_stream",
    "stream_reasoning",
    "stream_text",
    "stream_tool_calls",
]


def make_ctx(
    model: str = "test-model",
    *,
    stream: bool = False,
    provider: str = "test",
    api_base_url: str = "http://127.0.0.1:9/v1/chat/completions",
    api_key: str | None = "sk-test",
    anthropic_body: dict[str, Any] | None = None,
    client_headers: Mapping[str, str] | None = None,
) -> RequestContext:
    """A request context as the router builds it, for a provider that does not exist."""
    prov = Provider(name=provider, api_base_url=api_base_url, api_key=api_key, models=(model,))
    return RequestContext(
        provider=prov,
        model=model,
        stream=stream,
        api_key=api_key,
        anthropic_body=anthropic_body,
        client_headers=dict(client_headers or {}),
        requested_model=model,
    )


def run_request(t: Transformer, body: UnifiedRequest, ctx: RequestContext | None = None) -> UnifiedRequest:
    return t.request(body, ctx or make_ctx())


def run_response(t: Transformer, body: UnifiedResponse, ctx: RequestContext | None = None) -> UnifiedResponse:
    return t.response(body, ctx or make_ctx())


def run_stream(t: Transformer, items: Iterable[UnifiedChunk], ctx: RequestContext | None = None) -> list[UnifiedChunk]:
    """Every chunk through `stream_chunk`, then `stream_end`, as the pipeline does."""
    ctx = ctx or make_ctx(stream=True)
    out: list[UnifiedChunk] = []
    for item in items:
        out.extend(t.stream_chunk(item, ctx) if overrides(t, "stream_chunk") else [item])
    out.extend(t.stream_end(ctx))
    return out


def chunks(*texts: str, finish: str | None = "stop", usage: dict[str, Any] | None = None) -> list[UnifiedChunk]:
    """An OpenAI-style stream: one content chunk per text, then a finish chunk (with usage)."""
    out = [_chunk({"content": text}) for text in texts]
    if finish is not None or usage is not None:
        last = _chunk({}, finish)
        if usage is not None:
            last["usage"] = usage
        out.append(last)
    return out


def completion(content: str | None = "", **message: Any) -> UnifiedResponse:
    """A non-streamed unified answer; `message` adds fields such as tool_calls or reasoning_content."""
    finish = message.pop("finish_reason", "tool_calls" if message.get("tool_calls") else "stop")
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": "test-model",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content, **message}, "finish_reason": finish}
        ],
    }


def _chunk(delta: dict[str, Any], finish: str | None = None) -> UnifiedChunk:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "model": "test-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _deltas(items: Iterable[UnifiedChunk]) -> Iterable[dict[str, Any]]:
    for item in items:
        for choice in item.get("choices") or ():
            if isinstance(choice.get("delta"), dict):
                yield choice["delta"]


def stream_text(items: Iterable[UnifiedChunk]) -> str:
    return "".join(d["content"] for d in _deltas(items) if isinstance(d.get("content"), str))


def stream_reasoning(items: Iterable[UnifiedChunk]) -> str:
    return "".join(d["reasoning_content"] for d in _deltas(items) if isinstance(d.get("reasoning_content"), str))


def stream_tool_calls(items: Iterable[UnifiedChunk]) -> dict[int, dict[str, str]]:
    """Tool calls assembled by index: {index: {"id", "name", "arguments"}}."""
    calls: dict[int, dict[str, str]] = {}
    for delta in _deltas(items):
        for call in delta.get("tool_calls") or ():
            slot = calls.setdefault(call.get("index", 0), {"id": "", "name": "", "arguments": ""})
            function = call.get("function") or {}
            slot["id"] = slot["id"] or call.get("id") or ""
            slot["name"] = slot["name"] or function.get("name") or ""
            slot["arguments"] += function.get("arguments") or ""
    return calls


def load_plugin(
    path: str | os.PathLike[str], options: Mapping[str, Any] | None = None, name: str | None = None
) -> Transformer:
    """Import a plugin file as the router would and build its transformer with `options`."""
    from ccr.plugins import load_plugin_file

    classes = load_plugin_file(path)
    if name is not None:
        classes = [c for c in classes if c.name.lower() == name.lower()]
    if len(classes) != 1:
        found = ", ".join(c.name for c in classes) or "none"
        raise ValueError(f"{path}: expected one transformer{f' named {name}' if name else ''}, found {found}")
    return classes[0](options)
