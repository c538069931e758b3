"""The image agent's view of a streamed answer: one client message made of several upstream rounds.

Each round is the main model's Anthropic SSE stream. `RoundFilter.feed` returns the bytes the client
should get now: `analyzeImage` blocks are swallowed, block indices are renumbered so they stay
contiguous across rounds, only the first round's `message_start` passes, and every round's
`message_delta`/`message_stop` is held back until the agent knows whether it continues
(`AgentStream.finish` writes the real ending). Meanwhile the round's content is assembled, because
the continuation request needs the assistant message as the model produced it. Pure: events in,
bytes out.
"""

from __future__ import annotations

from typing import Any

import orjson

from ccr.protocol.sse import SSEEvent, encode_event
from ccr.routing.image_agent import TOOL_NAME
from ccr.routing.image_tool import has_client_tool_calls, parse_tool_input

_MESSAGE_STOP = b'event: message_stop\ndata: {"type":"message_stop"}\n\n'


class AgentStream:
    def __init__(self) -> None:
        self.next_index = 0
        self.rounds: list[RoundFilter] = []
        self.visible_tool_calls = False

    def begin_round(self) -> RoundFilter:
        flt = RoundFilter(self, first=not self.rounds)
        self.rounds.append(flt)
        return flt

    @property
    def output_tokens(self) -> int:
        """What the client is billed for: every round's output, hidden tool calls included."""
        return sum(r.output_tokens for r in self.rounds)

    def finish(self, last: RoundFilter) -> bytes:
        """The held-back ending, with a stop reason that matches what the client saw."""
        stop = last.stop_reason or "end_turn"
        if stop == "tool_use" and not self.visible_tool_calls:
            stop = "end_turn"
        usage = {**last.usage, "output_tokens": self.output_tokens}
        delta = {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": last.stop_sequence}}
        delta["usage"] = usage
        return encode_event("message_delta", orjson.dumps(delta)) + _MESSAGE_STOP


class RoundFilter:
    def __init__(self, stream: AgentStream, *, first: bool) -> None:
        self.stream = stream
        self.first = first
        self.blocks: dict[int, dict[str, Any]] = {}
        self._json: dict[int, str] = {}
        self._client_index: dict[int, int] = {}
        self.stop_reason: str | None = None
        self.stop_sequence: str | None = None
        self.usage: dict[str, Any] = {}
        self.output_tokens = 0
        self.failed = False
        self.ended = False

    def feed(self, event: SSEEvent) -> bytes:
        kind = event.event
        if kind in ("ping", "error"):
            self.failed = self.failed or kind == "error"
            return encode_event(kind, event.data.encode())
        try:
            data = orjson.loads(event.data)
        except orjson.JSONDecodeError:
            return b""
        if not isinstance(data, dict):
            return b""
        if kind == "message_start":
            return self._message_start(data, event)
        if kind in ("content_block_start", "content_block_delta", "content_block_stop"):
            return self._block_event(kind, data)
        if kind == "message_delta":
            self._message_delta(data)
        elif kind == "message_stop":
            self.ended = True
        return b""

    def _message_start(self, data: dict[str, Any], event: SSEEvent) -> bytes:
        message = data.get("message")
        if isinstance(message, dict) and isinstance(message.get("usage"), dict):
            self.usage.update(message["usage"])
        return encode_event("message_start", event.data.encode()) if self.first else b""

    def _message_delta(self, data: dict[str, Any]) -> None:
        delta = data.get("delta")
        if isinstance(delta, dict):
            self.stop_reason = delta.get("stop_reason") or self.stop_reason
            self.stop_sequence = delta.get("stop_sequence")
        usage = data.get("usage")
        if isinstance(usage, dict):
            self.usage.update({k: v for k, v in usage.items() if v is not None})
            if isinstance(usage.get("output_tokens"), int):
                self.output_tokens = usage["output_tokens"]

    def _block_event(self, kind: str, data: dict[str, Any]) -> bytes:
        index = data.get("index")
        if not isinstance(index, int):
            return b""
        if kind == "content_block_start":
            block = data.get("content_block")
            if not isinstance(block, dict):
                return b""
            self.blocks[index] = dict(block)
            if block.get("type") == "tool_use" and block.get("name") == TOOL_NAME:
                return b""
            if block.get("type") == "tool_use":
                self.stream.visible_tool_calls = True
            self._client_index[index] = self.stream.next_index
            self.stream.next_index += 1
        elif kind == "content_block_delta":
            self._assemble(index, data.get("delta"))
        elif kind == "content_block_stop" and index in self._json:
            self.blocks[index]["input"] = parse_tool_input(self._json.pop(index))
        if index not in self._client_index:
            return b""
        data["index"] = self._client_index[index]
        return encode_event(kind, orjson.dumps(data))

    def _assemble(self, index: int, delta: Any) -> None:
        block = self.blocks.get(index)
        if block is None or not isinstance(delta, dict):
            return
        kind = delta.get("type")
        if kind == "text_delta":
            block["text"] = block.get("text", "") + str(delta.get("text", ""))
        elif kind == "thinking_delta":
            block["thinking"] = block.get("thinking", "") + str(delta.get("thinking", ""))
        elif kind == "signature_delta":
            block["signature"] = block.get("signature", "") + str(delta.get("signature", ""))
        elif kind == "input_json_delta":
            self._json[index] = self._json.get(index, "") + str(delta.get("partial_json", ""))

    def content(self) -> list[dict[str, Any]]:
        """The assistant message of this round, as the model produced it (agent calls included)."""
        return [self.blocks[i] for i in sorted(self.blocks)]

    def agent_calls(self) -> list[dict[str, Any]]:
        return [b for b in self.content() if b.get("type") == "tool_use" and b.get("name") == TOOL_NAME]

    def should_continue(self) -> bool:
        """Answer the agent's calls and go on: only when nothing else awaits the client."""
        content = self.content()
        return (
            not self.failed
            and self.stop_reason == "tool_use"
            and bool(self.agent_calls())
            and not has_client_tool_calls(content)
        )
