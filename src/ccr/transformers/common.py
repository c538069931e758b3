"""Small pieces several built-in transformers share: chunk builders, content walkers, the
client's thinking request, and body scrubbers. Pure functions, no I/O."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ccr.transformers.base import RequestContext
from ccr.types import UnifiedChunk, UnifiedRequest

Part = dict[str, Any]


def new_call_id() -> str:
    """A tool-call id Claude Code accepts unchanged (letters, digits, `_`)."""
    return "toolu_" + os.urandom(12).hex()


def make_chunk(
    chunk_id: str,
    model: str,
    delta: dict[str, Any] | None = None,
    finish_reason: str | None = None,
    usage: dict[str, Any] | None = None,
) -> UnifiedChunk:
    chunk: UnifiedChunk = {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish_reason}],
    }
    if usage is not None:
        chunk["usage"] = usage
    return chunk


def obj(value: object) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one (for reading optional nested fields)."""
    return value if isinstance(value, dict) else {}


def first_delta(chunk: Mapping[str, Any]) -> dict[str, Any] | None:
    choices = chunk.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        delta = choices[0].get("delta")
        return delta if isinstance(delta, dict) else None
    return None


def first_choice(body: Mapping[str, Any]) -> dict[str, Any] | None:
    choices = body.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        return choices[0]
    return None


def parts_of(content: object) -> list[Part]:
    """Unified message content as a list of parts (a string is one text part)."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    if isinstance(content, list):
        return [p for p in content if isinstance(p, dict)]
    return []


def text_of(content: object) -> str:
    if isinstance(content, str):
        return content
    return "".join(p["text"] for p in parts_of(content) if isinstance(p.get("text"), str))


def split_data_url(url: str) -> tuple[str, str] | None:
    """`data:<mime>;base64,<data>` → (mime, data); None for anything else."""
    if not url.startswith("data:"):
        return None
    head, sep, data = url.partition(",")
    if not sep:
        return None
    mime = head[5:].split(";", 1)[0] or "application/octet-stream"
    return mime, data


def messages_of(body: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    messages = body.get("messages")
    if isinstance(messages, list):
        yield from (m for m in messages if isinstance(m, dict))


def strip_cache_control(body: UnifiedRequest) -> None:
    """`cache_control` is Anthropic's; most OpenAI-compatible servers reject it."""
    for msg in messages_of(body):
        msg.pop("cache_control", None)
        for part in parts_of(msg.get("content")) if isinstance(msg.get("content"), list) else ():
            part.pop("cache_control", None)
    for tool in body.get("tools") or ():
        if isinstance(tool, dict):
            tool.pop("cache_control", None)


def strip_replayed_reasoning(body: UnifiedRequest, keep_current_turn: bool = False) -> None:
    """Drop `reasoning_content`/`reasoning_signature` from assistant history.

    With `keep_current_turn`, the assistant messages after the last user message (the tool loop
    in progress) keep their reasoning: DeepSeek's thinking mode wants it back within a turn.
    """
    messages = [m for m in messages_of(body)]
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
    for i, msg in enumerate(messages):
        if msg.get("role") != "assistant":
            continue
        msg.pop("reasoning_signature", None)
        if not (keep_current_turn and i > last_user):
            msg.pop("reasoning_content", None)


@dataclass(frozen=True, slots=True)
class Thinking:
    """What the client asked for: `enabled` False means "do not think" (or nothing was asked)."""

    enabled: bool
    budget: int | None = None
    effort: str | None = None
    """low | medium | high, when the client said so (budget or `output_config.effort`)."""
    display: bool = True
    """False when the client asked Anthropic to omit thinking text (Claude Code 2.x does)."""
    adaptive: bool = False

    def openai_effort(self) -> str:
        """OpenAI's `reasoning_effort` for this wish (gpt-oss, o-series, GPT-5): the client's effort,
        medium when it named none; low when it asked not to think (these models cannot stop)."""
        return (self.effort or "medium") if self.enabled else "low"


_EFFORTS = {
    "minimal": "low",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "max": "high",
    "xhigh": "high",
}


def effort_for_budget(budget: int) -> str:
    return "low" if budget <= 1024 else "medium" if budget <= 8192 else "high"


def thinking_request(body: Mapping[str, Any], ctx: RequestContext) -> Thinking:
    """The client's thinking wish: from its Anthropic body when there is one (it is what the client
    said), else from the unified body (`reasoning`, `reasoning_effort`)."""
    src = ctx.anthropic_body
    if src is None:
        return _unified_thinking(body)
    thinking = src.get("thinking")
    effort = _effort(src.get("output_config"))
    if not isinstance(thinking, dict):
        return Thinking(False)
    kind = thinking.get("type")
    display = thinking.get("display") != "omitted"
    if kind == "enabled":
        budget = thinking.get("budget_tokens")
        budget = budget if isinstance(budget, int) and not isinstance(budget, bool) else None
        if effort is None and budget is not None:
            effort = effort_for_budget(budget)
        return Thinking(True, budget, effort, display)
    if kind == "adaptive":
        return Thinking(True, None, effort, display, adaptive=True)
    return Thinking(False, display=display)


def _unified_thinking(body: Mapping[str, Any]) -> Thinking:
    effort = _effort_of(body)
    if effort == "none":
        return Thinking(False)
    reasoning = body.get("reasoning")
    if isinstance(reasoning, dict) and reasoning.get("enabled") is not False:
        budget = reasoning.get("max_tokens")
        budget = budget if isinstance(budget, int) and not isinstance(budget, bool) else None
        return Thinking(True, budget, effort or (effort_for_budget(budget) if budget else None))
    return Thinking(True, None, effort) if effort else Thinking(False)


def _effort(output_config: object) -> str | None:
    if isinstance(output_config, dict):
        value = output_config.get("effort")
        if isinstance(value, str):
            return _EFFORTS.get(value.lower())
    return None


def _effort_of(body: Mapping[str, Any]) -> str | None:
    reasoning = body.get("reasoning")
    value = reasoning.get("effort") if isinstance(reasoning, dict) else body.get("reasoning_effort")
    if isinstance(value, str):
        return "none" if value == "none" else _EFFORTS.get(value.lower())
    return None


def deep_merge(base: dict[str, Any], extra: Mapping[str, Any], *, override: bool) -> None:
    """Merge `extra` into `base` in place; nested objects merge key by key.

    `override` decides who wins on a leaf both sides set: the option (True) or the request.
    Option values are copied so a request can never mutate the shared options.
    """
    for key, value in extra.items():
        current = base.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            deep_merge(current, value, override=override)
        elif key not in base or override:
            base[key] = copy_json(value)


def copy_json(value: Any) -> Any:
    """A copy of JSON-shaped data (dicts and lists copied, leaves shared)."""
    if isinstance(value, Mapping):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


def positive_int(options: Mapping[str, Any], key: str, name: str) -> int | None:
    """An optional positive whole-number option; a clear error otherwise."""
    value = options.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name}: option '{key}' must be a positive whole number, got {value!r}")
    return value


def opt_str(options: Mapping[str, Any], key: str) -> str | None:
    """An optional string option ("" counts as absent); a clear error for anything else."""
    value = options.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"option '{key}' must be a string")
    return value or None


def turn_signatures(
    anthropic_body: Mapping[str, Any] | None, unified_messages: list[dict[str, Any]]
) -> list[list[str]]:
    """Every thinking-block signature of each assistant turn, aligned with the unified assistant
    messages (the converter keeps only the first signature of a turn; endpoints that hide their
    state in signatures need all of them). Falls back to `reasoning_signature` when the client's
    turns do not line up one to one with the unified ones."""
    assistants = [m for m in unified_messages if m.get("role") == "assistant"]
    turns: list[list[str]] = []
    messages = anthropic_body.get("messages") if anthropic_body else None
    for msg in messages if isinstance(messages, list) else ():
        if isinstance(msg, dict) and msg.get("role") == "assistant":
            content = msg.get("content")
            blocks = content if isinstance(content, list) else ()
            turns.append(
                [
                    b["signature"]
                    for b in blocks
                    if isinstance(b, dict) and b.get("type") == "thinking" and isinstance(b.get("signature"), str)
                ]
            )
    if len(turns) != len(assistants):
        turns = [
            [m["reasoning_signature"]] if isinstance(m.get("reasoning_signature"), str) else [] for m in assistants
        ]
    return turns
