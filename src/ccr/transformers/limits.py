"""Model limits: documented output caps, and the `limits` transformer for what a model can take.

`known_output_limit(model)` is the largest `max_tokens` a model's provider documents; requests
above it are capped rather than failed (Claude Code asks for up to 128000). The table holds only
limits the providers publish; unknown models are left alone.

`limits` (options `max_tokens`, `vision`, `tools`, `reasoning`) declares a model's own limits in
config. A capability set to false is removed from the request in a way the model can still follow:
images become a short text note, tool history becomes text, reasoning fields are dropped.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, ClassVar

from ccr.transformers.base import RequestContext, Transformer
from ccr.transformers.common import messages_of, parts_of, positive_int, strip_replayed_reasoning, text_of
from ccr.transformers.maxtoken import cap_max_tokens
from ccr.transformers.registry import builtin
from ccr.types import AnthropicRequest, UnifiedRequest

# (prefix of the model id, documented maximum output tokens); the first match wins.
OUTPUT_LIMITS: tuple[tuple[str, int], ...] = (
    ("deepseek-chat", 8192),
    ("deepseek-reasoner", 65536),
    ("gpt-4o", 16384),
    ("chatgpt-4o", 16384),
    ("gpt-4.1", 32768),
    ("gpt-5", 128000),
    ("o1", 100000),
    ("o3", 100000),
    ("o4-mini", 100000),
    ("gemini-1.5", 8192),
    ("gemini-2.0", 8192),
    ("gemini-2.5", 65536),
    ("gemini-3", 65536),
    ("claude-3-5", 8192),
    ("claude-3-haiku", 4096),
    ("claude-3-opus", 4096),
    ("claude-3-7-sonnet", 64000),
    ("claude-opus-4-0", 32000),
    ("claude-opus-4-1", 32000),
    ("claude-opus-4-2", 32000),
    ("claude-opus-4", 64000),
    ("claude-sonnet-4", 64000),
    ("claude-haiku-4", 64000),
)


@functools.lru_cache(maxsize=512)  # called on every request: remember each model's answer
def known_output_limit(model: str) -> int | None:
    """The documented output cap of `model` (provider prefixes like `openai/` ignored)."""
    name = model.lower().rsplit("/", 1)[-1]
    for prefix, limit in OUTPUT_LIMITS:
        if name.startswith(prefix):
            return limit
    return None


def cap_to_known_limit(body: dict[str, Any], model: str) -> None:
    limit = known_output_limit(model)
    if limit is not None:
        cap_max_tokens(body, limit)


@builtin
class Limits(Transformer):
    name = "limits"
    description = "Declares a model's limits: max_tokens cap, and whether it takes images, tools, reasoning"
    options_doc: ClassVar[dict[str, str]] = {
        "max_tokens": "output cap (default: the provider's documented limit, when known)",
        "vision": "false: images are replaced by a short text note",
        "tools": "false: tools are not offered; earlier tool calls and results are sent as text",
        "reasoning": "false: no thinking/reasoning parameters, no replayed reasoning",
    }

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self.cap = positive_int(self.options, "max_tokens", "limits")
        self.flags: dict[str, bool] = {}
        for key in ("vision", "tools", "reasoning"):
            value = self.options.get(key, True)
            if not isinstance(value, bool):
                raise ValueError(f"limits: option '{key}' must be true or false, got {value!r}")
            self.flags[key] = value

    def request(self, body: UnifiedRequest, ctx: RequestContext) -> UnifiedRequest:
        if self.cap is not None:
            cap_max_tokens(body, self.cap)
        else:
            cap_to_known_limit(body, ctx.model)
        if not self.flags["vision"]:
            images_to_text(body, ctx.model)
        if not self.flags["tools"]:
            _tools_to_text(body)
        if not self.flags["reasoning"]:
            for key in ("reasoning", "reasoning_effort", "enable_thinking", "thinking"):
                body.pop(key, None)
            strip_replayed_reasoning(body)
        return body

    def anthropic(self, body: AnthropicRequest, ctx: RequestContext) -> AnthropicRequest:
        out = dict(body)
        cap = self.cap or known_output_limit(ctx.model)
        if cap is not None:
            cap_max_tokens(out, cap)
        if not self.flags["tools"]:
            out.pop("tools", None)
            out.pop("tool_choice", None)
        if not self.flags["reasoning"]:
            out.pop("thinking", None)
        if not self.flags["vision"] and isinstance(out.get("messages"), list):
            out["messages"] = [_anthropic_without_images(m, ctx.model) for m in out["messages"]]
        return out


def _note(model: str) -> str:
    return f"[image omitted: {model} does not accept images]"


def images_to_text(body: UnifiedRequest, model: str) -> None:
    for msg in messages_of(body):
        content = msg.get("content")
        if isinstance(content, list):
            msg["content"] = [
                {"type": "text", "text": _note(model)} if p.get("type") == "image_url" else p for p in parts_of(content)
            ]


def _anthropic_without_images(msg: Any, model: str) -> Any:
    if not isinstance(msg, dict) or not isinstance(msg.get("content"), list):
        return msg
    blocks = [
        {"type": "text", "text": _note(model)} if isinstance(b, dict) and b.get("type") == "image" else b
        for b in msg["content"]
    ]
    return {**msg, "content": blocks}


def _tools_to_text(body: UnifiedRequest) -> None:
    for key in ("tools", "tool_choice", "parallel_tool_calls"):
        body.pop(key, None)
    out = []
    for msg in messages_of(body):
        if msg.get("role") == "tool":
            head = f"[result of tool call {msg.get('tool_call_id', '')}]"
            out.append({"role": "user", "content": f"{head}\n{text_of(msg.get('content'))}"})
            continue
        calls = msg.pop("tool_calls", None)
        if isinstance(calls, list) and calls:
            lines = [
                f"[called tool {c['function'].get('name')} with {c['function'].get('arguments')}]"
                for c in calls
                if isinstance(c, dict) and isinstance(c.get("function"), dict)
            ]
            text = msg.get("content") if isinstance(msg.get("content"), str) else ""
            msg["content"] = "\n".join([text, *lines]) if text else "\n".join(lines)
        out.append(msg)
    body["messages"] = out
