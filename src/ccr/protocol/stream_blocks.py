"""Content blocks as Anthropic events: the one open block, its index and its delta prefix.

`AnthropicStreamWriter` decides *what* goes out when; this base class knows *how* a block is
opened, fed and closed (a thinking block always ends with a signature, a tool block starts only
once its name is known).
"""

from __future__ import annotations

import orjson

from ccr.protocol import anthropic_events as ev
from ccr.protocol.mapping import ToolIds, signature_for
from ccr.protocol.stream_state import TEXT, THINKING, TOOL, ToolCall, final_arguments

UNNAMED_TOOL = "unknown_tool"


class BlockWriter:
    __slots__ = (
        "_flushing", "_ids", "_live", "_next_index", "_open", "_open_index", "_prefix", "_thinking",
        "_thinking_sig", "_tool_blocks",
    )  # fmt: skip

    def __init__(self) -> None:
        self._next_index = 0
        self._open = 0  # kind of the open block, 0 when none
        self._open_index = -1
        self._prefix = b""  # delta prefix of the open block
        self._live: ToolCall | None = None  # the tool block that is open (or waits for its name)
        self._thinking: list[str] = []
        self._thinking_sig: str | None = None
        self._ids = ToolIds()
        self._tool_blocks = 0
        self._flushing = False  # finishing: nothing may wait any longer

    def _ensure_open(self, out: list[bytes], kind: int) -> None:
        if self._open == kind:
            return
        self._close(out)
        index = self._next_index
        self._next_index = index + 1
        self._open = kind
        self._open_index = index
        name = "text" if kind == TEXT else "thinking"
        out.append(ev.block_start(name, index))
        self._prefix = ev.delta_prefix(name, index)

    def _go_live(self, out: list[bytes], tool: ToolCall) -> None:
        self._close(out)
        self._open = TOOL
        self._live = tool
        if tool.name is not None:
            # At finish a held tool is sent whole, so near-JSON arguments can still be repaired.
            self._start_tool(out, tool, final=self._flushing)

    def _start_tool(self, out: list[bytes], tool: ToolCall, *, final: bool) -> None:
        index = self._next_index
        self._next_index = index + 1
        self._open_index = index
        self._tool_blocks += 1
        tool.started = True
        out.append(ev.tool_block_start(index, self._ids.take(tool.raw_id), tool.name or UNNAMED_TOOL))
        self._prefix = ev.delta_prefix("input_json", index)
        args = final_arguments(tool) if final else "".join(tool.args)
        if args:
            out.append(self._prefix + orjson.dumps(args) + ev.END)

    def _close(self, out: list[bytes]) -> None:
        kind = self._open
        if not kind:
            return
        if kind == THINKING:
            signature = self._thinking_sig or signature_for("".join(self._thinking))
            out.append(ev.delta_prefix("signature", self._open_index) + orjson.dumps(signature) + ev.END)
            self._thinking = []
            self._thinking_sig = None
        elif kind == TOOL and self._live is not None:
            if not self._live.started:
                self._start_tool(out, self._live, final=True)
            self._live = None
        out.append(ev.block_stop(self._open_index))
        self._open = 0
