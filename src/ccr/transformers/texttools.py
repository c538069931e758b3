"""`texttoolcalls`: turn tool calls a model wrote as text into real tool calls.

Small and local models often answer `{"name": "TodoWrite", "arguments": {…}}` (or Hermes-style
`<tool_call>…</tool_call>`, or a fenced json block) as plain content instead of a tool call, and the
client then prints the call instead of running it. When such text names one of the request's own
tools, this transformer replaces it with a real `tool_calls` entry and finish reason `tool_calls`,
streamed or not. Text that merely mentions a tool, or names a tool the request does not offer,
stays text; with `tool_choice: "none"` nothing is rescued. While streaming, only text that could
still become a call is held back (see `textcall_scan`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from ccr.transformers.base import RequestContext, Transformer
from ccr.transformers.common import first_choice
from ccr.transformers.registry import builtin
from ccr.transformers.textcall_scan import CallPiece, CallScanner, Piece, TextPiece
from ccr.types import UnifiedChunk, UnifiedRequest, UnifiedResponse

_TEMPLATE_KEYS = ("id", "object", "created", "model", "system_fingerprint")


def tool_names(body: UnifiedRequest) -> frozenset[str]:
    """Names of the function tools a unified request offers (none if it forbids calling them)."""
    if body.get("tool_choice") == "none":
        return frozenset()
    names: set[str] = set()
    for tool in body.get("tools") or ():
        fn = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            names.add(fn["name"])
    return frozenset(names)


def _tool_call(piece: CallPiece, index: int) -> dict[str, Any]:
    return {
        "index": index,
        "id": f"call_{uuid.uuid4().hex[:24]}",
        "type": "function",
        "function": {"name": piece.name, "arguments": piece.arguments},
    }


@dataclass(slots=True)
class _StreamState:
    scanner: CallScanner
    template: dict[str, Any] = field(default_factory=dict)
    """Top-level fields of the upstream's chunks, copied onto the chunks we add."""
    native_calls: bool = False
    """The upstream sent real tool calls: from then on its chunks pass untouched."""
    finished: bool = False
    """A finish chunk has been passed on."""


@builtin
class TextToolCalls(Transformer):
    name = "texttoolcalls"
    description = "Rescue tool calls a model wrote as text (JSON, <tool_call>, ```json) into real tool calls"

    def request(self, body: UnifiedRequest, ctx: RequestContext) -> UnifiedRequest:
        tools = tool_names(body)
        if tools:
            ctx.state[self.name] = _StreamState(CallScanner(tools))
        return body

    def response(self, body: UnifiedResponse, ctx: RequestContext) -> UnifiedResponse:
        st = ctx.state.get(self.name)
        choice = first_choice(body)
        if st is None or choice is None:
            return body
        message = choice.get("message")
        if not isinstance(message, dict) or message.get("tool_calls"):
            return body
        content = message.get("content")
        if not isinstance(content, str) or not content:
            return body
        scanner = CallScanner(st.scanner.tools)  # fresh: a retried attempt must not see old text
        pieces = scanner.feed(content) + scanner.finish()
        calls = [p for p in pieces if isinstance(p, CallPiece)]
        if not calls:
            return body
        text = "".join(p.text for p in pieces if isinstance(p, TextPiece))
        message["content"] = text or None
        message["tool_calls"] = [_tool_call(c, i) for i, c in enumerate(calls)]
        choice["finish_reason"] = "tool_calls"
        return body

    def stream_chunk(self, chunk: UnifiedChunk, ctx: RequestContext) -> list[UnifiedChunk]:
        st = ctx.state.get(self.name)
        choice = first_choice(chunk)
        if st is None or st.native_calls or choice is None:
            return [chunk]
        if not st.template:
            st.template = {k: chunk[k] for k in _TEMPLATE_KEYS if k in chunk}
        delta = choice.get("delta")
        if not isinstance(delta, dict):
            delta = {}
        if delta.get("tool_calls"):
            return self._native(chunk, delta, st)
        content = delta.get("content")
        finish = choice.get("finish_reason")
        if not isinstance(content, str) or not content:
            return self._finish(chunk, st) if finish else [chunk]
        pieces = st.scanner.feed(content)
        if not finish and len(pieces) == 1 and isinstance(pieces[0], TextPiece):
            delta["content"] = pieces[0].text  # the common case: plain text, one chunk in, one out
            return [chunk]
        del delta["content"]
        if finish:  # this chunk, emptied of its text, still closes the choice (and may carry usage)
            return self._piece_chunks(pieces, st) + self._finish(chunk, st)
        keep = len(delta) > 0 or "usage" in chunk
        return [chunk, *self._piece_chunks(pieces, st)] if keep else self._piece_chunks(pieces, st)

    def stream_end(self, ctx: RequestContext) -> list[UnifiedChunk]:
        st = ctx.state.get(self.name)
        if st is None or st.native_calls:
            return []
        out = self._piece_chunks(st.scanner.finish(), st)
        if st.scanner.calls and not st.finished:  # the upstream ended without a finish chunk
            out.append(self._chunk(st, {}, "tool_calls"))
        return out

    def _native(self, chunk: UnifiedChunk, delta: dict[str, Any], st: _StreamState) -> list[UnifiedChunk]:
        out = self._piece_chunks(st.scanner.finish(), st)
        st.native_calls = True
        offset = st.scanner.calls
        if offset:  # keep the upstream's calls from colliding with the ones we made
            for call in delta["tool_calls"]:
                if isinstance(call, dict):
                    call["index"] = int(call.get("index") or 0) + offset
        return [*out, chunk]

    def _finish(self, chunk: UnifiedChunk, st: _StreamState) -> list[UnifiedChunk]:
        out = self._piece_chunks(st.scanner.finish(), st)
        st.finished = True
        if st.scanner.calls:
            chunk["choices"][0]["finish_reason"] = "tool_calls"
        return [*out, chunk]

    def _piece_chunks(self, pieces: list[Piece], st: _StreamState) -> list[UnifiedChunk]:
        out: list[UnifiedChunk] = []
        calls = st.scanner.calls - sum(isinstance(p, CallPiece) for p in pieces)
        for p in pieces:
            if isinstance(p, TextPiece):
                out.append(self._chunk(st, {"content": p.text}))
            else:
                out.append(self._chunk(st, {"tool_calls": [_tool_call(p, calls)]}))
                calls += 1
        return out

    @staticmethod
    def _chunk(st: _StreamState, delta: dict[str, Any], finish: str | None = None) -> UnifiedChunk:
        return {**st.template, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
