"""Unified request ↔ OpenAI Responses API shapes (used by the `openai-responses` endpoint).

Reasoning travels between turns as encrypted reasoning items (`store: false` with
`include: ["reasoning.encrypted_content"]`): they are handed to the client inside the thinking
block's signature, `"oair1." + base64url(JSON [{"id", "encrypted_content"}, …])`, and put back as
`reasoning` input items before that turn's output on the next request, so a reasoning model keeps
its chain of thought across tool calls without the provider storing anything.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson

from ccr.errors import UpstreamError
from ccr.transformers.base import RequestContext
from ccr.transformers.common import obj, parts_of, text_of, turn_signatures
from ccr.transformers.limits import known_output_limit
from ccr.types import UnifiedRequest

Json = dict[str, Any]
PREFIX = "oair1."
_REASONING_MODELS = ("o1", "o3", "o4", "gpt-5", "codex")


def encode_reasoning(items: list[Json]) -> str:
    return PREFIX + base64.urlsafe_b64encode(orjson.dumps(items)).decode()


def decode_reasoning(signature: object) -> list[Json]:
    if not isinstance(signature, str) or not signature.startswith(PREFIX):
        return []
    try:
        value = orjson.loads(base64.urlsafe_b64decode(signature[len(PREFIX) :]))
    except ValueError:
        return []
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def is_reasoning_model(model: str) -> bool:
    name = model.lower().rsplit("/", 1)[-1]
    return name.startswith(_REASONING_MODELS)


def responses_body(body: UnifiedRequest, ctx: RequestContext, reasoning: Json | None, store: bool) -> Json:
    instructions, items = _input(body, ctx)
    out: Json = {"model": ctx.model, "input": items, "stream": ctx.stream, "store": store}
    if instructions:
        out["instructions"] = instructions
    tools = _tools(body, ctx)
    if tools:
        out["tools"] = tools
        choice = _tool_choice(body.get("tool_choice"))
        if choice is not None:
            out["tool_choice"] = choice
        if isinstance(body.get("parallel_tool_calls"), bool):
            out["parallel_tool_calls"] = body["parallel_tool_calls"]
    max_tokens = body.get("max_tokens") or body.get("max_completion_tokens")
    if isinstance(max_tokens, int):
        limit = known_output_limit(ctx.model)
        out["max_output_tokens"] = min(max_tokens, limit) if limit else max_tokens
    if reasoning is not None:
        out["reasoning"] = reasoning
        if not store:
            out["include"] = ["reasoning.encrypted_content"]
    else:
        for key in ("temperature", "top_p"):
            if isinstance(body.get(key), int | float):
                out[key] = body[key]
    if isinstance(body.get("user"), str):
        out["user"] = body["user"]
    return out


def _input(body: UnifiedRequest, ctx: RequestContext) -> tuple[str, list[Json]]:
    system: list[str] = []
    items: list[Json] = []
    messages = [m for m in body.get("messages") or () if isinstance(m, dict)]
    replay = iter(turn_signatures(ctx.anthropic_body, messages))
    for msg in messages:
        role = msg.get("role")
        if role in ("system", "developer"):
            text = text_of(msg.get("content"))
            if text:
                system.append(text)
        elif role == "user":
            content = _user_content(msg.get("content"))
            if content:
                items.append({"role": "user", "content": content})
        elif role == "assistant":
            items.extend(_assistant_items(msg, next(replay, [])))
        elif role == "tool":
            output = text_of(msg.get("content"))
            items.append(
                {"type": "function_call_output", "call_id": str(msg.get("tool_call_id") or ""), "output": output}
            )
    return "\n\n".join(system), items


def _user_content(content: object) -> list[Json]:
    out: list[Json] = []
    for part in parts_of(content):
        if part.get("type") == "text" and part.get("text"):
            out.append({"type": "input_text", "text": part["text"]})
        elif part.get("type") == "image_url":
            url = obj(part.get("image_url")).get("url")
            if isinstance(url, str):
                out.append({"type": "input_image", "image_url": url})
    return out


def _assistant_items(msg: Json, signatures: list[str]) -> list[Json]:
    reasoning: dict[str, str] = {}  # id → encrypted content, in order, each item once
    for signature in signatures:
        for r in decode_reasoning(signature):
            if isinstance(r.get("id"), str) and isinstance(r.get("encrypted_content"), str):
                reasoning[r["id"]] = r["encrypted_content"]
    items: list[Json] = [
        {"type": "reasoning", "id": rid, "encrypted_content": enc, "summary": []} for rid, enc in reasoning.items()
    ]
    text = text_of(msg.get("content"))
    if text:
        items.append({"role": "assistant", "content": text})
    for call in msg.get("tool_calls") or ():
        function = obj(call.get("function")) if isinstance(call, dict) else {}
        if function:
            items.append(
                {
                    "type": "function_call",
                    "call_id": str(call.get("id") or ""),
                    "name": str(function.get("name") or ""),
                    "arguments": str(function.get("arguments") or "{}"),
                }
            )
    return items


def _tools(body: UnifiedRequest, ctx: RequestContext) -> list[Json]:
    out: list[Json] = []
    for tool in body.get("tools") or ():
        function = obj(tool.get("function")) if isinstance(tool, dict) else {}
        if function.get("name"):
            params = function.get("parameters") or {"type": "object", "properties": {}}
            out.append(
                {
                    "type": "function",
                    "name": function["name"],
                    "description": function.get("description") or "",
                    "parameters": params,
                    "strict": False,
                }
            )
    client_tools = (ctx.anthropic_body or {}).get("tools")
    if any(isinstance(t, dict) and str(t.get("type", "")).startswith("web_search") for t in client_tools or ()):
        out.append({"type": "web_search"})
    return out


def _tool_choice(choice: object) -> Any:
    if choice in ("auto", "none", "required"):
        return choice
    name = obj(obj(choice).get("function")).get("name")
    return {"type": "function", "name": name} if isinstance(name, str) else None


def usage_of(usage: object) -> Json | None:
    if not isinstance(usage, dict):
        return None
    prompt = int(usage.get("input_tokens") or 0)
    completion = int(usage.get("output_tokens") or 0)
    out: Json = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    cached = obj(usage.get("input_tokens_details")).get("cached_tokens")
    if isinstance(cached, int) and cached:
        out["prompt_tokens_details"] = {"cached_tokens": cached}
    reasoning = obj(usage.get("output_tokens_details")).get("reasoning_tokens")
    if isinstance(reasoning, int) and reasoning:
        out["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    return out


def finish_reason(resp: Json, has_calls: bool) -> str:
    if resp.get("status") == "incomplete":
        reason = obj(resp.get("incomplete_details")).get("reason")
        return "content_filter" if reason == "content_filter" else "length"
    return "tool_calls" if has_calls else "stop"


def raise_for_error(resp: Json, provider: str) -> None:
    error = resp.get("error")
    if resp.get("status") == "failed" or isinstance(error, dict):
        detail = obj(error)
        message = detail.get("message") or "the response failed without details"
        code = detail.get("code")
        status = 429 if code == "rate_limit_exceeded" else 400 if code == "invalid_prompt" else 502
        raise UpstreamError(f"{provider}: {message}", status=status)
