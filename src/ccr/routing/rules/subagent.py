"""`<CCR-SUBAGENT-MODEL>provider,model</CCR-SUBAGENT-MODEL>`: a model chosen in a subagent's prompt.

The tag is looked for in every system block (string or array form, any position — Claude Code 2.x
puts the agent's prompt in `system[2]`) and in the first user message, and is always removed before
the request is forwarded, whichever rule wins: the model must never see it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from ccr.routing.decision import RouteDecision, RoutingRequest
from ccr.routing.rules.base import Rule, RuleContext

OPEN_TAG = "<CCR-SUBAGENT-MODEL>"
_TAG = re.compile(r"<CCR-SUBAGENT-MODEL>(.*?)</CCR-SUBAGENT-MODEL>[ \t]*\r?\n?", re.DOTALL)

log = logging.getLogger("ccr.routing")


def _strip(text: str, found: list[str]) -> str:
    def keep(match: re.Match[str]) -> str:
        found.append(match.group(1).strip())
        return ""

    return _TAG.sub(keep, text)


def _strip_blocks(blocks: list[Any], found: list[str]) -> list[Any]:
    out: list[Any] = []
    for block in blocks:
        text = block.get("text") if isinstance(block, dict) and block.get("type") == "text" else None
        if isinstance(text, str) and OPEN_TAG in text:
            text = _strip(text, found)
            if not text.strip():
                continue  # an empty text block is a 400 at Anthropic
            block = {**block, "text": text}  # the client's block may be shared (parse memo): not edited
        out.append(block)
    return out


def strip_subagent_tags(body: dict[str, Any]) -> str | None:
    """Remove every tag from the system prompt and the first user message; return the first one's value."""
    found: list[str] = []
    system = body.get("system")
    if isinstance(system, str) and OPEN_TAG in system:
        body["system"] = _strip(system, found)
    elif isinstance(system, list):
        body["system"] = _strip_blocks(system, found) if _blocks_have_tag(system) else system
    message = _first_user_message(body)
    if message is not None:
        content = message.get("content")
        if isinstance(content, str) and OPEN_TAG in content:
            message["content"] = _strip(content, found)
        elif isinstance(content, list) and _blocks_have_tag(content):
            stripped = _strip_blocks(content, found)
            message["content"] = stripped or [{"type": "text", "text": "(empty)"}]
    return found[0] if found else None


def _blocks_have_tag(blocks: list[Any]) -> bool:
    for block in blocks:
        if isinstance(block, dict):
            text = block.get("text")
            if isinstance(text, str) and OPEN_TAG in text:
                return True
    return False


def _first_user_message(body: dict[str, Any]) -> dict[str, Any] | None:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return None
    for message in messages:
        if isinstance(message, dict) and message.get("role") == "user":
            return message
    return None


class SubagentRule(Rule):
    name = "subagent"

    def match(self, req: RoutingRequest, ctx: RuleContext) -> RouteDecision | None:
        tag = req.subagent_tag
        if not tag:
            return None
        target = ctx.catalog.resolve(tag)
        if target is None:
            log.warning(
                "ignoring %s%s</CCR-SUBAGENT-MODEL>: not a configured provider,model (valid: %s)",
                OPEN_TAG,
                tag,
                ", ".join(ctx.catalog.valid_ids()),
            )
            return None
        return ctx.decide(self.name, target, f"subagent tag asks for {tag}")
