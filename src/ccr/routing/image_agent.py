"""The image agent: lets a text-only model work with images by asking `Router.image` about them.

When active, every image in the user's messages (and inside tool results) is replaced by a text
placeholder `[Image #N]`, the images are kept in an `ImageAgentState` attached to the request, and
an `analyzeImage` tool is offered. When the main model calls it, the server (ccr.server.image_agent)
sends the images and the task to `Router.image`, answers the call itself and continues the turn;
the client never sees the tool. Everything here is pure: it builds and rewrites dicts.

Active when `Router.image` is set, the request is not already for that model, and either
`forceUseImageAgent` is true and a user message carries an image, or images appear only in earlier
turns (the latest turn's images are otherwise routed straight to `Router.image` by the image rule).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ccr.routing.rules.image import image_source, last_user_message

if TYPE_CHECKING:
    from ccr.routing.catalog import Target
    from ccr.routing.decision import RoutingRequest
    from ccr.routing.rules.base import RuleContext

TOOL_NAME = "analyzeImage"
NOTE_KEY = "image_agent"
MAX_CONTEXT_CHARS = 4000
IMAGE_MAX_TOKENS = 4096

ANALYZE_IMAGE_TOOL: dict[str, Any] = {
    "name": TOOL_NAME,
    "description": (
        "Look at images from this conversation. Images appear in messages as placeholders like "
        "[Image #1]; you cannot see them yourself. Give the ids of the images to look at and a precise "
        "task (what to read, describe, compare or find). Optionally name regions to focus on."
    ),
    "input_schema": {
        "type": "object",
        "properties": {
            "imageId": {
                "type": "array",
                "items": {"type": "string"},
                "description": 'Image ids from the placeholders, e.g. ["1"] for [Image #1].',
            },
            "task": {"type": "string", "description": "What to find out from the image(s)."},
            "regions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "x": {"type": "number"},
                        "y": {"type": "number"},
                        "w": {"type": "number"},
                        "h": {"type": "number"},
                        "units": {"type": "string", "enum": ["px", "pct"]},
                    },
                    "required": ["x", "y", "w", "h", "units"],
                },
            },
        },
        "required": ["imageId", "task"],
    },
}

SYSTEM_NOTE = (
    "Images in this conversation were replaced by placeholders such as [Image #1] because you cannot "
    f"see images. When an image matters for the answer, call the {TOOL_NAME} tool with its id and a "
    "precise task, and rely on what the tool reports."
)
IMAGE_SYSTEM = (
    "You analyse images for another assistant that cannot see them. Do exactly the task given, "
    "describe only what is visible, transcribe text verbatim, and say so when something is unclear."
)

# Claude Code marks pasted images as "[Image #N]" in the user's text with its own numbering; those
# markers would collide with ours, so they are removed while the agent is active.
_CLIENT_MARKER = re.compile(r"\[Image #\d+\]")


@dataclass(slots=True)
class ImageAgentState:
    """What the server needs to answer `analyzeImage` for one request."""

    target: Target
    """`Router.image`."""
    images: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Image id ("1", "2", …) → the original image block."""
    context: str = ""
    """The user's latest words, so the image model knows what the question is about."""


def placeholder(image_id: str) -> dict[str, Any]:
    return {
        "type": "text",
        "text": f'[Image #{image_id}] (an image: call {TOOL_NAME} with imageId ["{image_id}"] to see it)',
    }


def _user_messages_have_images(body: dict[str, Any]) -> bool:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return False
    for message in messages:
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list) and image_source(content) is not None:
                return True
    return False


def agent_applies(body: dict[str, Any], *, force: bool) -> bool:
    if not _user_messages_have_images(body):
        return False
    if force:
        return True
    last = last_user_message(body)
    content = last.get("content") if last is not None else None
    return not (isinstance(content, list) and image_source(content) is not None)


def prepare_image_agent(req: RoutingRequest, ctx: RuleContext, *, force: bool) -> ImageAgentState | None:
    """Rewrite the request for the agent when it applies; the state goes to `req.notes`."""
    target = ctx.slot("image")
    if target is None or not agent_applies(req.body, force=force):
        return None
    model = req.body.get("model")
    if isinstance(model, str) and ctx.catalog.resolve(model) == target:
        return None
    state = ImageAgentState(target=target, context=_latest_user_text(req.body))
    replace_images(req.body, state)
    _offer_tool(req.body)
    req.notes[NOTE_KEY] = state
    req.body_size = 0  # the byte size no longer describes the body: make the counter count
    return state


def replace_images(body: dict[str, Any], state: ImageAgentState) -> None:
    for message in body.get("messages") or ():
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, list):
            message["content"] = _replace_in_blocks(content, state, top_level=True)


def _replace_in_blocks(blocks: list[Any], state: ImageAgentState, *, top_level: bool) -> list[Any]:
    out: list[Any] = []
    for block in blocks:
        if not isinstance(block, dict):
            out.append(block)
            continue
        kind = block.get("type")
        if kind == "image":
            image_id = str(len(state.images) + 1)
            state.images[image_id] = block
            out.append(placeholder(image_id))
        elif kind == "text" and top_level and isinstance(block.get("text"), str) and "[Image #" in block["text"]:
            text = _CLIENT_MARKER.sub("", block["text"])
            if text.strip():
                out.append({**block, "text": text})
        elif kind == "tool_result" and isinstance(block.get("content"), list):
            out.append({**block, "content": _replace_in_blocks(block["content"], state, top_level=False)})
        else:
            out.append(block)
    return out


def _latest_user_text(body: dict[str, Any]) -> str:
    message = last_user_message(body)
    content = message.get("content") if message is not None else None
    if isinstance(content, str):
        text = content
    elif isinstance(content, list):
        parts = [b["text"] for b in content if isinstance(b, dict) and isinstance(b.get("text"), str)]
        text = "\n".join(parts)
    else:
        return ""
    return _CLIENT_MARKER.sub("", text).strip()[-MAX_CONTEXT_CHARS:]


def _offer_tool(body: dict[str, Any]) -> None:
    tools = body.get("tools")
    others = [t for t in tools if not (isinstance(t, dict) and t.get("name") == TOOL_NAME)] if tools else []
    body["tools"] = [ANALYZE_IMAGE_TOOL, *others]
    note = {"type": "text", "text": SYSTEM_NOTE}
    system = body.get("system")
    if isinstance(system, list):
        body["system"] = [*system, note]
    elif isinstance(system, str) and system:
        body["system"] = [{"type": "text", "text": system}, note]
    else:
        body["system"] = [note]
