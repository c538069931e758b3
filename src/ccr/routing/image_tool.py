"""Answering the image agent's `analyzeImage` calls: pure request and message builders.

The server (ccr.server.image_agent) runs the loop: main model → `analyzeImage` call →
`build_image_request` to `Router.image` → `answer_text` → `build_continuation` → main model again.
"""

from __future__ import annotations

import re
from typing import Any

import json5
import orjson

from ccr.routing.image_agent import IMAGE_MAX_TOKENS, IMAGE_SYSTEM, TOOL_NAME, ImageAgentState

MAX_ROUNDS = 4
"""Tool rounds per client request before the agent stops answering (a model stuck calling it)."""

_DIGITS = re.compile(r"\d+")


def analyze_calls(content: list[Any]) -> list[dict[str, Any]]:
    """The `analyzeImage` tool_use blocks of an assistant message."""
    return [b for b in content if isinstance(b, dict) and b.get("type") == "tool_use" and b.get("name") == TOOL_NAME]


def has_client_tool_calls(content: list[Any]) -> bool:
    """Whether the message also calls tools the client must run (then the agent does not continue)."""
    return any(isinstance(b, dict) and b.get("type") == "tool_use" and b.get("name") != TOOL_NAME for b in content)


def parse_tool_input(raw: str | dict[str, Any] | None) -> dict[str, Any]:
    """The call's arguments: streamed as JSON text (models sometimes write JSON5), or already parsed."""
    if isinstance(raw, dict):
        return raw
    if not raw or not raw.strip():
        return {}
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:
            parsed = json5.loads(raw)
        except ValueError:
            return {}
    return parsed if isinstance(parsed, dict) else {}


def image_ids(value: Any) -> list[str]:
    """`["1"]`, `"1"`, `[1]`, `"Image #1"`, `"[Image #1], [Image #2]"` → ids as the state keys them."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        for digits in _DIGITS.findall(str(item)):
            if digits not in out:
                out.append(digits)
    return out


def build_image_request(state: ImageAgentState, args: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """(request for `Router.image`, "") — or (None, error text for the tool result)."""
    ids = image_ids(args.get("imageId"))
    known = [i for i in ids if i in state.images]
    if not known:
        available = ", ".join(f"[Image #{i}]" for i in state.images) or "none"
        asked = ", ".join(ids) or "none"
        return None, f"{TOOL_NAME}: no such image (asked for {asked}; available: {available})"
    task = args.get("task")
    lines = [f"Task: {task}" if isinstance(task, str) and task.strip() else "Task: describe the image(s)."]
    if args.get("regions"):
        lines.append("Focus on these regions: " + orjson.dumps(args["regions"]).decode())
    if state.context:
        lines.append("The user's message, for context:\n" + state.context)
    content: list[dict[str, Any]] = []
    for image_id in known:
        content.append({"type": "text", "text": f"[Image #{image_id}]"})
        content.append(state.images[image_id])
    content.append({"type": "text", "text": "\n\n".join(lines)})
    request = {
        "model": f"{state.target.provider},{state.target.model}",
        "max_tokens": IMAGE_MAX_TOKENS,
        "stream": False,
        "system": IMAGE_SYSTEM,
        "messages": [{"role": "user", "content": content}],
    }
    return request, ""


def answer_text(message: dict[str, Any]) -> str:
    """The image model's answer as tool-result text."""
    parts = [b["text"] for b in message.get("content") or () if isinstance(b, dict) and isinstance(b.get("text"), str)]
    text = "\n".join(p for p in parts if p.strip())
    return text or f"{TOOL_NAME}: the image model returned no text"


def build_continuation(
    body: dict[str, Any], assistant_content: list[Any], results: dict[str, tuple[str, bool]]
) -> dict[str, Any]:
    """The next main-model request: the turn so far plus the answered calls.

    `results` maps tool_use id → (text, is_error). The body is copied one level deep only (the
    message list is new; the messages in it are shared, never modified).
    """
    tool_results = [
        {
            "type": "tool_result",
            "tool_use_id": call_id,
            "content": text,
            **({"is_error": True} if error else {}),
        }
        for call_id, (text, error) in results.items()
    ]
    messages = [
        *body.get("messages", ()),
        {"role": "assistant", "content": assistant_content},
        {"role": "user", "content": tool_results},
    ]
    return {**body, "messages": messages}


def client_visible(content: list[Any]) -> list[Any]:
    """An assistant message's content without the agent's own tool calls."""
    return [
        b for b in content if not (isinstance(b, dict) and b.get("type") == "tool_use" and b.get("name") == TOOL_NAME)
    ]


def final_message(message: dict[str, Any]) -> dict[str, Any]:
    """What the client receives when the agent stops: no `analyzeImage` calls, a consistent stop reason."""
    content = client_visible(message.get("content") or [])
    out = {**message, "content": content}
    if out.get("stop_reason") == "tool_use" and not has_client_tool_calls(content):
        out["stop_reason"] = "end_turn"
    return out
