"""Small mappings shared by the JSON and the streaming response converters.

Both directions must agree on these (a tool id we hand Claude Code comes back to us in the next
request; a stop reason must mean the same streamed or not), so they live in one place.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

_STOP_REASONS: dict[str, str] = {
    "stop": "end_turn",
    "eos": "end_turn",
    "end_turn": "end_turn",
    "length": "max_tokens",
    "max_tokens": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "tool_use": "tool_use",
    "content_filter": "refusal",
}

_TOOL_ID_OK = re.compile(r"^[A-Za-z0-9_-]+$")
_TOOL_ID_BAD_CHARS = re.compile(r"[^A-Za-z0-9_-]")


def stop_reason_for(finish_reason: object, has_tool_calls: bool) -> str:
    """OpenAI `finish_reason` → Anthropic `stop_reason`; absent or unknown → by content.

    Some servers say `stop` although the answer ends in tool calls; Anthropic clients loop on
    `tool_use`, so tool calls win over a plain stop.
    """
    mapped = _STOP_REASONS.get(finish_reason) if isinstance(finish_reason, str) else None
    if mapped is None or mapped == "end_turn":
        return "tool_use" if has_tool_calls else "end_turn"
    return mapped


def clean_stop_sequences(stop_sequences: object) -> tuple[str, ...]:
    """The client's `stop_sequences` as a tuple of non-empty strings, whatever shape it came in."""
    if isinstance(stop_sequences, str):
        return (stop_sequences,) if stop_sequences else ()
    if not isinstance(stop_sequences, (list, tuple)):
        return ()
    return tuple(s for s in stop_sequences if isinstance(s, str) and s)


def matched_stop_sequence(choice: Mapping[str, Any], stop_sequences: Sequence[str], text: str) -> str | None:
    """Which of the client's stop sequences ended the answer, if we can tell.

    vLLM reports it as `choice.stop_reason`, SGLang as `matched_stop`; servers that report nothing
    (llama.cpp, Ollama) are recognised only when the text itself ends with the sequence.
    """
    if not stop_sequences:
        return None
    for key in ("stop_reason", "matched_stop"):
        value = choice.get(key)
        if isinstance(value, str) and value in stop_sequences:
            return value
    for seq in stop_sequences:
        if seq and text.endswith(seq):
            return seq
    return None


def content_parts(parts: list[Any]) -> Iterator[tuple[bool, str]]:
    """(is_reasoning, text) of content given as a list of parts instead of a string.

    Mistral's reasoning models do this: `{"type":"text","text":…}` and
    `{"type":"thinking","thinking":[{"type":"text","text":…}]}`.
    """
    for part in parts:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "text" and isinstance(part.get("text"), str):
            yield False, part["text"]
        elif kind == "thinking":
            inner = part.get("thinking")
            if isinstance(inner, str):
                yield True, inner
            elif isinstance(inner, list):
                yield (
                    True,
                    "".join(p["text"] for p in inner if isinstance(p, dict) and isinstance(p.get("text"), str)),
                )


def reasoning_parts(text: object, thinking: object, details: object) -> tuple[str, str | None]:
    """(reasoning text, signature) of a delta, whichever field the provider used for them:
    `reasoning_content` / `reasoning` text, our `thinking {content, signature}` channel, or
    OpenRouter's `reasoning_details[].signature`."""
    signature: object = None
    if isinstance(thinking, dict):
        if not text:
            text = thinking.get("content")
        signature = thinking.get("signature")
    elif isinstance(thinking, str) and not text:
        text = thinking
    if not signature and isinstance(details, list):
        signature = next((d.get("signature") for d in details if isinstance(d, dict) and d.get("signature")), None)
    return (text if isinstance(text, str) else ""), (signature if isinstance(signature, str) and signature else None)


def anthropic_usage(usage: object) -> dict[str, int]:
    """OpenAI usage → Anthropic usage: cached prompt tokens are reported apart from fresh ones."""
    if not isinstance(usage, dict):
        return {"input_tokens": 0, "output_tokens": 0, "cache_read_input_tokens": 0}
    prompt = _int(usage.get("prompt_tokens"))
    cached = 0
    details = usage.get("prompt_tokens_details")
    if isinstance(details, dict):
        cached = _int(details.get("cached_tokens"))
    if not cached and "prompt_cache_hit_tokens" in usage:
        cached = _int(usage["prompt_cache_hit_tokens"])  # DeepSeek
    cached = min(cached, prompt) if prompt else cached
    return {
        "input_tokens": max(prompt - cached, 0),
        "output_tokens": _int(usage.get("completion_tokens")),
        "cache_read_input_tokens": cached,
    }


def _int(value: object) -> int:
    """A token count as given (a float is cut, anything else — a bool, a negative — is 0)."""
    if type(value) is int:  # the usual case first: one test
        return value if value > 0 else 0
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, float):
        return max(int(value), 0)
    return 0


def signature_for(text: str) -> str:
    """A stable stand-in signature for thinking that came without one.

    Claude Code replays thinking blocks with their signature; the same text must always get the
    same value so a replayed conversation stays byte-identical (good for provider prompt caches).
    """
    return "ccr:" + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def new_message_id() -> str:
    return "msg_" + os.urandom(12).hex()


def new_tool_id() -> str:
    return "toolu_" + os.urandom(12).hex()


class ToolIds:
    """Hands out Anthropic-valid, per-message-unique tool ids, keeping the provider's when it can."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def take(self, raw: object) -> str:
        tool_id = ""
        if isinstance(raw, str) and raw:
            tool_id = raw if _TOOL_ID_OK.match(raw) else _TOOL_ID_BAD_CHARS.sub("_", raw)
        if not tool_id or tool_id in self._seen or len(tool_id) > 200:
            tool_id = new_tool_id()
        self._seen.add(tool_id)
        return tool_id
