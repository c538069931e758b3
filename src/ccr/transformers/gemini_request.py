"""Unified request → Gemini `generateContent` body (shared by `gemini`, `vertex-gemini`,
`gemini-cli`).

* system messages → `systemInstruction` (all of them, in order);
* user text and images (`inlineData` for data URIs, `fileData` for URLs);
* assistant text and tool calls → `model` parts with their `functionCall` ids and thought
  signatures restored (see gemini_signatures);
* tool results → `functionResponse` parts (named after the call they answer) in a `user` turn;
* tools → `functionDeclarations` with cleaned schemas; Anthropic's web search → `googleSearch`;
* `max_tokens` (capped at the model's limit), temperature, top_p, top_k, stop sequences and the
  client's thinking request → `generationConfig`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from ccr.transformers import gemini_signatures as sigs
from ccr.transformers.base import RequestContext
from ccr.transformers.common import Thinking, obj, parts_of, split_data_url, text_of, thinking_request
from ccr.transformers.gemini_schema import clean_schema
from ccr.transformers.limits import known_output_limit
from ccr.types import UnifiedRequest

Json = dict[str, Any]
_HARM = (
    "HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_HATE_SPEECH", "HARM_CATEGORY_SEXUALLY_EXPLICIT",
    "HARM_CATEGORY_DANGEROUS_CONTENT", "HARM_CATEGORY_CIVIC_INTEGRITY",
)  # fmt: skip
_CHOICE = {"auto": "AUTO", "none": "NONE", "required": "ANY", "any": "ANY"}


@dataclass(frozen=True, slots=True)
class GeminiOptions:
    json_schema: bool = False
    """Send tool schemas as `parametersJsonSchema` (raw JSON Schema) instead of cleaned `parameters`."""
    safety_threshold: str | None = None
    """e.g. "BLOCK_NONE" or "OFF": applied to every harm category."""

    @classmethod
    def parse(cls, options: dict[str, Any], name: str) -> GeminiOptions:
        schema = options.get("schema", "openapi")
        if schema not in ("openapi", "json"):
            raise ValueError(f'{name}: option schema must be "openapi" or "json"')
        threshold = options.get("safety_threshold")
        if threshold is not None and not isinstance(threshold, str):
            raise ValueError(f'{name}: option safety_threshold must be a string like "BLOCK_NONE"')
        return cls(json_schema=schema == "json", safety_threshold=threshold)


def gemini_body(body: UnifiedRequest, ctx: RequestContext, opts: GeminiOptions) -> Json:
    messages = [m for m in body.get("messages") or () if isinstance(m, dict)]
    system, contents = _contents(messages, ctx)
    out: Json = {"contents": contents}
    if system:
        out["systemInstruction"] = {"parts": [{"text": "\n\n".join(system)}]}
    declarations = _declarations(body, opts)
    tools: list[Json] = [{"functionDeclarations": declarations}] if declarations else []
    if not declarations and _wants_web_search(ctx):
        tools.append({"googleSearch": {}})  # Gemini 2.x cannot mix search with functions
    if tools:
        out["tools"] = tools
    choice = _tool_config(body.get("tool_choice")) if declarations else None
    if choice:
        out["toolConfig"] = choice
    out["generationConfig"] = _generation_config(body, ctx)
    if opts.safety_threshold:
        out["safetySettings"] = [{"category": c, "threshold": opts.safety_threshold} for c in _HARM]
    return out


def _contents(messages: list[Json], ctx: RequestContext) -> tuple[list[str], list[Json]]:
    replay = iter(sigs.replayed(ctx.anthropic_body, messages))
    names: dict[str, str] = {}
    system: list[str] = []
    contents: list[Json] = []
    gemini3 = "gemini-3" in ctx.model.lower()
    for msg in messages:
        role = msg.get("role")
        if role == "system":
            text = text_of(msg.get("content"))
            if text:
                system.append(text)
        elif role == "assistant":
            parts = _model_parts(msg, next(replay, {}), names, gemini3)
            _append(contents, "model", parts)
        elif role == "tool":
            _append(contents, "user", [_function_response(msg, names)])
        elif role == "user":
            _append(contents, "user", _user_parts(msg.get("content")))
    return system, contents


def _append(contents: list[Json], role: str, parts: list[Json]) -> None:
    """Consecutive turns of one role become one content (Gemini alternates user and model)."""
    if not parts:
        return
    if contents and contents[-1]["role"] == role:
        contents[-1]["parts"].extend(parts)
    else:
        contents.append({"role": role, "parts": parts})


def _user_parts(content: object) -> list[Json]:
    out: list[Json] = []
    for part in parts_of(content):
        if part.get("type") == "text" and part.get("text"):
            out.append({"text": part["text"]})
        elif part.get("type") == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            if isinstance(url, str):
                out.append(_image(url))
    return out


def _image(url: str) -> Json:
    inline = split_data_url(url)
    if inline is not None:
        return {"inlineData": {"mimeType": inline[0], "data": inline[1]}}
    ext = url.rsplit(".", 1)[-1].split("?")[0].lower()
    mime = {"png": "image/png", "gif": "image/gif", "webp": "image/webp", "pdf": "application/pdf"}.get(
        ext, "image/jpeg"
    )
    return {"fileData": {"mimeType": mime, "fileUri": url}}


def _model_parts(msg: Json, replay: dict[str, str], names: dict[str, str], gemini3: bool) -> list[Json]:
    parts: list[Json] = []
    text = text_of(msg.get("content"))
    if text:
        part: Json = {"text": text}
        if replay.get(sigs.TEXT_SLOT):
            part["thoughtSignature"] = replay[sigs.TEXT_SLOT]
        parts.append(part)
    for i, call in enumerate(c for c in msg.get("tool_calls") or () if isinstance(c, dict)):
        function = obj(call.get("function"))
        call_id = str(call.get("id") or "")
        name = str(function.get("name") or "")
        names[call_id] = name
        fc: Json = {"name": name, "args": _args(function.get("arguments"))}
        if call_id:
            fc["id"] = call_id
        part = {"functionCall": fc}
        signature = replay.get(sigs.call_slot(call_id)) or sigs.CALLS.get(call_id)
        if signature is None and gemini3 and i == 0:
            signature = sigs.SKIP_VALIDATOR
        if signature:
            part["thoughtSignature"] = signature
        parts.append(part)
    return parts


def _args(arguments: object) -> Json:
    if isinstance(arguments, dict):
        return arguments
    if isinstance(arguments, str) and arguments.strip():
        try:
            value = orjson.loads(arguments)
        except orjson.JSONDecodeError:
            return {"_raw": arguments}
        return value if isinstance(value, dict) else {"value": value}
    return {}


def _function_response(msg: Json, names: dict[str, str]) -> Json:
    call_id = str(msg.get("tool_call_id") or "")
    response: Json = {"name": names.get(call_id, "tool"), "response": {"result": text_of(msg.get("content"))}}
    if call_id:
        response["id"] = call_id
    return {"functionResponse": response}


def _declarations(body: UnifiedRequest, opts: GeminiOptions) -> list[Json]:
    out: list[Json] = []
    for tool in body.get("tools") or ():
        function = (
            tool.get("function") if isinstance(tool, dict) and tool.get("type", "function") == "function" else None
        )
        if not isinstance(function, dict) or not function.get("name"):
            continue
        decl: Json = {"name": function["name"], "description": function.get("description") or ""}
        params = function.get("parameters")
        if isinstance(params, dict) and params.get("properties"):
            if opts.json_schema:
                decl["parametersJsonSchema"] = {k: v for k, v in params.items() if k != "$schema"}
            else:
                decl["parameters"] = clean_schema(params)
        out.append(decl)
    return out


def _wants_web_search(ctx: RequestContext) -> bool:
    tools = (ctx.anthropic_body or {}).get("tools")
    return any(
        isinstance(t, dict) and str(t.get("type", "")).startswith("web_search")
        for t in (tools if isinstance(tools, list) else ())
    )


def _tool_config(choice: object) -> Json | None:
    if isinstance(choice, str) and choice in _CHOICE:
        return {"functionCallingConfig": {"mode": _CHOICE[choice]}}
    if isinstance(choice, dict):
        function = choice.get("function")
        name = function.get("name") if isinstance(function, dict) else None
        if isinstance(name, str):
            return {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [name]}}
    return None


def _generation_config(body: UnifiedRequest, ctx: RequestContext) -> Json:
    config: Json = {}
    max_tokens = body.get("max_tokens") or body.get("max_completion_tokens")
    if isinstance(max_tokens, int):
        limit = known_output_limit(ctx.model)
        config["maxOutputTokens"] = min(max_tokens, limit) if limit else max_tokens
    for src, dst in (("temperature", "temperature"), ("top_p", "topP")):
        if isinstance(body.get(src), int | float):
            config[dst] = body[src]
    top_k = (ctx.anthropic_body or {}).get("top_k")
    if isinstance(top_k, int):
        config["topK"] = top_k
    stop = body.get("stop")
    if isinstance(stop, str):
        stop = [stop]
    if isinstance(stop, list) and stop:
        config["stopSequences"] = stop[:5]
    thinking = thinking_config(ctx.model, thinking_request(body, ctx))
    if thinking:
        config["thinkingConfig"] = thinking
    return config


def thinking_config(model: str, wish: Thinking) -> Json | None:
    """Gemini 3: `thinkingLevel`; Gemini 2.5: `thinkingBudget` within the model's range."""
    name = model.lower()
    if "gemini-3" in name:
        level = "low" if not wish.enabled or wish.effort == "low" else "high"
        return {"thinkingLevel": level, "includeThoughts": wish.enabled and wish.display}
    if "gemini-2.5" not in name:
        return None
    low, high = (128, 32768) if "pro" in name else (512, 24576) if "lite" in name else (1, 24576)
    if not wish.enabled:
        return None if "pro" in name else {"thinkingBudget": 0}
    budget = -1 if wish.budget is None else max(low, min(high, wish.budget))
    return {"thinkingBudget": budget, "includeThoughts": wish.display}
