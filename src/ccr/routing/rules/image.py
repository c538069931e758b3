"""Image: the user's latest turn carries an image (directly or inside a tool result)."""

from __future__ import annotations

from typing import Any

from ccr.routing.decision import RoutingRequest
from ccr.routing.rules.base import RuleContext, SlotRule


def last_user_message(body: dict[str, Any]) -> dict[str, Any] | None:
    """The latest user turn; Claude Code 2.x's `system`-role entries in `messages` are skipped."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return None
    for message in reversed(messages):
        if not isinstance(message, dict):
            return None
        role = message.get("role")
        if role == "user":
            return message
        if role != "system":
            return None
    return None


def image_source(blocks: list[Any]) -> str | None:
    """Where the first image of `blocks` is: `message` or `tool_result`, else None."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "image":
            return "message"
        inner = block.get("content")
        if kind == "tool_result" and isinstance(inner, list):
            for item in inner:
                if isinstance(item, dict) and item.get("type") == "image":
                    return "tool_result"
    return None


class ImageRule(SlotRule):
    name = "image"
    slot_name = "image"

    def applies(self, req: RoutingRequest, ctx: RuleContext) -> str | None:
        message = last_user_message(req.body)
        content = message.get("content") if message is not None else None
        if not isinstance(content, list):
            return None
        where = image_source(content)
        if where == "message":
            return "the last user turn carries an image"
        if where == "tool_result":
            return "a tool result in the last user turn carries an image"
        return None
