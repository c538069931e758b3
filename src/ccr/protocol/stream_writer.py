"""Unified (OpenAI `chat.completion.chunk`) stream → Anthropic SSE bytes.

Anthropic's grammar allows one open content block at a time; OpenAI streams may interleave text,
reasoning and several tool calls. The writer streams whatever it can live and holds the rest:

* A live tool call whose arguments are not yet a whole JSON object *blocks*: anything else that
  arrives meanwhile (other tool indices, text, reasoning) waits in a backlog, in arrival order.
* When something new arrives and the live tool's arguments are complete (or at `finish`), the tool
  is closed and the backlog is replayed: held text/reasoning as one delta, held tools opened live
  with their arguments so far. Nothing a provider sent is dropped or reordered within a block.
* A tool whose name has not arrived yet is live but unstarted: its start waits for the name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from ccr.protocol import anthropic_events as ev
from ccr.protocol.from_unified import upstream_error_from
from ccr.protocol.mapping import (
    anthropic_usage,
    clean_stop_sequences,
    content_parts,
    matched_stop_sequence,
    new_message_id,
    reasoning_parts,
    stop_reason_for,
)
from ccr.protocol.stream_blocks import BlockWriter
from ccr.protocol.stream_state import TEXT, THINKING, TOOL, Held, ToolCall, ToolTable

__all__ = ["AnthropicStreamWriter"]


class AnthropicStreamWriter(BlockWriter):
    __slots__ = (
        "_backlog", "_estimated_output", "_finish_reason", "_input_tokens", "_matched_stop",
        "_message_id", "_model", "_stop_sequences", "_text", "_tools", "_upstream_usage",
        "finished", "started",
    )  # fmt: skip

    def __init__(
        self,
        model: str,
        *,
        stop_sequences: Sequence[str] = (),
        message_id: str | None = None,
        input_tokens: int = 0,
    ) -> None:
        super().__init__()
        self._model = model
        self._stop_sequences = clean_stop_sequences(stop_sequences)
        self._message_id = message_id or new_message_id()
        self._input_tokens = input_tokens
        self.started = False
        self.finished = False
        self._text: list[str] = []
        self._tools = ToolTable()
        self._backlog: list[ToolCall | Held] = []
        self._finish_reason: object = None
        self._matched_stop: str | None = None
        self._upstream_usage: dict[str, int] | None = None
        self._estimated_output = 0

    # ------------------------------------------------------------------ public API

    def start(self) -> bytes:
        if self.started:
            return b""
        self.started = True
        return ev.message_start(self._message_id, self._model, self._input_tokens)

    def feed(self, chunk: dict[str, Any]) -> bytes:
        if self.finished:
            return b""
        error = chunk.get("error")
        if error:
            raise upstream_error_from(error)
        head = b"" if self.started else self.start()
        usage = chunk.get("usage")
        if usage:
            self._upstream_usage = anthropic_usage(usage)
        choices = chunk.get("choices")
        if not choices or not isinstance(choices, list) or not isinstance(choices[0], dict):
            return head
        choice = choices[0]
        delta = choice.get("delta")
        body = self._delta(delta) if delta and isinstance(delta, dict) else b""
        finish = choice.get("finish_reason")
        if finish:
            self._finish_reason = finish
            self._matched_stop = matched_stop_sequence(choice, self._stop_sequences, "")
        return head + body if head else body

    def set_output_tokens(self, count: int) -> None:
        """The caller's own count, used only when the upstream never reports usage."""
        self._estimated_output = max(count, 0)

    def finish(self, *, estimated_output_tokens: int | None = None) -> bytes:
        """Close the open block, replay anything held, then message_delta and message_stop.

        `estimated_output_tokens` (same as `set_output_tokens`) counts only without upstream usage.
        """
        if self.finished:
            return b""
        if estimated_output_tokens is not None:
            self.set_output_tokens(estimated_output_tokens)
        out = [self.start()]
        self._flushing = True
        self._drain(out)
        self._close(out)
        self.finished = True
        usage = self._final_usage()
        stop_reason, stop_sequence = self._final_stop()
        out.append(ev.message_delta(stop_reason, stop_sequence, usage))
        out.append(ev.MESSAGE_STOP)
        return b"".join(out)

    def error(self, error_type: str, message: str) -> bytes:
        if self.finished:
            return b""
        self.finished = True
        return ev.error_event(error_type, message)

    @property
    def pristine(self) -> bool:
        """Nothing of the answer yet: no block opened, nothing held, no finish reason, not ended.
        Another provider's stream may still take over (after `message_start` only)."""
        return (
            self._next_index == 0
            and not self._backlog
            and self._live is None
            and self._finish_reason is None
            and not self.finished
        )

    @property
    def usage(self) -> dict[str, int]:
        return self._final_usage()

    @property
    def output_tokens_estimated(self) -> bool:
        """True when no usage came from upstream: the caller should count output tokens itself."""
        return self._upstream_usage is None

    @property
    def stop_reason(self) -> str | None:
        if self._finish_reason is None and not self.finished:
            return None
        return self._final_stop()[0]

    @property
    def output_text(self) -> str:
        return "".join(self._text)

    # ------------------------------------------------------------------ chunk routing

    def _delta(self, delta: dict[str, Any]) -> bytes:
        content = delta.get("content")
        reasoning = delta.get("reasoning_content") or delta.get("reasoning")
        thinking = delta.get("thinking") or delta.get("reasoning_details")
        calls = delta.get("tool_calls") or delta.get("function_call")
        if not (reasoning or thinking or calls) and content.__class__ is str:
            if not content:
                return b""
            self._text.append(content)
            if self._open == TEXT:  # the hot path: one more text fragment
                return self._prefix + orjson.dumps(content) + ev.END
            out: list[bytes] = []
            self._route(out, TEXT, content)
            return b"".join(out)
        out = []
        if reasoning or thinking:
            text, signature = reasoning_parts(reasoning, delta.get("thinking"), delta.get("reasoning_details"))
            if text:
                self._route(out, THINKING, text)
            if signature:
                last = self._backlog[-1] if self._backlog else None
                if not text and self._open != THINKING and not (isinstance(last, Held) and last.kind == THINKING):
                    self._route(out, THINKING, "")  # a signature alone still needs a block to carry it
                self._sign(signature)
        if isinstance(content, str) and content:
            self._text.append(content)
            self._route(out, TEXT, content)
        elif isinstance(content, list):
            for is_reasoning, part in content_parts(content):
                if part and not is_reasoning:
                    self._text.append(part)
                if part:
                    self._route(out, THINKING if is_reasoning else TEXT, part)
        if isinstance(calls, list):
            for call in calls:
                if isinstance(call, dict):
                    self._tool_fragment(out, call)
        elif isinstance(calls, dict):  # legacy `function_call`: a single tool
            self._tool_fragment(out, {"index": 0, "function": calls})
        return b"".join(out)

    def _sign(self, signature: str) -> None:
        last = self._backlog[-1] if self._backlog else None
        if isinstance(last, Held) and last.kind == THINKING:
            last.signature = signature
        elif self._open == THINKING:
            self._thinking_sig = signature

    def _route(self, out: list[bytes], kind: int, text: str) -> None:
        """Text or reasoning: onto the open block of its kind, a new block, or the backlog."""
        if self._open != kind or self._backlog:
            if not self._admit(out):
                last = self._backlog[-1] if self._backlog else None
                if isinstance(last, Held) and last.kind == kind:
                    last.parts.append(text)
                else:
                    self._backlog.append(Held(kind, [text]))
                return
            self._ensure_open(out, kind)
        if kind == THINKING:
            self._thinking.append(text)
        out.append(self._prefix + orjson.dumps(text) + ev.END)

    def _tool_fragment(self, out: list[bytes], call: dict[str, Any]) -> None:
        tool, is_new, fragment = self._tools.take(call)
        if is_new:
            if self._admit(out):
                self._go_live(out, tool)
            else:
                self._backlog.append(tool)
        elif tool is self._live:
            if tool.started:
                if fragment:
                    out.append(self._prefix + orjson.dumps(fragment) + ev.END)
            elif tool.name is not None:
                self._start_tool(out, tool, final=False)
        # a held tool just accumulates; a closed one cannot take more (only whitespace can follow
        # a complete object, see `_blocked`)

    # ------------------------------------------------------------------ blocks

    def _blocked(self) -> bool:
        live = self._live
        return live is not None and not self._flushing and not (live.started and live.complete())

    def _admit(self, out: list[bytes]) -> bool:
        """May a new item be written now? Replays the backlog first when the live tool is done."""
        if self._backlog or self._open == TOOL:
            self._drain(out)
            return not self._backlog and not self._blocked()
        return True

    def _drain(self, out: list[bytes]) -> None:
        while self._backlog and not self._blocked():
            item = self._backlog.pop(0)
            if isinstance(item, ToolCall):
                self._go_live(out, item)
                continue
            self._ensure_open(out, item.kind)
            text = "".join(item.parts)
            if item.kind == THINKING:
                self._thinking.append(text)
                if item.signature:
                    self._thinking_sig = item.signature
            out.append(self._prefix + orjson.dumps(text) + ev.END)

    # ------------------------------------------------------------------ the end

    def _final_usage(self) -> dict[str, int]:
        if self._upstream_usage is not None:
            return dict(self._upstream_usage)
        return {
            "input_tokens": self._input_tokens,
            "output_tokens": self._estimated_output,
            "cache_read_input_tokens": 0,
        }

    def _final_stop(self) -> tuple[str, str | None]:
        reason = stop_reason_for(self._finish_reason, self._tool_blocks > 0 or bool(self._tools.calls))
        if reason != "end_turn":
            return reason, None
        matched = self._matched_stop
        if matched is None and self._stop_sequences:
            matched = matched_stop_sequence({}, self._stop_sequences, self.output_text)
        return ("stop_sequence", matched) if matched is not None else (reason, None)
