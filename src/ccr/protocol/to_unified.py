"""Anthropic Messages request → unified request (OpenAI Chat Completions shapes).

New dicts are built around the client's leaf values (schemas, strings): nothing is deep-copied
and `body` is never modified. Fields OpenAI-compatible servers do not understand
(`context_management`, `output_config`, `top_k`, `mcp_servers`, server tools, new beta fields)
are left out rather than forwarded; unknown content blocks are dropped, never an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from ccr.types import AnthropicRequest, UnifiedRequest

Msg = dict[str, Any]
Part = dict[str, Any]

_COPIED = ("max_tokens", "temperature", "top_p")
_TOOL_CHOICE = {"auto": "auto", "any": "required", "none": "none"}
BILLING_HEADER = "x-anthropic-billing-header:"


def anthropic_to_unified(body: AnthropicRequest, model: str) -> UnifiedRequest:
    out: UnifiedRequest = {"model": model, "messages": _messages(body)}
    for key in _COPIED:
        if key in body:
            out[key] = body[key]
    stop = body.get("stop_sequences")
    if isinstance(stop, list) and stop:
        out["stop"] = stop
    metadata = body.get("metadata")
    if isinstance(metadata, dict):
        user = metadata.get("user_id")
        if isinstance(user, str) and user:
            out["user"] = user[:256]
    if body.get("stream") is True:
        out["stream"] = True
        out["stream_options"] = {"include_usage": True}
    reasoning = _reasoning(body.get("thinking"))
    if reasoning is not None:
        out["reasoning"] = reasoning
    _add_tools(body, out)
    return out


def _reasoning(thinking: object) -> dict[str, Any] | None:
    if not isinstance(thinking, dict) or thinking.get("type") != "enabled":
        return None
    budget = thinking.get("budget_tokens")
    if not isinstance(budget, int) or isinstance(budget, bool):
        return {"effort": "medium"}
    effort = "low" if budget <= 1024 else "medium" if budget <= 8192 else "high"
    return {"effort": effort, "max_tokens": budget}


def _add_tools(body: AnthropicRequest, out: UnifiedRequest) -> None:
    tools = body.get("tools")
    if not isinstance(tools, list):
        return
    converted = [_tool(t) for t in tools if isinstance(t, dict) and t.get("type") in (None, "custom")]
    if not converted:
        return
    out["tools"] = converted
    choice = body.get("tool_choice")
    if not isinstance(choice, dict):
        return
    kind = choice.get("type")
    if kind == "tool" and isinstance(choice.get("name"), str):
        out["tool_choice"] = {"type": "function", "function": {"name": choice["name"]}}
    elif isinstance(kind, str) and kind in _TOOL_CHOICE:
        out["tool_choice"] = _TOOL_CHOICE[kind]
    if choice.get("disable_parallel_tool_use") is True:
        out["parallel_tool_calls"] = False


def _tool(tool: dict[str, Any]) -> dict[str, Any]:
    schema = tool.get("input_schema")
    return {
        "type": "function",
        "function": {
            "name": tool.get("name", ""),
            "description": tool.get("description") or "",
            "parameters": schema if isinstance(schema, dict) else {"type": "object", "properties": {}},
        },
    }


def _messages(body: AnthropicRequest) -> list[Msg]:
    out: list[Msg] = []
    system = _system_text(body.get("system"))
    if system:
        out.append({"role": "system", "content": system})
    messages = body.get("messages")
    if not isinstance(messages, list):
        return out
    for msg in messages:
        if not isinstance(msg, dict):
            continue
        role = msg.get("role")
        content = msg.get("content")
        if role == "user":
            _user(content, out)
        elif role == "assistant":
            out.append(_assistant(content))
        elif role == "system":
            out.append({"role": "system", "content": _plain_text(content)})
    return out


def _system_text(system: object) -> str:
    """The system prompt without Claude Code's billing header (`x-anthropic-billing-header:
    cc_version=2.1.332.629; …`, its first block). The header means something to Anthropic only,
    and its suffix changes with every request: at the head of the prompt it would make every
    request's prompt differ from the previous one's after ~40 bytes, and the provider's prompt
    cache (DeepSeek, OpenAI, Gemini, OpenRouter: by identical prefix) would never hit."""
    if isinstance(system, list) and system:
        text = system[0].get("text") if isinstance(system[0], dict) else None
        if isinstance(text, str) and text.startswith(BILLING_HEADER):
            system = system[1:]
    return _plain_text(system)


def _plain_text(content: object) -> str:
    """A system prompt (string or text blocks) as one string; cache_control has no OpenAI form."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(b["text"] for b in content if isinstance(b, dict) and isinstance(b.get("text"), str))
    return ""


def _user(content: object, out: list[Msg]) -> None:
    if isinstance(content, str):
        out.append({"role": "user", "content": content})
        return
    if not isinstance(content, list):
        return
    tool_images: list[Part] = []
    parts: list[Part] = []
    for block in content:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "tool_result":
            out.append(_tool_message(block, tool_images))
        else:
            part = _user_part(block)
            if part is not None:
                parts.append(part)
    # Tool messages must directly follow the assistant's tool calls, so the results' images and
    # the user's own words go after them, in one user message.
    parts = tool_images + parts
    if parts:
        out.append({"role": "user", "content": _collapse(parts)})


def _collapse(parts: list[Part]) -> str | list[Part]:
    if len(parts) == 1 and parts[0]["type"] == "text":
        return str(parts[0]["text"])
    return parts


def _user_part(block: dict[str, Any]) -> Part | None:
    kind = block.get("type")
    if kind == "text":
        text = block.get("text")
        return {"type": "text", "text": text} if isinstance(text, str) and text else None
    if kind == "image":
        return _image_part(block.get("source"))
    if kind == "document":
        text = _document_text(block.get("source"))
        return {"type": "text", "text": text} if text else None
    return None


def _image_part(source: object) -> Part | None:
    if not isinstance(source, dict):
        return None
    if source.get("type") == "base64":
        data = source.get("data")
        if not isinstance(data, str):
            return None
        if data.startswith("data:"):
            data = data[data.find(",") + 1 :]
        url = f"data:{source.get('media_type') or 'image/png'};base64,{data}"
    elif source.get("type") == "url" and isinstance(source.get("url"), str):
        url = source["url"]
    else:
        return None
    return {"type": "image_url", "image_url": {"url": url}}


def _document_text(source: object) -> str:
    if not isinstance(source, dict):
        return ""
    if source.get("type") == "text" and isinstance(source.get("data"), str):
        return str(source["data"])
    if source.get("type") == "content":
        return _plain_text(source.get("content"))
    return ""


def _tool_message(block: dict[str, Any], images: list[Part]) -> Msg:
    content = block.get("content")
    if isinstance(content, str):
        text = content
    elif isinstance(content, list):
        texts: list[str] = []
        for item in content:
            if not isinstance(item, dict):
                continue
            if item.get("type") == "image":
                image = _image_part(item.get("source"))
                if image is not None:
                    images.append(image)
                continue
            part = _user_part(item)
            if part is not None:
                texts.append(part["text"])
        text = "\n".join(texts)
    else:
        text = ""
    if block.get("is_error") is True:
        text = "Error: " + text
    return {"role": "tool", "tool_call_id": block.get("tool_use_id", ""), "content": text}


def _assistant(content: object) -> Msg:
    if isinstance(content, str):
        return {"role": "assistant", "content": content}
    blocks: Iterable[Any] = content if isinstance(content, list) else ()
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    thoughts: list[str] = []
    signature: str | None = None
    for block in blocks:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text" and isinstance(block.get("text"), str):
            texts.append(block["text"])
        elif kind == "tool_use":
            calls.append(_tool_call(block))
        elif kind == "thinking" and isinstance(block.get("thinking"), str):
            thoughts.append(block["thinking"])
            sig = block.get("signature")
            if signature is None and isinstance(sig, str) and sig:
                signature = sig
    text = "\n".join(texts)
    msg: Msg = {"role": "assistant", "content": text if text or not calls else None}
    if calls:
        msg["tool_calls"] = calls
    if thoughts:
        msg["reasoning_content"] = "\n".join(thoughts)
        if signature is not None:
            msg["reasoning_signature"] = signature
    return msg


def _tool_call(block: dict[str, Any]) -> dict[str, Any]:
    args = block.get("input")
    return {
        "id": block.get("id", ""),
        "type": "function",
        "function": {
            "name": block.get("name", ""),
            "arguments": orjson.dumps(args if args is not None else {}).decode(),
        },
    }
