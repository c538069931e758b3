"""Reasoning written inside tags in the answer text (`<think>…</think>`) → the reasoning channel.

`TagSplitter` works on streamed text: a tag split across chunks is held until it can be told
apart from ordinary text, nothing else is delayed. `TagReasoning` is the transformer base that
applies it to unified chunks and JSON answers (`extrathinktag`, `forcereasoning`, `chutes-glm`).
Text outside the tags is kept as text, before and after them (the original dropped what came
before the opening tag).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ccr.transformers.base import RequestContext, Transformer
from ccr.transformers.common import first_choice
from ccr.types import UnifiedChunk, UnifiedResponse

TEXT = "content"
REASONING = "reasoning_content"


class TagSplitter:
    __slots__ = ("_after_close", "_close", "_held", "_inside", "_open")

    def __init__(self, open_tag: str, close_tag: str, *, inside: bool = False) -> None:
        self._open = open_tag
        self._close = close_tag
        self._inside = inside
        self._held = ""
        self._after_close = False

    def feed(self, text: str) -> list[tuple[str, str]]:
        """Split `text` into (TEXT|REASONING, piece) in order; empty pieces are left out."""
        s = self._held + text
        self._held = ""
        out: list[tuple[str, str]] = []
        while s:
            tag = self._close if self._inside else self._open
            idx = s.find(tag)
            if idx < 0:
                keep = _partial_tag_len(s, tag)
                self._held = s[len(s) - keep :] if keep else ""
                self._emit(out, s[: len(s) - keep])
                break
            self._emit(out, s[:idx])
            self._after_close = self._inside
            self._inside = not self._inside
            s = s[idx + len(tag) :]
        return out

    def flush(self) -> list[tuple[str, str]]:
        held, self._held = self._held, ""
        out: list[tuple[str, str]] = []
        self._emit(out, held)
        return out

    def _emit(self, out: list[tuple[str, str]], piece: str) -> None:
        if self._after_close and not self._inside:
            # the blank lines models put after a closing tag belong to neither part
            piece = piece.lstrip()
            if piece:
                self._after_close = False
        if piece:
            kind = REASONING if self._inside else TEXT
            if out and out[-1][0] == kind:
                out[-1] = (kind, out[-1][1] + piece)
            else:
                out.append((kind, piece))


def _partial_tag_len(s: str, tag: str) -> int:
    """Length of the longest end of `s` that could be the start of `tag`."""
    for n in range(min(len(tag) - 1, len(s)), 0, -1):
        if s.endswith(tag[:n]):
            return n
    return 0


class TagReasoning(Transformer):
    """Base for transformers that read reasoning out of tags in the answer text."""

    open_tag: ClassVar[str] = "<think>"
    close_tag: ClassVar[str] = "</think>"

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self.starts_inside = bool(self.options.get("starts_inside", False))

    def splitter(self) -> TagSplitter:
        return TagSplitter(self.open_tag, self.close_tag, inside=self.starts_inside)

    def response(self, body: UnifiedResponse, ctx: RequestContext) -> UnifiedResponse:
        choice = first_choice(body)
        message = choice.get("message") if choice else None
        if not isinstance(message, dict) or not isinstance(message.get("content"), str):
            return body
        splitter = self.splitter()
        pieces = splitter.feed(message["content"]) + splitter.flush()
        reasoning = "".join(p for k, p in pieces if k == REASONING)
        if reasoning:
            before = message.get("reasoning_content")
            message["reasoning_content"] = f"{before}\n{reasoning}" if isinstance(before, str) and before else reasoning
            message["content"] = "".join(p for k, p in pieces if k == TEXT)
        return body

    def stream_chunk(self, chunk: UnifiedChunk, ctx: RequestContext) -> list[UnifiedChunk]:
        choice = first_choice(chunk)
        delta = choice.get("delta") if choice else None
        if not isinstance(delta, dict) or not isinstance(delta.get("content"), str) or not delta["content"]:
            if choice and choice.get("finish_reason"):
                return [*self._flush(chunk, ctx), chunk]
            return [chunk]
        splitter = ctx.state.get(self.name)
        if splitter is None:
            splitter = ctx.state[self.name] = self.splitter()
        return split_chunk(chunk, delta, splitter.feed(delta["content"]))

    def stream_end(self, ctx: RequestContext) -> list[UnifiedChunk]:
        return self._flush({}, ctx)

    def _flush(self, like: UnifiedChunk, ctx: RequestContext) -> list[UnifiedChunk]:
        splitter = ctx.state.get(self.name)
        if not isinstance(splitter, TagSplitter):
            return []
        pieces = splitter.flush()
        if not pieces:
            return []
        base = {
            "id": like.get("id", "chatcmpl-tags"),
            "model": like.get("model", ""),
            "object": "chat.completion.chunk",
        }
        return [{**base, "choices": [{"index": 0, "delta": {k: p}, "finish_reason": None}]} for k, p in pieces]


def split_chunk(chunk: UnifiedChunk, delta: dict[str, Any], pieces: list[tuple[str, str]]) -> list[UnifiedChunk]:
    """One chunk per piece, in order; the chunk's other fields ride on the last one."""
    rest = {k: v for k, v in delta.items() if k != "content"}
    if len(pieces) == 1 and pieces[0] == (TEXT, delta.get("content")):
        return [chunk]  # the common case: plain text, nothing held
    if not pieces:
        if not rest and not chunk["choices"][0].get("finish_reason") and not chunk.get("usage"):
            return []
        chunk["choices"][0]["delta"] = rest
        return [chunk]
    out: list[UnifiedChunk] = []
    for i, (kind, text) in enumerate(pieces):
        last = i == len(pieces) - 1
        piece_delta = {**(rest if last else {}), kind: text}
        if last:
            chunk["choices"][0]["delta"] = piece_delta
            out.append(chunk)
        else:
            head = {k: v for k, v in chunk.items() if k not in ("choices", "usage")}
            out.append({**head, "choices": [{"index": 0, "delta": piece_delta, "finish_reason": None}]})
    return out
