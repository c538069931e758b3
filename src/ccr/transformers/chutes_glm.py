"""`chutes-glm`: GLM 4.5/4.6 served by Chutes (or any server that passes GLM's raw output through).

GLM writes its reasoning as `<think>…</think>` and, when the server does not parse them, its tool
calls in its own markup:

    <tool_call>Read
    <arg_key>file_path</arg_key>
    <arg_value>/tmp/a.txt</arg_value>
    </tool_call>

Both are turned into what the client expects (thinking blocks and `tool_use` blocks); argument
values are typed by the tool's schema (strings stay strings, numbers/objects are parsed). Text
is streamed as it comes; only a tool call in progress is held until its closing tag.
Request: thinking on/off through `chat_template_kwargs.enable_thinking`, no `cache_control`.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import orjson

from ccr.transformers.base import RequestContext
from ccr.transformers.common import (
    first_choice,
    make_chunk,
    new_call_id,
    strip_cache_control,
    strip_replayed_reasoning,
    thinking_request,
)
from ccr.transformers.registry import builtin
from ccr.transformers.thinktags import REASONING, TEXT, TagReasoning, TagSplitter, _partial_tag_len
from ccr.types import UnifiedChunk, UnifiedRequest, UnifiedResponse

CALL_OPEN, CALL_CLOSE = "<tool_call>", "</tool_call>"
_ARG = re.compile(r"<arg_key>(.*?)</arg_key>\s*<arg_value>(.*?)</arg_value>", re.S)


class CallScanner:
    """Finds GLM tool-call markup in streamed text; yields ("content", text) and ("call", text)."""

    __slots__ = ("_buf", "_in_call")

    def __init__(self) -> None:
        self._buf = ""
        self._in_call = False

    def feed(self, text: str) -> list[tuple[str, str]]:
        s = self._buf + text
        self._buf = ""
        out: list[tuple[str, str]] = []
        while s:
            if self._in_call:
                end = s.find(CALL_CLOSE)
                if end < 0:
                    self._buf = s
                    break
                out.append(("call", s[:end]))
                self._in_call = False
                s = s[end + len(CALL_CLOSE) :]
                continue
            start = s.find(CALL_OPEN)
            if start < 0:
                keep = _partial_tag_len(s, CALL_OPEN)
                self._buf = s[len(s) - keep :] if keep else ""
                if s[: len(s) - keep]:
                    out.append((TEXT, s[: len(s) - keep]))
                break
            if s[:start]:
                out.append((TEXT, s[:start]))
            self._in_call = True
            s = s[start + len(CALL_OPEN) :]
        return out

    def flush(self) -> list[tuple[str, str]]:
        """End of answer: an unterminated call is still a call; a partial tag is text."""
        buf, self._buf = self._buf, ""
        if not buf:
            return []
        return [("call", buf)] if self._in_call else [(TEXT, buf)]


def parse_call(markup: str, schemas: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """GLM markup → (tool name, JSON arguments)."""
    name = markup.split("<arg_key>", 1)[0].strip()
    props = schemas.get(name, {}).get("properties")
    props = props if isinstance(props, dict) else {}
    args: dict[str, Any] = {}
    for key, raw in _ARG.findall(markup):
        key = key.strip()
        kind = props.get(key, {}).get("type") if isinstance(props.get(key), dict) else None
        args[key] = raw if kind == "string" else _typed(raw)
    return name, orjson.dumps(args).decode()


def _typed(raw: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw


def tool_schemas(ctx: RequestContext) -> dict[str, dict[str, Any]]:
    tools = (ctx.anthropic_body or {}).get("tools")
    out: dict[str, dict[str, Any]] = {}
    for tool in tools if isinstance(tools, list) else ():
        if isinstance(tool, dict) and isinstance(tool.get("name"), str) and isinstance(tool.get("input_schema"), dict):
            out[tool["name"]] = tool["input_schema"]
    return out


@builtin
class ChutesGlm(TagReasoning):
    name = "chutes-glm"
    description = "GLM on Chutes: <think> tags → thinking, GLM tool-call markup → tool calls"
    options_doc: ClassVar[dict[str, str]] = {
        "starts_inside": "true when the output starts inside <think> (only </think> appears)"
    }

    def request(self, body: UnifiedRequest, ctx: RequestContext) -> UnifiedRequest:
        wish = thinking_request(body, ctx)
        body.pop("reasoning", None)
        kwargs = body.get("chat_template_kwargs")
        body["chat_template_kwargs"] = {
            **(kwargs if isinstance(kwargs, dict) else {}),
            "enable_thinking": wish.enabled,
        }
        strip_cache_control(body)
        strip_replayed_reasoning(body)
        return body

    def response(self, body: UnifiedResponse, ctx: RequestContext) -> UnifiedResponse:
        body = super().response(body, ctx)
        choice = first_choice(body)
        message = choice.get("message") if choice else None
        if not choice or not isinstance(message, dict) or not isinstance(message.get("content"), str):
            return body
        scanner = CallScanner()
        pieces = scanner.feed(message["content"]) + scanner.flush()
        calls = [_call(text, i, tool_schemas(ctx)) for i, (k, text) in enumerate(p for p in pieces if p[0] == "call")]
        if calls:
            for call in calls:
                call.pop("index")
            message["content"] = "".join(text for k, text in pieces if k == TEXT).strip()
            message["tool_calls"] = [*(message.get("tool_calls") or []), *calls]
            choice["finish_reason"] = "tool_calls"
        return body

    def stream_chunk(self, chunk: UnifiedChunk, ctx: RequestContext) -> list[UnifiedChunk]:
        st = self._state(ctx)
        choice = first_choice(chunk)
        delta = choice.get("delta") if choice else None
        out: list[UnifiedChunk] = []
        if isinstance(delta, dict) and isinstance(delta.get("content"), str) and delta["content"]:
            text = delta.pop("content")
            out.extend(self._emit(chunk, st, st["think"].feed(text), ctx))
        if choice and choice.get("finish_reason"):
            out.extend(self._drain(chunk, st, ctx))
            if st["calls"] and choice["finish_reason"] == "stop":
                choice["finish_reason"] = "tool_calls"
        if not isinstance(delta, dict) or delta or (choice and choice.get("finish_reason")) or chunk.get("usage"):
            out.append(chunk)
        return out

    def stream_end(self, ctx: RequestContext) -> list[UnifiedChunk]:
        st = ctx.state.get(self.name)
        return self._drain({}, st, ctx) if st else []

    def _state(self, ctx: RequestContext) -> dict[str, Any]:
        st = ctx.state.get(self.name)
        if st is None:
            st = ctx.state[self.name] = {"think": self.splitter(), "scan": CallScanner(), "calls": 0}
        return st

    def _drain(self, like: UnifiedChunk, st: dict[str, Any], ctx: RequestContext) -> list[UnifiedChunk]:
        splitter: TagSplitter = st["think"]
        out = self._emit(like, st, splitter.flush(), ctx)
        return out + self._pieces(like, st, st["scan"].flush(), ctx)

    def _emit(
        self, like: UnifiedChunk, st: dict[str, Any], pieces: list[tuple[str, str]], ctx: RequestContext
    ) -> list[UnifiedChunk]:
        out: list[UnifiedChunk] = []
        for kind, text in pieces:
            found = st["scan"].feed(text) if kind == TEXT else [(REASONING, text)]
            out.extend(self._pieces(like, st, found, ctx))
        return out

    def _pieces(
        self, like: UnifiedChunk, st: dict[str, Any], pieces: list[tuple[str, str]], ctx: RequestContext
    ) -> list[UnifiedChunk]:
        chunk_id, model = str(like.get("id") or "chatcmpl-glm"), str(like.get("model") or "")
        out = []
        for kind, text in pieces:
            if kind == "call":
                delta: dict[str, Any] = {"tool_calls": [_call(text, st["calls"], tool_schemas(ctx))]}
                st["calls"] += 1
            else:
                delta = {kind: text}
            out.append(make_chunk(chunk_id, model, delta))
        return out


def _call(markup: str, index: int, schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    name, arguments = parse_call(markup, schemas)
    return {
        "index": index,
        "id": new_call_id(),
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }
