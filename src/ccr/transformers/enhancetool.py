"""`enhancetool`: repair tool-call arguments that are not valid JSON.

Non-streamed: each call's `arguments` is parsed strictly, then as JSON5, then with the near-JSON
repairs (single quotes, Python literals, trailing commas, missing closers); what cannot be read
becomes `{}` so the client always gets an object.

Streamed, without giving up incremental streaming where the model writes proper JSON: a call whose
arguments start like strict JSON (`{"`) is passed through fragment by fragment while a light
scanner follows it. Anything after the object's closing brace is dropped, and a call cut short (open strings or
brackets at the end) gets its missing closers as a last fragment. A call whose arguments do not
start that way (a Python dict, JSON5, a JSON string) is held and sent once, repaired, when it
ends. (A call that starts as strict JSON and goes wrong later cannot be taken back; the client's
converter then shows what the model wrote.)
"""

from __future__ import annotations

from typing import Any

import json5
import orjson

from ccr.protocol.tool_args import repair_json_object
from ccr.transformers.base import RequestContext, Transformer
from ccr.transformers.common import first_choice, make_chunk
from ccr.transformers.registry import builtin
from ccr.types import UnifiedChunk, UnifiedResponse


def repair_arguments(raw: object) -> str:
    """Arguments as a JSON object text, whatever the model wrote."""
    if isinstance(raw, dict):
        return orjson.dumps(raw).decode()
    if not isinstance(raw, str) or not raw.strip():
        return "{}"
    for parse in (orjson.loads, json5.loads):
        try:
            value = parse(raw)
        except ValueError:
            continue
        if isinstance(value, str):  # encoded twice
            return repair_arguments(value)
        if isinstance(value, dict):
            return raw if parse is orjson.loads else orjson.dumps(value).decode()
    repaired = repair_json_object(raw)
    return orjson.dumps(repaired).decode() if repaired is not None else "{}"


class _Scan:
    """Follows a JSON object text fragment by fragment: nesting, strings, and where it ends."""

    __slots__ = ("closers", "done", "escape", "in_string", "started")

    def __init__(self) -> None:
        self.closers: list[str] = []
        self.in_string = False
        self.escape = False
        self.started = False
        self.done = False

    def feed(self, text: str) -> int:
        """Consume `text`; returns how many characters belong to the object (the rest is excess)."""
        for i, ch in enumerate(text):
            if self.done:
                return i
            if self.in_string:
                if self.escape:
                    self.escape = False
                elif ch == "\\":
                    self.escape = True
                elif ch == '"':
                    self.in_string = False
            elif ch == '"':
                self.in_string = True
            elif ch in "{[":
                self.started = True
                self.closers.append("}" if ch == "{" else "]")
            elif ch in "}]" and self.closers:
                self.closers.pop()
                self.done = not self.closers
        return len(text)

    def closing(self) -> str:
        return ('"' if self.in_string else "") + "".join(reversed(self.closers))


@builtin
class EnhanceTool(Transformer):
    name = "enhancetool"
    description = "Repairs malformed tool-call arguments (JSON5, Python dicts, cut-off JSON), streaming when possible"

    def response(self, body: UnifiedResponse, ctx: RequestContext) -> UnifiedResponse:
        choice = first_choice(body)
        message = choice.get("message") if choice else None
        if isinstance(message, dict) and isinstance(message.get("tool_calls"), list):
            for call in message["tool_calls"]:
                function = call.get("function") if isinstance(call, dict) else None
                if isinstance(function, dict):
                    function["arguments"] = repair_arguments(function.get("arguments"))
        return body

    def stream_chunk(self, chunk: UnifiedChunk, ctx: RequestContext) -> list[UnifiedChunk]:
        calls: dict[int, dict[str, Any]] = ctx.state.setdefault(self.name, {})
        choice = first_choice(chunk)
        if choice is None:
            return [chunk]
        delta = choice.get("delta")
        if isinstance(delta, dict) and isinstance(delta.get("tool_calls"), list):
            for call in delta["tool_calls"]:
                if isinstance(call, dict):
                    _pass_fragment(call, calls)
        if not choice.get("finish_reason"):
            return [chunk]
        return [*self._finish_calls(chunk, calls), chunk]

    def stream_end(self, ctx: RequestContext) -> list[UnifiedChunk]:
        return self._finish_calls({}, ctx.state.get(self.name) or {})

    def _finish_calls(self, like: UnifiedChunk, calls: dict[int, dict[str, Any]]) -> list[UnifiedChunk]:
        out = []
        for index, st in calls.items():
            tail = _tail(st)
            st["finished"] = True
            if tail:
                delta = {"tool_calls": [{"index": index, "function": {"arguments": tail}}]}
                out.append(
                    make_chunk(str(like.get("id") or "chatcmpl-enhancetool"), str(like.get("model") or ""), delta)
                )
        return out


def _pass_fragment(call: dict[str, Any], calls: dict[int, dict[str, Any]]) -> None:
    """Let a fragment through (trimmed to the object) or hold it; edits `call` in place."""
    index = call.get("index", 0)
    st = calls.setdefault(index, {"mode": None, "held": [], "scan": _Scan(), "sent": "", "finished": False})
    function = call.get("function")
    if not isinstance(function, dict):
        return
    fragment = function.get("arguments")
    if not isinstance(fragment, str) or not fragment or st["finished"]:
        return
    if st["mode"] is None:
        pending = "".join(st["held"]) + fragment
        st["mode"] = _decide(pending)
        if st["mode"] is None:
            st["held"].append(fragment)
            function["arguments"] = ""
            return
        st["held"] = []
        fragment = pending
    if st["mode"] == "held":
        st["held"].append(fragment)
        function["arguments"] = ""
        return
    keep = st["scan"].feed(fragment)
    function["arguments"] = fragment[:keep]
    st["sent"] += fragment[:keep]


def _decide(pending: str) -> str | None:
    """How to pass a call on: `live` once it starts like strict JSON (`{"` or `{}`), `held` once
    it cannot be that, None while it is too short to tell."""
    text = pending.lstrip()
    if not text:
        return None
    if not text.startswith("{"):
        return "held"
    rest = text[1:].lstrip()
    if not rest:
        return None
    return "live" if rest[0] in '"}' else "held"


def _tail(st: dict[str, Any]) -> str:
    """What to send when a call ends: closers for a cut-off object, or the whole repaired text."""
    if st["finished"]:
        return ""
    if st["mode"] != "live":  # held, or too short to decide: send it whole, repaired
        return repair_arguments("".join(st["held"])) if st["held"] else ""
    scan: _Scan = st["scan"]
    if scan.done:
        return ""
    closing = scan.closing()
    try:
        orjson.loads(st["sent"] + closing)
    except orjson.JSONDecodeError:
        return ""  # nothing appendable fixes it; the client's converter shows it raw
    return closing
